"""Who worked on a shared draft: per section the colleague who saved it last, by name (the
personal code stays the helpdesk's key), and everyone who worked on it."""
from __future__ import annotations

from datetime import datetime

from ..accounts import registrants
from ..platform.formatting import when_nl
from ..platform.models import Draft
from ..platform.records import Record
from .definitions import Definition
from .drafts import Changed

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


def describe_changes(changed: Changed, draft: Draft | None, definition: Definition,
                     registrant_id: str, since: str, outcome: str) -> str:
    """What changed in the shared draft after a page showed it, in Dutch, for the 409 that
    refuses to act on it: which sections, by whom, when ("since": "u controleerde";
    "outcome": "Er is niets verzonden.")."""
    if changed.gone:
        return f"Alle antwoorden zijn verwijderd sinds {since}. {outcome}"
    edits = last_edits(draft)
    titles = {section.id: section.title for section in definition.sections}
    parts = []
    for section_id in sorted(changed.sections, key=lambda s: list(titles).index(s)
                             if s in titles else len(titles)):
        edit = edits.get(section_id)
        who = ("uzelf (in een ander tabblad)" if edit and edit.registrant_id == registrant_id
               else edit.name if edit else "een collega")
        when = f" ({when_nl(edit.at)})" if edit else ""
        parts.append(f"‘{titles.get(section_id, section_id)}’ door {who}{when}")
    if changed.restarted:
        lead = f"De antwoorden zijn verwijderd en opnieuw ingevuld sinds {since}"
    else:
        lead = f"Gewijzigd sinds {since}"
    if not parts:
        return f"{lead}: de status van het concept. {outcome}"
    return f"{lead}: {'; '.join(parts)}. {outcome}"
