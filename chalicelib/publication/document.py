"""The publication document (docs/feed.md, docs/feed.schema.json): what the site receives for
one municipality and cycle, derived from the table, never from a stream event."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..platform import config
from ..platform.models import Delivery
from ..platform.municipalities import name_of
from . import privacy

SCHEMA_ID = "https://aanlevermodule-ceo.nl/feed/v1/document.schema.json"


def _scores(answer: dict[str, Any], minimum: int) -> list[dict[str, Any]]:
    rows = []
    for row_id, row in answer["value"].items():
        withheld = privacy.withheld(row["valid_answers"], minimum)
        rows.append({
            "question_id": row_id, "label": row["label"],
            "valid_answers": int(row["valid_answers"]), "withheld": withheld,
            "categories": [{"value": c["value"], "label": c["label"],
                            "percentage": None if withheld else c["percentage"]}
                           for c in row["categories"]],
        })
    return rows


def document(municipality: str, cycle: int, revision: int, current: Delivery | None,
             now: datetime | None = None) -> dict[str, Any]:
    """The latest valid delivery as a document, or a retraction when none is valid."""
    base: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "municipality": {"code": municipality,
                         "name": current.municipality_name if current
                         else name_of(municipality, config.municipality_year())},
        "cycle": cycle, "revision": revision,
        "generated_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    if current is None:
        return {**base, "status": "retracted", "delivery": None, "headline": None,
                "answers": [], "scores": [], "derived": []}
    snapshot = current.snapshot
    minimum = privacy.minimum_valid_answers()
    answers, scores = [], []
    headline = None
    for answer in snapshot["answers"]:
        if answer["type"] == "score_table":
            scores.extend(_scores(answer, minimum))
            continue
        item = {k: answer[k] for k in ("question_id", "section", "label", "type", "value", "text")}
        answers.append(item)
        if answer["question_id"] == snapshot["headline"]:
            headline = {"question_id": answer["question_id"], "label": answer["label"],
                        "text": answer["text"]}
    return {**base, "status": "published",
            "delivery": {"id": current.delivery_id, "sequence": int(current.sequence),
                         "sent_at": current.sent_at.isoformat(timespec="seconds"),
                         "late": bool(current.late),
                         "questionnaire": {"id": current.instrument,
                                           "version": current.definition_version},
                         "consent": bool(current.consent)},
            "headline": headline, "answers": answers, "scores": scores,
            "privacy_minimum_valid_answers": minimum,
            "derived": snapshot.get("derived", [])}
