"""How answers read on the review page (and later in receipts and reports): Dutch formatting,
one entry per visible question, invalid input shown as typed with its error."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..platform.formatting import date_text, format_number
from ..platform.records import Record, field
from . import answers
from .definitions import Definition, Question, Section


def value_text(question: Question, value: Any) -> str:
    labels = {o.value: o.label for o in question.options}
    if question.type in ("single_choice", "yes_no"):
        return labels.get(value, value)
    if question.type == "multiple_choice":
        return ", ".join(labels.get(v, v) for v in value)
    if question.type == "whole_number":
        return format_number(value, 0)
    if question.type == "percentage":
        return format_number(value) + "%"
    if question.type == "date":
        return date_text(value)
    if question.type == "date_range":
        return f"{date_text(value['van'])} tot en met {date_text(value['tot'])}"
    return str(value)


class ScoreLine(Record):
    label: str
    cells: list[tuple[str, str]]
    valid_answers: str


class Item(Record):
    question: Question
    anchor: str
    text: str | None = None
    scores: list[ScoreLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class SectionSummary(Record):
    section: Section
    items: list[Item]
    derived: list[tuple[str, str]]


def summarise(definition: Definition, raw: answers.Raw) -> list[SectionSummary]:
    values, errors = answers.evaluate(definition, raw)
    derived = answers.derived_values(definition, raw)
    summaries = []
    for section in definition.sections:
        items = []
        for question in section.questions:
            if not answers.is_visible(definition, question, raw):
                continue
            own_errors = [message for key, message in errors.items()
                          if key == question.id or key.startswith(question.id + "__")]
            item = Item(question=question, anchor=question.input_names()[0], errors=own_errors)
            if question.id in values and question.type == "score_table":
                item.scores = _score_lines(question, values[question.id])
            elif question.id in values:
                item.text = value_text(question, values[question.id])
            elif own_errors:
                typed = " – ".join(str(answers.text_of(raw, n)) for n in question.input_names()
                                   if answers.text_of(raw, n).strip())
                item.text = typed or None
            items.append(item)
        section_derived = [(d.label, format_number(derived[d.id]) + "%")
                           for d in definition.derived if d.id in derived
                           and definition.section_of(d.numerator) == section]
        summaries.append(SectionSummary(section, items, section_derived))
    return summaries


def _score_lines(question: Question, value: dict[str, Any]) -> list[ScoreLine]:
    lines = []
    for row in question.rows:
        if row.id not in value:
            continue
        percentages: dict[str, Decimal] = value[row.id]["percentages"]
        lines.append(ScoreLine(
            label=row.label,
            cells=[(o.label, format_number(percentages[o.value]) + "%")
                   for o in row.categories],
            valid_answers=format_number(value[row.id]["valid_answers"], 0)))
    return lines
