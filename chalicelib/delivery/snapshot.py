"""What a delivery holds: the answers as typed values with their labels and display texts, so
that a later change of the questionnaire definition never changes what a delivery says."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ..questionnaire import answers
from ..questionnaire.definitions import Definition
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


def snapshot(definition: Definition, raw: answers.Raw) -> dict[str, Any]:
    """What was delivered, complete with labels, so that a later change of the definition
    never changes what a delivery says."""
    values, _ = answers.evaluate(definition, raw)
    items = []
    for section in definition.sections:
        for question in section.questions:
            if question.id not in values:
                continue
            value = values[question.id]
            item: dict[str, Any] = {"question_id": question.id, "section": section.title,
                                    "label": question.label, "type": question.type}
            if question.type == "score_table":
                item["value"] = {
                    row.id: {"label": row.label, "valid_answers": value[row.id]["valid_answers"],
                             "categories": [{"value": o.value, "label": o.label,
                                             "percentage": _jsonable(
                                                 value[row.id]["percentages"][o.value])}
                                            for o in row.categories]}
                    for row in question.rows if row.id in value}
            else:
                item["value"] = _jsonable(value)
                item["text"] = value_text(question, value)
            items.append(item)
    derived = answers.derived_values(definition, raw)
    return {"instrument": definition.instrument, "version": definition.version,
            "title": definition.title, "headline": definition.headline, "answers": items,
            "derived": [{"id": d.id, "label": d.label, "value": _jsonable(derived[d.id])}
                        for d in definition.derived if d.id in derived]}
