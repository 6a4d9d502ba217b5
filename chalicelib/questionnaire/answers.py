"""Validating raw answers (exactly as typed, as the draft stores them) against a definition.

Raw answers map form field names to a string, or to a list of strings for multiple choice.
Nothing here changes what was typed: it only reads it, reports errors in Dutch, and turns
valid input into typed values for review and delivery.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlparse

from ..platform.formatting import format_number
from ..platform.text_input import has_forbidden_characters, normalise
from .definitions import Definition, Question, ScoreRow, Section, score_inputs

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


def is_visible(definition: Definition, question: Question, raw: Raw) -> bool:
    condition = question.show_if
    if condition is None:
        return True
    target = definition.question(condition.question)
    if not is_visible(definition, target, raw):
        return False
    if target.type == "multiple_choice":
        chosen = list_of(raw, target.id)
        return condition.includes in chosen if condition.includes else False
    answer = text_of(raw, target.id)
    if condition.one_of is not None:
        return answer in condition.one_of
    return answer == condition.equals


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


def _score_row(question: Question, row: ScoreRow, raw: Raw) -> tuple[Any, str | None]:
    names = score_inputs(question.id, row)
    texts = [text_of(raw, name).strip() for name in names]
    if not any(texts):
        return None, None
    label = f"Vraag {row.id[1:]}"
    percentages = []
    for option, text in zip(row.categories, texts[:-1], strict=True):
        if not text:
            return None, f"{label}: vul bij ‘{option.label}’ een percentage in (0 als niemand)"
        number = parse_dutch_number(text)
        if number is None or not 0 <= number <= 100:
            return None, f"{label}: ‘{option.label}’ moet een percentage tussen 0 en 100 zijn"
        percentages.append(number)
    total = sum(percentages, Decimal(0))
    if abs(total - 100) > SUM_TOLERANCE:
        return None, (f"{label}: de percentages moeten samen 100% zijn; "
                      f"nu is het {format_number(total)}%")
    count = parse_dutch_number(texts[-1]) if texts[-1] else None
    if count is None or count < 0 or count != count.to_integral_value():
        return None, f"{label}: vul het aantal geldige antwoorden in als heel getal"
    return {"percentages": dict(zip((o.value for o in row.categories), percentages,
                                    strict=True)),
            "valid_answers": int(count)}, None


def parse_question(question: Question, raw: Raw) -> tuple[Any, dict[str, str]]:
    """(typed value or None, errors keyed by the element id each error points at)."""
    qtype = question.type
    if qtype == "score_table":
        rows, errors = {}, {}
        for row in question.rows:
            value, error = _score_row(question, row, raw)
            if error:
                errors[score_inputs(question.id, row)[0]] = error
            elif value is not None:
                rows[row.id] = value
        return (rows or None), errors
    if _is_empty(question, raw):
        if question.required:
            verb = "Kies" if qtype in ("single_choice", "multiple_choice", "yes_no") else "Vul"
            suffix = "een antwoord" if verb == "Kies" else "dit in"
            return None, {question.id: f"{verb} {suffix}: {question.label.rstrip('?')}"[:200]}
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
        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or "." not in (parts.hostname or "") or \
                any(c.isspace() for c in value):
            return None, "Vul een geldig webadres in, zoals https://www.gemeente.nl/rapport"
        return value, None
    raise AssertionError(qtype)  # definitions are checked at load, so this cannot happen


def evaluate(definition: Definition, raw: Raw,
             sections: tuple[Section, ...] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values of the visible questions and all errors, cross-field rules included."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    chosen = sections if sections is not None else definition.sections
    for section in chosen:
        for question in section.questions:
            if not is_visible(definition, question, raw):
                continue
            value, question_errors = parse_question(question, raw)
            errors.update(question_errors)
            if value is not None:
                values[question.id] = value
    in_scope = {q.id for s in chosen for q in s.questions}
    for rule in definition.rules:
        if rule.question not in in_scope:
            continue
        left, right = _number_value(definition, rule.question, raw), \
            _number_value(definition, rule.other, raw)
        if left is not None and right is not None and left > right and rule.question not in errors:
            errors[rule.question] = rule.message
    return values, errors


def _number_value(definition: Definition, question_id: str, raw: Raw) -> int | None:
    question = definition.question(question_id)
    if not is_visible(definition, question, raw):
        return None
    value, errors = parse_question(question, raw)
    return None if errors else value


def derived_values(definition: Definition, raw: Raw) -> dict[str, Decimal]:
    """Figures computed from answers (response rate), never typed by the user."""
    result = {}
    for item in definition.derived:
        numerator = _number_value(definition, item.numerator, raw)
        denominator = _number_value(definition, item.denominator, raw)
        if numerator is not None and denominator:
            result[item.id] = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
                Decimal("0.1"))
    return result


def section_errors(definition: Definition, raw: Raw) -> dict[str, dict[str, str]]:
    return {section.id: evaluate(definition, raw, (section,))[1]
            for section in definition.sections}
