"""How answers read on the review page (and later in receipts and reports): Dutch formatting,
one entry per visible question, invalid input shown as typed with its error."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..platform.formatting import date_text, format_number
from . import answers
from .definitions import Definition, Question, Section


def value_text(question: Question, value: Any) -> str:
    if value == answers.UNKNOWN and question.unknown is not None:
        return "Onbekend"
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


@dataclass
class ScoreLine:
    label: str
    format_label: str
    cells: list[tuple[str, str]]
    valid_answers: str
    withheld: bool = False


@dataclass
class Item:
    question: Question
    anchor: str
    text: str | None = None
    scores: list[ScoreLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class SectionSummary:
    section: Section
    items: list[Item]
    derived: list[tuple[str, str]]


def summarise(definition: Definition, raw: answers.Raw,
              privacy_minimum: int | None = None) -> list[SectionSummary]:
    """Every visible section's answers; with `privacy_minimum`, score lines below it are
    marked as the ones the site will not show."""
    values, errors = answers.evaluate(definition, raw)
    derived = answers.derived_values(definition, raw)
    summaries = []
    for section in answers.visible_sections(definition, raw):
        items = []
        for question in section.questions:
            if not answers.is_visible(definition, question, raw):
                continue
            own_errors = [message for key, message in errors.items()
                          if key == question.id or key.startswith(question.id + "__")]
            item = Item(question=question, anchor=question.input_names()[0], errors=own_errors)
            if question.id in values and question.type == "score_table":
                item.scores = _score_lines(question, values[question.id], privacy_minimum)
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


def _score_lines(question: Question, value: dict[str, Any],
                 minimum: int | None) -> list[ScoreLine]:
    lines = []
    for row in question.rows:
        if row.id not in value:
            continue
        figures = value[row.id]
        percentages: dict[str, Decimal] = figures["percentages"]
        score_format = next(f for f in row.formats if f.id == figures["format"])
        lines.append(ScoreLine(
            label=row.label, format_label=score_format.label,
            cells=[(o.label, format_number(percentages[o.value]) + "%")
                   for o in score_format.categories],
            valid_answers=format_number(figures["valid_answers"], 0),
            withheld=minimum is not None and figures["valid_answers"] < minimum))
    return lines
