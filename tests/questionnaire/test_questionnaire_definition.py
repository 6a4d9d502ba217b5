"""Questionnaire definitions are data; a broken one must fail loudly, before any user sees it."""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.questionnaire import definitions as questionnaire
from chalicelib.questionnaire.definitions import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "chalicelib" / "questionnaire" / "data" / "ceo-wmo" / "2026.json"


def raw():
    return json.loads(SOURCE.read_text(encoding="utf-8"))


def test_the_shipped_definitions_load():
    definitions = questionnaire.all_definitions()
    assert sorted((d.instrument, d.cycle, d.draft) for d in definitions) == [
        ("ceo-jeugd", 2026, False), ("ceo-jeugd", 2027, True), ("ceo-wmo", 2026, False),
        ("ceo-wmo", 2027, True)]  # next season's, drafts
    ceo = next(d for d in definitions if d.instrument == "ceo-wmo" and d.cycle == 2026)
    assert [s.id for s in ceo.sections] == ["onderzoek", "opzet", "uitvoering", "uitkomsten",
                                           "opvolging", "toestemming"]
    assert {q.type for q in ceo.questions()} == questionnaire.TYPES - {"percentage"}
    scores = ceo.question("scores")
    assert [r.id for r in scores.rows] == [f"q{n}" for n in range(1, 11)]
    assert [c.value for c in scores.rows[4].categories] == ["ja", "nee"]
    assert [f.id for f in scores.rows[0].formats] == ["vijf", "drie", "eens"]
    assert ceo.headline == "belangrijkste_uitkomsten" and ceo.consent == "toestemming_college"
    assert ceo.question(ceo.headline).max_length == 600
    assert ceo.version == "2026.2" and ceo.no_survey == "onderzoek_uitgevoerd"


def mutate(change):
    data = raw()
    change(data)
    return data


def first_question(data):
    return section(data, "opzet")["questions"][0]


def section(data, section_id):
    return next(s for s in data["sections"] if s["id"] == section_id)


def opzet(data, index):
    return section(data, "opzet")["questions"][index]


BROKEN = {  # name: (change, the reason the error must give)
    "unknown type": (lambda d: first_question(d).update(type="slider"),
                     "opzet/doel: unknown type 'slider'"),
    "duplicate ids": (lambda d: section(d, "uitvoering")["questions"].append(
        copy.deepcopy(first_question(d))), "duplicate question ids: ['doel']"),
    "dangling condition": (lambda d: opzet(d, 2).update(
        show_if={"question": "bestaat_niet", "equals": "ja"}),
        "doelgroepen_anders: show_if refers to unknown 'bestaat_niet'"),
    "condition on a later question": (lambda d: first_question(d).update(
        show_if={"question": "moment", "equals": "eenmalig"}),
        "doel: show_if must refer to an earlier question"),
    "condition on an unknown value": (lambda d: opzet(d, 2).update(
        show_if={"question": "doelgroepen", "includes": "katten"}),
        "doelgroepen_anders: show_if uses a value 'doelgroepen' lacks"),
    "choice without options": (lambda d: opzet(d, 3).update(options=[]),
                               "opzet/moment: needs a non-empty list of options"),
    "unknown key": (lambda d: first_question(d).update(verplicht=True),
                    "opzet/doel: unknown keys ['verplicht']"),
    "missing label": (lambda d: first_question(d).pop("label"),
                      "opzet/doel: 'label' is required"),
    "rule on a text question": (lambda d: d["rules"][0].update(other="doel"),
                                "rule not_greater_than refers to 'doel', which is not a "
                                "whole_number"),
    "rule with an unknown level": (lambda d: d["rules"][0].update(level="hint"),
                                   "rule on 'aantal_respondenten': level must be error or "
                                   "warning"),
    "two questions named alike": (lambda d: opzet(d, 0).update(standalone="Andere methode"),
                                  "questions need a label that reads on its own (standalone): "
                                  "['Andere methode'] is used more than once"),
    "agreeing category outside its format": (
        lambda d: section(d, "uitkomsten")["questions"][2]["formats"][0].update(agree=["ja"]),
        "uitkomsten/scores: format 'vijf' must name its agreeing categories among its own"),
    "two formats with the same boxes": (
        lambda d: section(d, "uitkomsten")["questions"][2]["formats"][2].update(
            categories=[{"value": "eens", "label": "x"}, {"value": "neutraal_groep", "label": "y"},
                        {"value": "oneens", "label": "z"}]),
        "uitkomsten/scores: formats need distinct ids and distinct category sets"),
    "unknown allowed on a text": (lambda d: opzet(d, 0).update(
        unknown={"label": "x", "when": [], "refused": "y"}),
        "opzet/doel: only a whole number can be answered 'onbekend'"),
    "section condition on a later question": (lambda d: section(d, "onderzoek").update(
        show_if={"question": "moment", "equals": "eenmalig"}),
        "onderzoek: show_if must refer to an earlier question"),
    "unknown rule": (lambda d: d["rules"][0].update(rule="sum_to"), "unknown rule 'sum_to'"),
    "headline not a long text": (lambda d: d.update(headline="moment"),
                                 "'moment' must be a long_text question"),
    "missing sections": (lambda d: d.pop("sections"),
                         "missing or malformed field: 'sections'"),
    "double underscore in id": (lambda d: first_question(d).update(id="doel__x"),
                                "opzet/doel__x: ids may not contain '__'"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_definition_is_refused_with_a_reason(name):
    change, reason = BROKEN[name]
    with pytest.raises(DefinitionError, match=f"^{re.escape(reason)}$"):
        questionnaire.parse(mutate(change))


def test_adding_a_question_is_a_data_change_only():
    data = raw()
    section(data, "opvolging")["questions"].append(
        {"id": "budget", "type": "percentage", "required": False, "label": "Welk percentage?"})
    definition = questionnaire.parse(data)
    assert definition.question("budget").type == "percentage"


def test_the_app_refuses_to_start_with_a_broken_definition(tmp_path):
    broken = tmp_path / "questionnaires" / "ceo-wmo"
    broken.mkdir(parents=True)
    (broken / "2026.json").write_text(json.dumps(mutate(BROKEN["dangling condition"][0])))
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
              f"import pathlib, chalicelib.questionnaire.definitions as q; "
              f"q.DEFINITIONS = pathlib.Path({str(tmp_path / 'questionnaires')!r}); "
              f"import app")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, env={"AWS_DEFAULT_REGION": "eu-central-1",
                                               "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "DefinitionError" in result.stderr and "bestaat_niet" in result.stderr
