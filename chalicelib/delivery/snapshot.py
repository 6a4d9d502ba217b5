"""What a delivery holds: the answers as typed values with their labels and display texts, so
that a later change of the questionnaire definition never changes what a delivery says."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..questionnaire import answers, measured
from ..questionnaire.definitions import Definition, ScoreRow
from ..questionnaire.display import value_text


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def survey_held(definition: Definition, raw: answers.Raw) -> bool:
    """False only for a delivery that says no survey was done this year."""
    return definition.no_survey is None or answers.text_of(raw, definition.no_survey) != "nee"


def _source(counts: dict[str, Any] | None,
            by_list: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A field a measurement filled says so, with the counts it used (the feed's `source`),
    and per client list when several lists' measurements were added up (`by_list`)."""
    if counts is None:
        return {}
    return {"source": measured.SOURCE, "counts": counts, **({"by_list": by_list} if by_list
                                                            else {})}


def _score_row(row: ScoreRow, figures: dict[str, Any],
               counts: dict[str, Any] | None = None) -> dict[str, Any]:
    score_format = next(f for f in row.formats if f.id == figures["format"])
    return {**_source(counts), "label": row.label, "valid_answers": figures["valid_answers"],
            "format": score_format.id, "format_label": score_format.label,
            "complete": score_format.complete, "agree": _jsonable(figures["agree"]),
            "agree_label": score_format.agree_label,
            "categories": [{"value": o.value, "label": o.label,
                            "percentage": _jsonable(figures["percentages"][o.value])}
                           for o in score_format.categories]}


def snapshot(definition: Definition, raw: answers.Raw,
             measured_by: dict[str, Any] | None = None) -> dict[str, Any]:
    """What was delivered, complete with labels, so that a later change of the definition
    never changes what a delivery says; with the draft's `measured`, the fields a measurement
    filled (and nobody changed since) carry their source and counts."""
    values, _ = answers.evaluate(definition, raw)
    marks = measured.holding(raw, measured_by)
    items = []
    for section in definition.sections:
        for question in section.questions:
            if question.id not in values:
                continue
            value = values[question.id]
            item: dict[str, Any] = {"question_id": question.id, "section": section.title,
                                    "section_id": section.id, "label": question.name,
                                    "caption": question.citizen_caption, "type": question.type}
            if question.type == "score_table":
                item["value"] = {row.id: _score_row(row, value[row.id], marks.get(
                                     measured.key(question.id, row.id)))
                                 for row in question.rows if row.id in value}
            else:
                item["value"] = _jsonable(value)
                item["text"] = value_text(question, value)
                item.update(_source(marks.get(measured.key(question.id)),
                                    measured.by_list(measured_by, measured.key(question.id))))
            items.append(item)
    derived = answers.derived_values(definition, raw)
    return {"instrument": definition.instrument, "version": definition.version,
            "title": definition.title, "headline": definition.headline,
            "survey_held": survey_held(definition, raw), "answers": items,
            "derived": [{"id": d.id, "label": d.label, "value": _jsonable(derived[d.id])}
                        for d in definition.derived if d.id in derived]}
