"""How answers read on the review page (and later in receipts and reports): Dutch formatting,
one entry per visible question, invalid input shown as typed with its error."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..platform.formatting import date_text, format_number
from ..platform.records import Record, field
from . import answers, measured, privacy
from .definitions import Definition, Question, Section


def percent_text(value: Decimal | int | float) -> str:
    return format_number(value) + "%"


def count_text(value: Decimal | int | float) -> str:
    return format_number(value, 0)


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


class ScoreLine(Record):
    label: str
    format_label: str
    cells: list[tuple[str, str]]
    valid_answers: str
    withheld: bool = False
    measured: bool = False  # "uit de meting"


class Item(Record):
    question: Question
    anchor: str
    text: str | None = None
    scores: list[ScoreLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    measured: bool = False  # "uit de meting": filled by a measurement, unchanged since
    measured_lists: tuple[str, ...] = ()  # the client lists added up (CEO Jeugd), A–Z


class SectionSummary(Record):
    section: Section
    items: list[Item]
    derived: list[tuple[str, str]]


def summarise(definition: Definition, raw: answers.Raw,
              privacy_minimum: int | None = None,
              measured_by: dict[str, Any] | None = None) -> list[SectionSummary]:
    """Every visible section's answers; with `privacy_minimum`, score lines below it are
    marked as the ones the site will not show; with the draft's `measured`, the answers a
    measurement filled are marked so."""
    values, errors = answers.evaluate(definition, raw)
    marks = measured.holding(raw, measured_by)
    derived = answers.derived_values(definition, raw)
    summaries = []
    for section in answers.visible_sections(definition, raw):
        items = []
        for question in section.questions:
            if not answers.is_visible(definition, question, raw):
                continue
            own_errors = [message for key, message in errors.items()
                          if key == question.id or key.startswith(question.id + "__")]
            item = Item(question=question, anchor=question.input_names()[0], errors=own_errors,
                        measured=measured.key(question.id) in marks,
                        measured_lists=tuple(sorted(measured.by_list(
                            measured_by, measured.key(question.id)))))
            if question.id in values and question.type == "score_table":
                item.scores = _score_lines(question, values[question.id], privacy_minimum,
                                           marks)
            elif question.id in values:
                item.text = value_text(question, values[question.id])
            elif own_errors:
                typed = " – ".join(str(answers.text_of(raw, n)) for n in question.input_names()
                                   if answers.text_of(raw, n).strip())
                item.text = typed or None
            items.append(item)
        section_derived = [(d.label, percent_text(derived[d.id]))
                           for d in definition.derived if d.id in derived
                           and definition.section_of(d.numerator) == section]
        summaries.append(SectionSummary(section, items, section_derived))
    return summaries


def _score_lines(question: Question, value: dict[str, Any],
                 minimum: int | None, marks: dict[str, Any]) -> list[ScoreLine]:
    lines = []
    for row in question.rows:
        if row.id not in value:
            continue
        figures = value[row.id]
        percentages: dict[str, Decimal] = figures["percentages"]
        score_format = next(f for f in row.formats if f.id == figures["format"])
        lines.append(ScoreLine(
            label=row.label, format_label=score_format.label,
            cells=[(o.label, percent_text(percentages[o.value]))
                   for o in score_format.categories],
            valid_answers=count_text(figures["valid_answers"]),
            withheld=minimum is not None and privacy.withheld(figures["valid_answers"], minimum),
            measured=measured.key(question.id, row.id) in marks))
    return lines


def snapshot_summaries(snapshot: dict[str, Any],
                       definition: Definition | None = None) -> list[SectionSummary]:
    """A sent delivery's answers in the review page's shape, from what the delivery holds (its
    labels and texts as they were sent: a later change of the definition never alters them).
    `definition`, the cycle's current one where there is one, only places each derived figure
    in the section of its question, as the review page does."""
    summaries: dict[str, SectionSummary] = {}
    for answer in snapshot.get("answers", []):
        title = str(answer.get("section", ""))
        if title not in summaries:
            known = definition and next((s for s in definition.sections if s.title == title),
                                        None)
            summaries[title] = SectionSummary(
                Section(known.id if known else "", title, None, ()), [], [])
        question = Question(id=str(answer["question_id"]), type=str(answer["type"]),
                            label=str(answer["label"]), required=False)
        item = Item(question=question, anchor=question.id)
        if question.type == "score_table":
            item.scores = [ScoreLine(label=str(row["label"]),
                                     format_label=str(row.get("format_label", "")),
                                     cells=[(str(c["label"]), percent_text(c["percentage"]))
                                            for c in row["categories"]],
                                     valid_answers=count_text(row["valid_answers"]),
                                     measured=row.get("source") == measured.SOURCE)
                           for row in (answer.get("value") or {}).values()]
        else:
            item.text = str(answer.get("text") or answer.get("value") or "") or None
            item.measured = answer.get("source") == measured.SOURCE
            item.measured_lists = tuple(sorted(answer.get("by_list") or ()))
        summaries[title].items.append(item)
    found = list(summaries.values())
    for figure in snapshot.get("derived", []):
        home = found[-1] if found else None
        spec = definition and next((d for d in definition.derived if d.id == figure["id"]),
                                   None)
        if spec and definition:
            title = definition.section_of(spec.numerator).title
            home = summaries.get(title, home)
        if home is not None:
            home.derived.append((str(figure["label"]), percent_text(figure["value"])))
    return found
