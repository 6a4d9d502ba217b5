"""Validating raw answers (exactly as typed, as the draft stores them) against a definition.

Raw answers map form field names to a string, or to a list of strings for multiple choice.
Nothing here changes what was typed: it only reads it, reports errors in Dutch, and turns
valid input into typed values for review and delivery.
"""
from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from ..platform.formatting import amsterdam, format_number
from ..platform.text_input import has_forbidden_characters, normalise
from .definitions import (
    Condition,
    Definition,
    Question,
    Rule,
    ScoreFormat,
    ScoreRow,
    Section,
    score_inputs,
    unknown_input,
)

UNKNOWN = "onbekend"

Raw = Mapping[str, str | list]
SUM_TOLERANCE = Decimal(1)
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$", re.ASCII)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)


def parse_dutch_number(text: str) -> Decimal | None:
    """'12,5' → 12.5, '1.234' → 1234, '1.234,5' → 1234.5, '12.5' → 12.5; None if no number."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").rstrip("%").strip()
    if not cleaned:
        return None
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    if not _NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def parse_date(text: str) -> date | None:
    """ISO (what <input type=date> sends) or Dutch day-month-year with - / or . between."""
    cleaned = text.strip()
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned, re.ASCII)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", cleaned, re.ASCII)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def text_of(raw: Raw, name: str) -> str:
    value = raw.get(name, "")
    if isinstance(value, list):
        return value[0] if value else ""
    return value


def list_of(raw: Raw, name: str) -> list[str]:
    value = raw.get(name, [])
    return [value] if isinstance(value, str) and value else list(value or [])


def condition_holds(definition: Definition, condition: Condition, raw: Raw) -> bool:
    target = definition.question(condition.question)
    if not is_visible(definition, target, raw):
        return False
    if target.type == "multiple_choice":
        chosen = list_of(raw, target.id)
        return condition.includes in chosen if condition.includes else False
    answer = text_of(raw, target.id)
    if condition.one_of is not None:
        return answer in condition.one_of
    if condition.not_equals is not None:
        return answer != condition.not_equals
    return answer == condition.equals


def section_visible(definition: Definition, section: Section, raw: Raw) -> bool:
    return section.show_if is None or condition_holds(definition, section.show_if, raw)


def visible_sections(definition: Definition, raw: Raw) -> tuple[Section, ...]:
    """The steps this draft goes through: a municipality without a survey skips the rest."""
    return tuple(s for s in definition.sections if section_visible(definition, s, raw))


def is_visible(definition: Definition, question: Question, raw: Raw) -> bool:
    if not section_visible(definition, definition.section_of(question.id), raw):
        return False
    condition = question.show_if
    return condition is None or condition_holds(definition, condition, raw)


def _is_empty(question: Question, raw: Raw) -> bool:
    if question.type == "multiple_choice":
        return not list_of(raw, question.id)
    return all(not text_of(raw, name).strip() for name in question.input_names())


def _text(question: Question, raw: Raw, multiline: bool) -> tuple[Any, str | None]:
    value = normalise(text_of(raw, question.id)).strip()
    if has_forbidden_characters(value, multiline=multiline):
        return None, "Het antwoord bevat tekens die wij niet kunnen verwerken"
    if question.max_length and len(value) > question.max_length:
        return None, (f"Het antwoord mag maximaal {format_number(question.max_length, 0)} tekens "
                      f"lang zijn; het is nu {format_number(len(value), 0)} tekens")
    return value, None


def _number(question: Question, text: str, whole: bool) -> tuple[Any, str | None]:
    number = parse_dutch_number(text)
    if number is None:
        return None, ("Vul een heel getal in, zoals 1.250" if whole
                      else "Vul een percentage in, zoals 12,5")
    if whole and number != number.to_integral_value():
        return None, "Vul een heel getal in, zonder komma"
    low = Decimal(str(question.minimum)) if question.minimum is not None else Decimal(0)
    high = (Decimal(str(question.maximum)) if question.maximum is not None
            else Decimal(100) if not whole else None)
    if number < low or (high is not None and number > high):
        bounds = f"tussen {format_number(low, 0)} en {format_number(high, 0)}" if high is not None \
            else f"van {format_number(low, 0)} of meer"
        return None, f"Vul een {'getal' if whole else 'percentage'} {bounds} in"
    return (int(number) if whole else number), None


def _format_names(score_format: ScoreFormat) -> str:
    return " / ".join(f"‘{o.label}’" for o in score_format.categories)


def score_label(row: ScoreRow) -> str:
    """How the page and every error name a statement: "Vraag 10"."""
    return f"Vraag {row.id[1:]}"


def count_input(question_id: str, row: ScoreRow) -> str:
    return f"{question_id}__{row.id}__n"


def _score_row(question: Question, row: ScoreRow,
               raw: Raw) -> tuple[Any, tuple[str, str] | None]:
    """A statement's figures in the format the report gives them, told apart by which boxes
    are filled: never an invented zero for a category the report does not give. An error
    comes with the one field it is about (the box to correct), so that only that field is
    marked and the error summary leads to it."""
    names = score_inputs(question.id, row)
    texts = {name: text_of(raw, name).strip() for name in names}
    if not any(texts.values()):
        return None, None
    label = score_label(row)

    def box(value: str) -> str:
        return f"{question.id}__{row.id}__{value}"

    filled = {o.value for o in row.categories if texts[box(o.value)]}
    score_format = next((f for f in row.formats
                         if {o.value for o in f.categories} == filled), None)
    if score_format is None:
        ways = "; of ".join(_format_names(f) for f in row.formats)
        first = next((box(o.value) for o in row.categories if o.value in filled),
                     box(row.categories[0].value))
        return None, (first, f"{label}: vul de percentages in zoals uw rapport ze geeft: "
                             f"{ways}. Laat de andere vakken leeg")
    percentages = {}
    for option in score_format.categories:
        number = parse_dutch_number(texts[box(option.value)])
        if number is None or not 0 <= number <= 100:
            return None, (box(option.value), f"{label}: ‘{option.label}’ moet een percentage "
                                             "tussen 0 en 100 zijn")
        percentages[option.value] = number
    total = sum(percentages.values(), Decimal(0))
    first = box(score_format.categories[0].value)
    if score_format.complete and abs(total - 100) > SUM_TOLERANCE:
        return None, (first, f"{label}: {_format_names(score_format)} moeten samen 100% zijn; "
                             f"nu is het {format_number(total)}%")
    if not score_format.complete and total > 100 + SUM_TOLERANCE:
        return None, (first, f"{label}: de percentages kunnen samen niet meer dan 100% zijn")
    count_text = texts[count_input(question.id, row)]
    count = parse_dutch_number(count_text) if count_text else None
    if count is None or count < 0 or count != count.to_integral_value():
        return None, (count_input(question.id, row),
                      f"{label}: vul het aantal geldige antwoorden in als heel getal")
    return {"format": score_format.id, "percentages": percentages,
            "agree": sum((percentages[a] for a in score_format.agree), Decimal(0)),
            "valid_answers": int(count)}, None


# What an empty required question says, per kind of question: a sentence that names the
# question as it is asked (question mark and all).
_REQUIRED = {
    "yes_no": "Kies ja of nee bij {asked}",
    "single_choice": "Kies een antwoord bij {asked}",
    "multiple_choice": "Kies een of meer antwoorden bij {asked}",
    "short_text": "Beantwoord {asked}",
    "long_text": "Beantwoord {asked}",
    "whole_number": "Vul een aantal in bij {asked}",
    "percentage": "Vul een percentage in bij {asked}",
    "date": "Vul een datum in bij {asked}",
    "date_range": "Vul de eerste en de laatste dag in bij {asked}",
    "url": "Vul het webadres in bij {asked}",
    "score_table": "Vul de scores in bij {asked}",
}


def required_message(question: Question) -> str:
    label = question.label.strip()
    asked = f"de vraag ‘{label}’" if label.endswith("?") else f"‘{label}’"
    return _REQUIRED[question.type].format(asked=asked)[:300]


def parse_question(question: Question, raw: Raw) -> tuple[Any, dict[str, str]]:
    """(typed value or None, errors keyed by the element id each error points at)."""
    qtype = question.type
    if qtype == "score_table":
        rows, errors = {}, {}
        for row in question.rows:
            value, wrong = _score_row(question, row, raw)
            if wrong:
                errors[wrong[0]] = wrong[1]
            elif value is not None:
                rows[row.id] = value
        return (rows or None), errors
    if question.unknown is not None and text_of(raw, unknown_input(question.id)):
        if text_of(raw, question.id).strip():
            return None, {question.id: "Vul een aantal in óf kies ‘onbekend’, niet allebei"}
        return UNKNOWN, {}  # whether it may be unknown depends on other answers: evaluate()
    if _is_empty(question, raw):
        if question.required:
            return None, {question.id: required_message(question)}
        return None, {}
    value, error = _parse_filled(question, raw)
    return (None, {question.id: error}) if error else (value, {})


def _parse_filled(question: Question, raw: Raw) -> tuple[Any, str | None]:
    qtype = question.type
    allowed = {o.value for o in question.options}
    if qtype in ("short_text", "long_text"):
        return _text(question, raw, multiline=qtype == "long_text")
    if qtype == "whole_number":
        return _number(question, text_of(raw, question.id), whole=True)
    if qtype == "percentage":
        return _number(question, text_of(raw, question.id), whole=False)
    if qtype in ("single_choice", "yes_no"):
        value = text_of(raw, question.id)
        return (value, None) if value in allowed else (None, "Kies een van de antwoorden")
    if qtype == "multiple_choice":
        chosen = list(dict.fromkeys(list_of(raw, question.id)))
        if any(value not in allowed for value in chosen):
            return None, "Kies uit de antwoorden die er staan"
        return [o.value for o in question.options if o.value in chosen], None
    if qtype == "date":
        parsed = parse_date(text_of(raw, question.id))
        return (parsed, None) if parsed else (None, "Vul een geldige datum in, zoals 15-03-2026")
    if qtype == "date_range":
        start, end = (parse_date(text_of(raw, name)) for name in question.input_names())
        if start is None or end is None:
            return None, "Vul een geldige begin- en einddatum in, zoals 15-03-2026"
        if end < start:
            return None, "De einddatum moet op of na de begindatum liggen"
        return {"van": start, "tot": end}, None
    if qtype == "url":
        value, error = _text(question, raw, multiline=False)
        if error:
            return None, error
        if not value.lower().startswith(("http://", "https://")):
            value = "https://" + value
        try:
            parts = urlparse(value)
            host = parts.hostname or ""  # raises on a malformed [IPv6] part, e.g. "["
        except ValueError:
            parts, host = None, ""
        if parts is None or parts.scheme not in ("http", "https") or "." not in host or \
                any(c.isspace() for c in value):
            return None, "Vul een geldig webadres in, zoals https://www.gemeente.nl/rapport"
        return value, None
    raise AssertionError(qtype)  # definitions are checked at load, so this cannot happen


def evaluate(definition: Definition, raw: Raw,
             sections: tuple[Section, ...] | None = None,
             today: date | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values of the visible questions and all errors, the plausibility rules of level
    "error" included."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    chosen = sections if sections is not None else definition.sections
    for section in chosen:
        for question in section.questions:
            if not is_visible(definition, question, raw):
                continue
            value, question_errors = parse_question(question, raw)
            if value == UNKNOWN and question.unknown and not any(
                    condition_holds(definition, c, raw) for c in question.unknown.when):
                value, question_errors = None, {question.id: question.unknown.refused}
            errors.update(question_errors)
            if value is not None:
                values[question.id] = value
    in_scope = {q.id for s in chosen for q in s.questions}
    for rule in definition.rules:
        if rule.level == "error" and rule.question in in_scope:
            for anchor, message in _rule_messages(definition, rule, raw, today).items():
                errors.setdefault(anchor, message)
    return values, errors


def warnings(definition: Definition, raw: Raw, today: date | None = None) -> dict[str, str]:
    """The rules of level "warning" this draft breaks: shown on the review page, sent only
    after one acknowledgement."""
    found: dict[str, str] = {}
    for rule in definition.rules:
        if rule.level == "warning":
            found.update(_rule_messages(definition, rule, raw, today))
    return found


def _rule_messages(definition: Definition, rule: Rule, raw: Raw,
                   today: date | None) -> dict[str, str]:
    """{the field it is about: message} for a broken rule. A score table's count rule is
    about each statement whose count is too high: its own count field, named by its number
    (Vraag 10), never the table's first field."""
    question = definition.question(rule.question)
    if question.type == "score_table" and rule.rule == "not_greater_than" and rule.other:
        value = _valid_value(definition, rule.question, raw)
        other = _valid_value(definition, rule.other, raw)
        if value is None or other is None:
            return {}
        message = rule.message[:1].lower() + rule.message[1:]
        return {count_input(question.id, row):
                f"{score_label(row)}: {message}: "
                f"{format_number(value[row.id]['valid_answers'], 0)} tegen "
                f"{format_number(other, 0)}"
                for row in question.rows
                if row.id in value and value[row.id]["valid_answers"] > other}
    if _broken(definition, rule, raw, today):
        return {_anchor(definition, rule): rule.message}
    return {}


