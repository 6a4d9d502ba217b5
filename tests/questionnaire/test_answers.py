"""Validation of every question type, on raw input exactly as people type it."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.platform.formatting import format_number
from chalicelib.questionnaire import answers
from chalicelib.questionnaire import definitions as questionnaire
from chalicelib.questionnaire.answers import parse_dutch_number


def questionnaire_source():
    return json.loads((questionnaire.DEFINITIONS / "ceo-wmo" / "2026.json").read_text("utf-8"))


@pytest.mark.parametrize("text,expected", [
    ("12", Decimal("12")), ("12,5", Decimal("12.5")), ("1.234", Decimal("1234")),
    ("1.234,5", Decimal("1234.5")), ("12.5", Decimal("12.5")), (" 1 234 ", Decimal("1234")),
    ("45%", Decimal("45")), ("1.234.567", Decimal("1234567")), ("0,0", Decimal("0")),
    ("-3", Decimal("-3")), ("", None), ("twaalf", None), ("1,2,3", None), ("1e5", None),
    ("12,", None), ("١٢", None), ("NaN", None), ("Infinity", None),
])
def test_dutch_number_notation(text, expected):
    assert parse_dutch_number(text) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_numbers_formatted_the_dutch_way_read_back_the_same(number):
    assert parse_dutch_number(format_number(number, 0)) == number


@given(st.text(max_size=40))
def test_number_parsing_never_raises(text):
    result = parse_dutch_number(text)
    assert result is None or isinstance(result, Decimal)


def q(**fields):
    base = {"id": "x", "type": "short_text", "label": "Vraag", "required": True}
    return questionnaire._question({**base, **fields}, "test")


def check(question, raw):
    value, errors = answers.parse_question(question, raw)
    return value, next(iter(errors.values()), None)


TYPE_CASES = [
    # (question fields, raw answers, expected value, expected error fragment)
    ({}, {"x": "  Hallo   wereld "}, "Hallo   wereld", None),
    ({}, {"x": ""}, None, "Beantwoord ‘Vraag’"),
    ({"required": False}, {"x": "   "}, None, None),
    ({}, {"x": "a" * 201}, None, "maximaal 200 tekens"),
    ({}, {"x": "bidi \u202e override"}, None, "tekens die wij niet kunnen verwerken"),
    ({}, {"x": "emoji 👩‍💻 en Zoë"}, "emoji 👩‍💻 en Zoë", None),
    ({"type": "long_text"}, {"x": "regel 1\r\nregel 2"}, "regel 1\nregel 2", None),
    ({"type": "long_text", "max_length": 10}, {"x": "x" * 11}, None, "maximaal 10 tekens"),
    ({"type": "whole_number"}, {"x": "1.250"}, 1250, None),
    ({"type": "whole_number"}, {"x": "12,5"}, None, "zonder komma"),
    ({"type": "whole_number", "maximum": 100}, {"x": "101"}, None, "tussen 0 en 100"),
    ({"type": "whole_number"}, {"x": "-1"}, None, "0 of meer"),
    ({"type": "percentage"}, {"x": "12,5%"}, Decimal("12.5"), None),
    ({"type": "percentage"}, {"x": "100,1"}, None, "tussen 0 en 100"),
    ({"type": "date"}, {"x": "2026-02-28"}, date(2026, 2, 28), None),
    ({"type": "date"}, {"x": "28-2-2026"}, date(2026, 2, 28), None),
    ({"type": "date"}, {"x": "30-02-2026"}, None, "geldige datum"),
    ({"type": "date_range"}, {"x": "1-1-2026", "x__tot": "31-3-2026"},
     {"van": date(2026, 1, 1), "tot": date(2026, 3, 31)}, None),
    ({"type": "date_range"}, {"x": "1-4-2026", "x__tot": "31-3-2026"}, None, "einddatum"),
    ({"type": "date_range"}, {"x": "1-4-2026", "x__tot": ""}, None, "begin- en einddatum"),
    ({"type": "single_choice", "options": [{"value": "a", "label": "A"}]}, {"x": "a"}, "a", None),
    ({"type": "single_choice", "options": [{"value": "a", "label": "A"}]}, {"x": "b"}, None,
     "Kies een van de antwoorden"),
    ({"type": "single_choice", "options": [{"value": "a", "label": "A"}]}, {}, None,
     "Kies een antwoord"),
    ({"type": "multiple_choice", "options": [{"value": "a", "label": "A"},
                                            {"value": "b", "label": "B"}]},
     {"x": ["b", "a", "b"]}, ["a", "b"], None),
    ({"type": "multiple_choice", "options": [{"value": "a", "label": "A"}]}, {"x": ["z"]}, None,
     "Kies uit de antwoorden"),
    ({"type": "yes_no"}, {"x": "ja"}, "ja", None),
    ({"type": "yes_no"}, {"x": "misschien"}, None, "Kies een van de antwoorden"),
    ({"type": "url"}, {"x": "www.ede.nl/ceo"}, "https://www.ede.nl/ceo", None),
    ({"type": "url"}, {"x": "javascript:alert(1)"}, None, "geldig webadres"),
    ({"type": "url"}, {"x": "https://exa mple.nl"}, None, "geldig webadres"),
]


@pytest.mark.parametrize("fields,raw,expected,error", TYPE_CASES)
def test_each_type_validates_as_documented(fields, raw, expected, error):
    value, message = check(q(**fields), raw)
    if error is None:
        assert message is None and value == expected
    else:
        assert message is not None and error in message and value is None


SCORES = {"id": "s", "type": "score_table", "label": "Scores", "required": False,
          "formats": [
              {"id": "twee", "label": "Eens en oneens", "complete": True, "agree": ["eens"],
               "categories": [{"value": "eens", "label": "Eens"},
                              {"value": "oneens", "label": "Oneens"}]},
              {"id": "eens", "label": "Alleen eens", "complete": False, "agree": ["eens"],
               "categories": [{"value": "eens", "label": "Eens"}]}],
          "rows": [{"id": "q1", "label": "Vraag één"}, {"id": "q2", "label": "Vraag twee"}]}


@pytest.mark.parametrize("raw,error", [
    ({"s__q1__eens": "60", "s__q1__oneens": "40", "s__q1__n": "25"}, None),
    ({"s__q1__eens": "60,5", "s__q1__oneens": "40", "s__q1__n": "25"}, None),   # rounding ± 1
    ({"s__q1__eens": "62", "s__q1__oneens": "40", "s__q1__n": "25"}, "samen 100%"),
    ({"s__q1__eens": "", "s__q1__oneens": "40", "s__q1__n": "25"}, "zoals uw rapport ze geeft"),
    ({"s__q1__eens": "60", "s__q1__oneens": "40", "s__q1__n": ""}, "aantal geldige"),
    ({"s__q1__eens": "60", "s__q1__oneens": "40", "s__q1__n": "2,5"}, "aantal geldige"),
    ({"s__q1__eens": "160", "s__q1__oneens": "-60", "s__q1__n": "3"}, "tussen 0 en 100"),
    ({"s__q1__eens": "60", "s__q1__n": "25"}, None),       # the report gives only % eens
    ({"s__q1__eens": "101", "s__q1__n": "25"}, "tussen 0 en 100"),
    ({"s__q1__n": "25"}, "zoals uw rapport ze geeft"),      # a count without figures
    ({}, None),
])
def test_score_table_rows(raw, error):
    _, errors = answers.parse_question(questionnaire._question(SCORES, "t"), raw)
    if error is None:
        assert errors == {}
    else:  # one error, at one of this statement's own fields
        [(field, message)] = errors.items()
        assert field.startswith("s__q1__") and error in message


def test_score_values_are_typed_with_their_format_and_the_share_that_agrees():
    value, _ = answers.parse_question(questionnaire._question(SCORES, "t"), {
        "s__q2__eens": "70", "s__q2__oneens": "30", "s__q2__n": "1.024",
        "s__q1__eens": "55,5", "s__q1__n": "80"})
    assert value == {"q1": {"format": "eens", "percentages": {"eens": Decimal("55.5")},
                            "agree": Decimal("55.5"), "valid_answers": 80},
                     "q2": {"format": "twee",
                            "percentages": {"eens": Decimal(70), "oneens": Decimal(30)},
                            "agree": Decimal(70), "valid_answers": 1024}}


def test_no_invented_zeros_the_form_never_asks_for_them():
    ceo = questionnaire.load("ceo-wmo", 2026)
    assert "0 als niemand" not in json.dumps(questionnaire_source(), ensure_ascii=False)
    three = {"scores__q1__eens": "70", "scores__q1__neutraal_groep": "20",
             "scores__q1__oneens": "10", "scores__q1__n": "300", "standaardvragen": "ja",
             "onderzoek_uitgevoerd": "ja"}
    value, errors = answers.parse_question(ceo.question("scores"), three)
    assert errors == {} and value["q1"]["format"] == "drie" and value["q1"]["agree"] == 70
    yes_only = {"scores__q5__ja": "61", "scores__q5__n": "300"}
    value, errors = answers.parse_question(ceo.question("scores"), yes_only)
    assert errors == {} and value["q5"] == {"format": "ja", "percentages": {"ja": 61},
                                            "agree": 61, "valid_answers": 300}


def test_cross_field_rule_and_derived_response_rate():
    ceo = questionnaire.load("ceo-wmo", 2026)
    raw = {"aantal_benaderd": "1.000", "aantal_respondenten": "1.001", "populatie": "900"}
    _, errors = answers.evaluate(ceo, raw, (ceo.section("uitvoering"),))
    assert "kan niet groter zijn" in errors["aantal_respondenten"]
    assert "onderzoekspopulatie" in errors["aantal_benaderd"]
    derived = answers.derived_values(ceo, {"aantal_benaderd": "800",
                                           "aantal_respondenten": "300"})
    assert derived == {"respons": Decimal("37.5")}


@given(st.dictionaries(st.sampled_from(sorted(questionnaire.load("ceo-wmo", 2026).input_names())),
                       st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3)),
                       max_size=25))
def test_any_raw_input_gets_values_or_dutch_errors_never_an_exception(raw):
    _values, errors = answers.evaluate(questionnaire.load("ceo-wmo", 2026), raw)
    assert all(isinstance(message, str) and message for message in errors.values())


# --- plausibility rules (data in the definition) ------------------------------------------

CEO = questionnaire.load("ceo-wmo", 2026)
TODAY = date(2026, 11, 23)
SURVEY = {"onderzoek_uitgevoerd": "ja", "standaardvragen": "ja"}


def iso(day):
    return day.isoformat()


def problems(raw, level="error"):
    raw = {**SURVEY, **raw}
    if level == "warning":
        return answers.warnings(CEO, raw, today=TODAY)
    return answers.evaluate(CEO, raw, today=TODAY)[1]


@given(st.integers(0, 5000), st.integers(0, 5000), st.integers(1, 5000))
def test_valid_answers_never_exceed_respondents_who_never_exceed_the_approached(
        valid, respondents, approached):
    errors = problems({"scores__q1__eens": "50", "scores__q1__n": str(valid),
                       "aantal_respondenten": str(respondents),
                       "aantal_benaderd": str(approached)})
    assert ("scores__q1__n" in errors) == (valid > respondents)
    assert ("aantal_respondenten" in errors) == (respondents > approached)


@given(st.dates(date(2015, 1, 1), date(2030, 12, 31)), st.integers(0, 800))
def test_fieldwork_lies_in_2025_or_2026_and_not_in_the_future(start, days):
    end = start + timedelta(days=days)
    errors = problems({"periode": iso(start), "periode__tot": iso(end)})
    fits = end.year >= 2025 and start.year <= 2026 and end <= TODAY
    assert ("periode" in errors) == (not fits)


@given(st.dates(date(2024, 1, 1), date(2026, 11, 1)), st.dates(date(2024, 1, 1),
                                                               date(2026, 11, 1)))
def test_report_council_and_consent_dates_do_not_precede_the_fieldwork(start, other):
    raw = {"periode": iso(start), "periode__tot": iso(max(start, date(2025, 1, 1))),
           "rapport_datum": iso(other), "besproken_raad": "ja",
           "besproken_raad_datum": iso(other), "toestemming_college": "ja",
           "toestemming_datum": iso(other)}
    errors = problems(raw)
    for name in ("rapport_datum", "besproken_raad_datum", "toestemming_datum"):
        assert (name in errors) == (other < start), name


def test_a_survey_that_misses_a_legal_topic_warns_but_does_not_block():
    one_topic = {"onderwerpen": ["kwaliteit"]}
    assert "onderwerpen" not in problems(one_topic)
    assert "toegankelijkheid, kwaliteit én effect" in problems(one_topic, "warning")["onderwerpen"]
    all_three = {"onderwerpen": ["toegankelijkheid", "kwaliteit", "effect"]}
    assert problems(all_three, "warning") == {}


def test_unknown_number_approached_only_where_the_method_cannot_count():
    base = {"aantal_benaderd__onbekend": "ja", "aantal_respondenten": "120",
            "moment": "periodiek"}
    refused = problems({**base, "methode": ["schriftelijk"]})
    assert "algemene link of QR-code" in refused["aantal_benaderd"]
    for allowed in ({"methode": ["open_link"]}, {"methode": ["online"], "moment": "continu"}):
        raw = {**SURVEY, **base, **allowed}
        values, errors = answers.evaluate(CEO, raw, (CEO.section("uitvoering"),), today=TODAY)
        assert "aantal_benaderd" not in errors and values["aantal_benaderd"] == answers.UNKNOWN
        assert answers.derived_values(CEO, raw) == {}  # no response rate without a denominator
    both = problems({**base, "methode": ["open_link"], "aantal_benaderd": "300"})
    assert "niet allebei" in both["aantal_benaderd"]


def test_no_survey_is_a_short_path():
    raw = {"onderzoek_uitgevoerd": "nee", "geen_onderzoek_reden": "Budget ging naar de "
           "herindeling.", "volgend_onderzoek": "voorjaar 2027", "toestemming_college": "ja",
           "toestemming_datum": "2026-05-01"}
    values, errors = answers.evaluate(CEO, raw, today=TODAY)
    assert errors == {}
    assert [s.id for s in answers.visible_sections(CEO, raw)] == ["onderzoek", "toestemming"]
    assert set(values) == {"onderzoek_uitgevoerd", "geen_onderzoek_reden", "volgend_onderzoek",
                           "toestemming_college", "toestemming_datum"}
    _, missing = answers.evaluate(CEO, {"onderzoek_uitgevoerd": "nee"}, today=TODAY)
    assert {"geen_onderzoek_reden", "volgend_onderzoek"} <= set(missing)


@pytest.mark.parametrize("typed", ["[", "https://[", "http://]x.nl", "www.[gemeente.nl"])
def test_a_malformed_web_address_is_an_error_not_a_crash(typed):
    # found by the property test above: urlparse raises ValueError on an unclosed "["
    from chalicelib.questionnaire import answers
    from chalicelib.questionnaire.definitions import load

    errors = answers.evaluate(load("ceo-wmo", 2026), {"rapport_url": typed})[1]
    assert errors["rapport_url"].startswith("Vul een geldig webadres in")


def test_a_count_too_high_on_vraag_10_is_that_statement_s_count_field_and_names_it():
    """Not the table's first field (Vraag 1), not every statement: only Vraag 10's count."""
    errors = problems({"scores__q1__eens": "50", "scores__q1__n": "300",
                       "scores__q10__eens": "50", "scores__q10__n": "450",
                       "aantal_respondenten": "400", "aantal_benaderd": "1000"})
    scores = {field: message for field, message in errors.items() if field.startswith("scores")}
    assert scores == {"scores__q10__n": "Vraag 10: het aantal geldige antwoorden op een vraag "
                      "kan niet groter zijn dan het aantal personen dat de vragenlijst invulde: "
                      "450 tegen 400"}


@pytest.mark.parametrize("question_id,message", [
    ("doelgroepen_anders", "Beantwoord de vraag ‘Welke andere doelgroep?’"),
    ("doelgroepen", "Kies een of meer antwoorden bij de vraag ‘Onder welke doelgroepen is het "
                    "onderzoek gehouden?’"),
    ("betrokkenheid", "Kies ja of nee bij de vraag ‘Waren cliënten of de adviesraad betrokken "
                      "bij het onderzoek?’"),
    ("aantal_benaderd", "Vul een aantal in bij de vraag ‘Hoeveel personen zijn benaderd?’"),
    ("periode", "Vul de eerste en de laatste dag in bij de vraag ‘In welke periode is het "
                "veldwerk gedaan?’"),
])
def test_an_empty_required_question_says_what_to_do_in_a_sentence_per_kind(question_id,
                                                                           message):
    _, errors = answers.parse_question(CEO.question(question_id), {})
    assert errors == {question_id: message}
