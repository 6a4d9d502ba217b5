"""Issue 26 item 7: deploying prod after the 2026 window closed must not give an app nobody can
send in. The next cycle ships ready but as a draft (definition and window), the dry run names
what is missing and refuses a prod season opened on a draft, and docs/season.md says what an
operator does each season."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_2027_draft_is_2026_s_questions_a_year_on():
    from chalicelib.platform import cycles
    from chalicelib.questionnaire import definitions

    current, following = definitions.load("ceo-wmo", 2026), definitions.load("ceo-wmo", 2027)
    assert following.draft and not current.draft
    assert (following.cycle, following.measurement_year) == (2027, 2026)
    assert following.version.startswith("2027.")
    # carried over answers find their questions: the same ids, in the same steps
    assert [q.id for q in following.questions()] == [q.id for q in current.questions()]
    assert "2025" not in str([q.label for q in following.questions()])
    assert "over 2026" in following.sections[0].title
    window = cycles.window_of("ceo-wmo", 2027)
    assert window.opens == date(2027, 1, 1) and window.late_until == date(2027, 10, 31)


def test_a_status_other_than_draft_or_final_is_refused():
    import json

    from chalicelib.questionnaire import definitions

    raw = json.loads((definitions.DEFINITIONS / "ceo-wmo" / "2026.json").read_text())
    with pytest.raises(definitions.DefinitionError, match="status"):
        definitions.parse({**raw, "status": "concept"})
    assert not definitions.parse({**raw, "status": "final"}).draft


@pytest.fixture()
def stage_on(monkeypatch):
    from devtools import deploy

    def on(cycle: int) -> None:
        real = deploy.stage_variables
        monkeypatch.setattr(deploy, "stage_variables",
                            lambda stage: {**real(stage), "CURRENT_CYCLE": str(cycle)})
    return on


def test_prod_on_a_draft_stops_in_the_dry_run_dev_is_warned(stage_on):
    from devtools import deploy

    stage_on(2027)
    refused = deploy.definition_status("prod")
    assert refused.level == "error" and "questionnaire of 2027 (version 2027.1) is a draft" \
        in refused.text and "docs/season.md" in refused.text
    assert deploy.definition_status("dev").level == "warn"
    stage_on(2026)
    assert deploy.definition_status("prod").level == "ok"
    stage_on(2031)  # a cycle nobody wrote
    missing = deploy.definition_status("prod")
    assert missing.level == "error" and "no definition for ceo-wmo 2031" in missing.text


def test_after_the_window_closes_the_dry_run_names_the_draft_to_settle(stage_on):
    from devtools import deploy

    stage_on(2026)
    closed = deploy.window_status("prod", date(2026, 12, 7))
    assert closed.level == "warn" and "next: 2027 opens 2027-01-01" in closed.text
    assert "settle the draft chalicelib/questionnaire/data/ceo-wmo/2027.json" in closed.text
    assert "set CURRENT_CYCLE=2027" in closed.text


def test_the_season_guide_takes_an_operator_through_each_step():
    guide = (ROOT / "docs" / "season.md").read_text()
    for needed in ("chalicelib/questionnaire/data/ceo-wmo/",
                   "chalicelib/questionnaire/data/ceo-jeugd/", '"status": "final"',
                   "chalicelib/platform/data/cycles.json", "MUNICIPALITY_YEAR",
                   "CURRENT_CYCLE", "./dev deploy prod --dry-run", "docs/questionnaire.md"):
        assert needed in guide, needed
    assert "docs/season.md" in (ROOT / "README.md").read_text()
