"""Answers a measurement filled ("uit de meting"): the draft keeps, per question or score row,
the raw inputs the measurement wrote and the counts it used (`Draft.measured`). A field is
marked as measured only while the draft still holds exactly those inputs, so a colleague who
changes it makes it theirs again, without anyone having to remember to clear a flag. The review
page, the delivery (its snapshot) and through it the feed read the marks from here."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import answers

SOURCE = "measurement"


def key(question_id: str, row_id: str | None = None) -> str:
    """How a mark is named: a question, or one row of a score table."""
    return f"{question_id}__{row_id}" if row_id else question_id


def _same(stored: Any, written: Any) -> bool:
    if isinstance(written, list) or isinstance(stored, list):
        return list(stored or []) == list(written or [])
    return str(stored or "").strip() == str(written or "").strip()


def holding(raw: answers.Raw, measured: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """{mark key: the counts used} for the marks whose inputs the draft still holds."""
    fields = (measured or {}).get("fields") or {}
    return {name: dict(mark.get("counts") or {}) for name, mark in fields.items()
            if all(_same(raw.get(n), v) for n, v in (mark.get("inputs") or {}).items())}


def merged(measured: Mapping[str, Any] | None, marks: Mapping[str, dict[str, Any] | None],
           about: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's new `measured`: earlier marks kept (each still checks its own inputs), these
    ones added or replaced (None: removed), and what the last use was (`about`: measurement,
    responses, when)."""
    fields = {**((measured or {}).get("fields") or {}), **marks}
    return {"fields": {k: v for k, v in fields.items() if v is not None}, "last": dict(about)}
