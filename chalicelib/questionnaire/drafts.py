"""Drafts: one per municipality and cycle, shared by its representatives. Saving a page exactly
as typed, detecting stale saves per section, resetting for everyone."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..platform.instruments import WMO
from ..platform.models import (
    Draft,
    DraftStatus,
    Registrant,
    ScopeState,
    connection,
    get_together,
    scope_key,
)
from ..platform.records import Record, field
from . import measured as measured_marks
from .definitions import Definition, Section

# DynamoDB refuses items over 400 KB. Raw input is stored as typed, and a page may post up to
# MAX_BODY_BYTES, so five pages of control characters (six bytes each in JSON) could pass it.
MAX_ANSWERS_BYTES = 350_000


class TooLarge(Record):
    """Storing this page would make the draft larger than DynamoDB accepts; nothing saved."""


class Conflict(Record):
    """The page was based on older answers than are stored now (another tab, the back button,
    or a reset in between). `stored` is None when the draft was removed meanwhile."""

    stored: Draft | None


def load_with_registrant(registrant_id: str, municipality: str, cycle: int,
                         with_state: bool = False, instrument: str = WMO
                         ) -> tuple[Registrant | None, Draft | None, ScopeState | None]:
    """Registrant (for the session check), draft and, for sending, the municipality's
    sequence/revision state (of this instrument): one strongly consistent read request."""
    key = scope_key(municipality, cycle, instrument)
    found = get_together((Registrant, registrant_id, None), (Draft, key, None),
                         *([(ScopeState, key, None)] if with_state else []))
    return found[0], found[1], (found[2] if with_state else None)


def drafts_for(municipalities: Iterable[str], cycle: int,
               instrument: str = WMO) -> dict[str, Draft]:
    """{municipality: its draft} of this cycle and instrument, for the ones that have one (one
    BatchGetItem per 100; strongly consistent, so a colleague's save just now shows)."""
    keys = sorted({scope_key(code, cycle, instrument) for code in municipalities})
    found = Draft.batch_get(keys, consistent_read=True) if keys else []
    return {str(draft.municipality): draft for draft in found}


def section_version(draft: Draft | None, section_id: str) -> int:
    return int((draft.section_versions or {}).get(section_id, 0)) if draft else 0


def raw_for_section(section: Section, fields: Mapping[str, Sequence[str]]) -> dict[str, object]:
    """This page's fields as typed; anything the page does not ask for is ignored."""
    raw: dict[str, object] = {}
    for question in section.questions:
        if question.type == "multiple_choice":
            raw[question.id] = list(dict.fromkeys(fields.get(question.id) or []))
            continue
        for name in question.input_names():
            values = fields.get(name) or [""]
            raw[name] = values[0]
    return raw


def save_section(registrant_id: str, municipality: str, definition: Definition, section: Section,
                 fields: Mapping[str, Sequence[str]], seen_version: int, existing: Draft | None,
                 overwrite: bool = False, based_on: int = 0,
                 now: datetime | None = None) -> Draft | Conflict | TooLarge:
    """Stores this page's input (valid or not) with one conditional write.

    Refused as a Conflict when this section changed since the page was shown (a colleague or
    another tab saved it), unless the user chose to overwrite it on the conflict page. A
    colleague's save of another section in between is merged: retried on the fresh draft.
    """
    now = now or datetime.now(UTC)
    for _ in range(5):
        if not overwrite and seen_version != section_version(existing, section.id):
            return Conflict(existing)
        draft = existing or Draft(scope_key(municipality, definition.cycle,
                                            definition.instrument),
                                  municipality=municipality, cycle=definition.cycle,
                                  instrument=definition.instrument, answers={},
                                  section_versions={}, section_editors={},
                                  based_on=based_on, created_at=now)
        answers = {**(draft.answers or {}), **raw_for_section(section, fields)}
        if len(json.dumps(answers)) > MAX_ANSWERS_BYTES:  # as pynamodb's JSONAttribute stores it
            return TooLarge()
        draft.answers = answers
        draft.section_versions = {**(draft.section_versions or {}),
                                  section.id: section_version(existing, section.id) + 1}
        draft.section_editors = {**(draft.section_editors or {}),
                                 section.id: {"by": registrant_id,
                                              "at": now.isoformat()}}
        draft.updated_at = now
        draft.status = DraftStatus.CONCEPT
        try:
            draft.save()  # conditional on the version read (or on absence for a new draft)
            return draft
        except PutError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
        existing = _reload(municipality, definition.cycle, definition.instrument)
    return Conflict(existing)


def _reload(municipality: str, cycle: int, instrument: str = WMO) -> Draft | None:
    try:
        return Draft.get(scope_key(municipality, cycle, instrument), consistent_read=True)
    except DoesNotExist:
        return None


# A page that acts on the whole draft (check your answers → send, remove everything) carries
# what it showed in this hidden field: "<draft created, epoch ms>.<version>.<section:version-…>"
# ("0.0." when there was no draft). The action then refuses when the draft is no longer that,
# and can say which sections changed (the version alone cannot, and a draft removed and started
# again counts its versions from 1 anew, hence the creation time).
SEEN_FIELD = "gezien"
_SEEN = re.compile(r"^(\d{1,16})\.(\d{1,9})\.((?:[a-z0-9_]{1,60}:\d{1,9})"
                   r"(?:-[a-z0-9_]{1,60}:\d{1,9}){0,99})?$")


class Seen(Record, frozen=True):
    created: int
    version: int
    sections: dict[str, int] = field(default_factory=dict)


class Changed(Record, frozen=True):
    """How the draft differs from what a page showed: removed (`gone`), removed and started
    again (`restarted`), or these sections saved since (ids, in the draft's order)."""

    sections: tuple[str, ...] = ()
    gone: bool = False
    restarted: bool = False


def _created_ms(draft: Draft) -> int:
    return int(draft.created_at.timestamp() * 1000)


def seen_mark(draft: Draft | None) -> str:
    """What a page shows of the draft, for its form (SEEN_FIELD)."""
    if draft is None:
        return "0.0."
    sections = "-".join(f"{sid}:{int(v)}"
                        for sid, v in sorted((draft.section_versions or {}).items()))
    return f"{_created_ms(draft)}.{int(draft.version or 0)}.{sections}"


def parse_seen(text: str) -> Seen | None:
    """The mark a form carried; None when it is missing or not one of ours."""
    match = _SEEN.match(text or "")
    if match is None:
        return None
    sections = {}
    for pair in filter(None, (match[3] or "").split("-")):
        sid, version = pair.split(":")
        sections[sid] = int(version)
    return Seen(int(match[1]), int(match[2]), sections)


def changed_since(seen: Seen, draft: Draft | None) -> Changed | None:
    """None when the draft is still exactly what the page showed."""
    if draft is None:
        return None if seen.created == 0 else Changed(gone=True)
    current = {sid: int(v) for sid, v in (draft.section_versions or {}).items()}
    if seen.created != _created_ms(draft):
        return Changed(sections=tuple(current), restarted=seen.created != 0)
    if seen.version == int(draft.version or 0):
        return None
    return Changed(sections=tuple(sid for sid, v in current.items()
                                  if seen.sections.get(sid, 0) != v))


def reset(draft: Draft, seen: Seen) -> Changed | None:
    """Empties the draft (deletes it), on condition that it is still the version the
    confirmation showed: a colleague's save after that is never removed unseen (the Changed
    is returned instead, nothing deleted). Deliveries already sent are separate and
    untouched."""
    changed = changed_since(seen, draft)
    if changed is not None:
        return changed
    try:
        draft.delete(condition=Draft.created_at == draft.created_at)  # and version (pynamodb)
    except DeleteError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return changed_since(seen, _reload(str(draft.municipality), int(draft.cycle),
                                                   str(draft.instrument))) or \
            Changed(gone=True)
    return None


def start_from(registrant_id: str, municipality: str, definition: Definition,
               raw: Mapping[str, object], source_cycle: int, based_on: int = 0,
               now: datetime | None = None) -> Draft | None:
    """A new draft prefilled with earlier answers (a delivery's), keeping only the fields the
    current questionnaire still asks; from an earlier cycle, only those it may carry over
    (never last year's consent, fieldwork or report). None when a draft exists already
    (nothing overwritten)."""
    now = now or datetime.now(UTC)
    names = {name for q in definition.questions()
             if q.carry_over or source_cycle == definition.cycle for name in q.input_names()}
    at = now.isoformat()
    draft = Draft(scope_key(municipality, definition.cycle, definition.instrument),
                  municipality=municipality, cycle=definition.cycle,
                  instrument=definition.instrument,
                  answers={k: v for k, v in raw.items() if k in names},
                  section_versions={s.id: 1 for s in definition.sections},
                  section_editors={s.id: {"by": registrant_id, "at": at}
                                   for s in definition.sections},
                  based_on=based_on, created_at=now, updated_at=now)
    try:
        draft.save()  # a new draft: conditional on its absence
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return draft


def fill(registrant_id: str, municipality: str, definition: Definition,
         inputs: Mapping[str, object], marks: Mapping[str, dict | None],
         about: Mapping[str, object],
         seen: Seen, existing: Draft | None, based_on: int = 0,
         extra: Sequence[tuple[Model, Any]] = (),
         now: datetime | None = None) -> Draft | Changed:
    """Writes fields nobody typed (a measurement's figures, `inputs` by form field, with their
    `marks`) into the shared draft, with `extra` (audit entries) in the same transaction.

    Never over a colleague: refused as Changed when a section these fields are in was saved
    after the person saw the draft (`seen`, the mark of the page that showed what would
    change); a save of another section in between is merged, the write being conditional on
    the draft's version as read."""
    now = now or datetime.now(UTC)
    touched = {definition.section_of(q.id).id for q in definition.questions()
               if set(q.input_names()) & set(inputs)}
    for _ in range(5):
        changed = changed_since(seen, existing)
        if changed is not None and (changed.gone or changed.restarted
                                    or touched & set(changed.sections)):
            return changed
        draft = existing or Draft(scope_key(municipality, definition.cycle,
                                            definition.instrument),
                                  municipality=municipality, cycle=definition.cycle,
                                  instrument=definition.instrument, answers={},
                                  section_versions={}, section_editors={},
                                  based_on=based_on, created_at=now)
        draft.answers = {**(draft.answers or {}), **inputs}
        draft.section_versions = {**(draft.section_versions or {}),
                                  **{sid: section_version(existing, sid) + 1 for sid in touched}}
        draft.section_editors = {**(draft.section_editors or {}),
                                 **{sid: {"by": registrant_id, "at": now.isoformat()}
                                    for sid in touched}}
        draft.measured = measured_marks.merged(draft.measured, marks, about)
        draft.updated_at = now
        draft.status = DraftStatus.CONCEPT
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(draft)  # pynamodb: conditional on the version read (or absence)
                for item, condition in extra:
                    transaction.save(item, condition=condition)
            return draft  # pynamodb raised the local version with the commit
        except TransactWriteError as error:
            reasons = {r.code for r in (error.cancellation_reasons or []) if r}
            if not reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
                raise
        existing = _reload(municipality, definition.cycle, definition.instrument)
    return changed_since(seen, existing) or Changed(gone=existing is None)
