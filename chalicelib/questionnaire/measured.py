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


def by_list(measured: Mapping[str, Any] | None, name: str) -> dict[str, dict[str, Any]]:
    """A mark's counts per client list, when several lists' measurements were added up (CEO
    Jeugd: parents and youths); {} for one measurement."""
    mark = ((measured or {}).get("fields") or {}).get(name) or {}
    return {k: dict(v) for k, v in (mark.get("by_list") or {}).items()}


def merged(measured: Mapping[str, Any] | None, marks: Mapping[str, dict[str, Any] | None],
           about: Mapping[str, Any]) -> dict[str, Any]:
    """The draft's new `measured`: earlier marks kept (each still checks its own inputs), these
    ones added or replaced (None: removed), what the last use was (`about`: measurement,
    responses, when) and, per score table, which measurement filled it with which figures
    (`about["uses"]`, kept across uses): how a later use of the other CEO Jeugd list finds the
    measurement whose figures it adds to its own."""
    fields = {**((measured or {}).get("fields") or {}), **marks}
    last = {k: v for k, v in about.items() if k != "uses"}
    uses = {**((measured or {}).get("uses") or {}), **(about.get("uses") or {})}
    return {"fields": {k: v for k, v in fields.items() if v is not None}, "last": last,
            **({"uses": uses} if uses else {})}


def uses(measured: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """{score table: the measurement that last filled it and the figures it gave then}."""
    return dict((measured or {}).get("uses") or {})
