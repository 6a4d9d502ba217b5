"""Who worked on a shared draft: per section the colleague who saved it last, by name (the
personal code stays the helpdesk's key), and everyone who worked on it."""
from __future__ import annotations

from datetime import datetime

from ..accounts import registrants
from ..platform.models import Draft
from ..platform.records import Record

FORMER_COLLEAGUE = "een voormalige collega"


class Edit(Record, frozen=True):
    registrant_id: str
    name: str
    at: datetime


def names(ids: list[str]) -> dict[str, str]:
    """{registrant id: name}; one BatchGetItem. A removed registrant reads as a former
    colleague, never as an id."""
    found = {r.id: r.name for r in registrants.by_ids(ids)}
    return {i: found.get(i, FORMER_COLLEAGUE) for i in ids}


def last_edits(draft: Draft | None) -> dict[str, Edit]:
    """{section id: the last save of that section}."""
    editors = dict(draft.section_editors or {}) if draft else {}
    known = names(sorted({str(e["by"]) for e in editors.values()}))
    return {section: Edit(str(e["by"]), known[str(e["by"])], datetime.fromisoformat(e["at"]))
            for section, e in editors.items()}


def latest(edits: dict[str, Edit]) -> Edit | None:
    return max(edits.values(), key=lambda e: e.at, default=None)


def others(edits: dict[str, Edit], registrant_id: str) -> list[str]:
    """The names of the colleagues (not this registrant) who saved a section."""
    return sorted({e.name for e in edits.values() if e.registrant_id != registrant_id},
                  key=str.casefold)