def _anchor(definition: Definition, rule: Rule) -> str:
    return definition.question(rule.question).input_names()[0]


def today_in_amsterdam() -> date:
    return datetime.fromtimestamp(time.time(), amsterdam()).date()


def _broken(definition: Definition, rule: Rule, raw: Raw, today: date | None) -> bool:
    """True when both sides of the rule are answered (and valid) and do not fit together."""
    value = _valid_value(definition, rule.question, raw)
    if value is None:
        return False
    if rule.rule == "all_chosen":
        return len(value) < len(definition.question(rule.question).options)
    if rule.rule == "not_in_future":
        end = value["tot"] if isinstance(value, dict) else value
        return bool(end > (today or today_in_amsterdam()))
    if rule.rule == "overlaps_years" and rule.years:
        return bool(value["tot"].year < rule.years[0] or value["van"].year > rule.years[1])
    other = _valid_value(definition, rule.other, raw) if rule.other else None
    if other is None:
        return False
    if rule.rule == "not_before":
        return bool(value < (other["van"] if isinstance(other, dict) else other))
    if rule.rule == "not_greater_than":
        if isinstance(value, dict):  # a score table: every statement's valid answers
            return any(row["valid_answers"] > other for row in value.values())
        return bool(value > other)
    raise AssertionError(rule.rule)  # rule kinds are checked at load


def _valid_value(definition: Definition, question_id: str, raw: Raw) -> Any:
    """The typed answer when visible, valid and known; else None."""
    question = definition.question(question_id)
    if not is_visible(definition, question, raw):
        return None
    value, errors = parse_question(question, raw)
    return None if errors or value == UNKNOWN else value


def derived_values(definition: Definition, raw: Raw) -> dict[str, Decimal]:
    """Figures computed from answers (response rate), never typed by the user."""
    result = {}
    for item in definition.derived:
        numerator = _valid_value(definition, item.numerator, raw)
        denominator = _valid_value(definition, item.denominator, raw)
        if numerator is not None and denominator:
            result[item.id] = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
                Decimal("0.1"))
    return result


def section_errors(definition: Definition, raw: Raw) -> dict[str, dict[str, str]]:
    return {section.id: evaluate(definition, raw, (section,))[1]
            for section in definition.sections}
