"""A shared service that delivers for several municipalities answers the same questions about
method and fieldwork for each (issue 24 §4): which answers one municipality's draft or
delivery may give another's, and copying them into its draft. Never consent, never counts or
scores, nothing about the results or what the municipality did with them: those are its own."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pynamodb.exceptions import PutError

from ..platform.models import Draft, DraftStatus, scope_key
from . import drafts
from .definitions import Definition, Question, Section

NOT_COPIED_TYPES = frozenset({"score_table", "whole_number", "percentage"})


def _own_from(definition: Definition) -> int:
    """Index of the first section that holds the results (a score table) or consent: it and
    every section after it belong to the municipality alone."""
    for index, section in enumerate(definition.sections):
        if any(q.type == "score_table" or q.id == definition.consent
               for q in section.questions):
            return index
    return len(definition.sections)


def copied_questions(definition: Definition) -> list[tuple[Section, list[Question]]]:
    """Per section, the questions whose answers are copied (the page names them)."""
    found = []
    for section in definition.sections[:_own_from(definition)]:
        questions = [q for q in section.questions
                     if q.type not in NOT_COPIED_TYPES and q.id != definition.consent]
        if questions:
            found.append((section, questions))
    return found


def not_copied(definition: Definition) -> list[Question]:
    """What is never copied, also in the sections copied from: counts and the like."""
    copied = {q.id for _, questions in copied_questions(definition) for q in questions}
    return [q for s in definition.sections[:_own_from(definition)] for q in s.questions
            if q.id not in copied]


def values_to_copy(definition: Definition, raw: Mapping[str, object]) -> dict[str, object]:
    """The answers of `raw` (a draft's or a delivery's) on the copied questions, as typed;
    a question left empty there is left as it is here."""
    names = {name for _, questions in copied_questions(definition) for q in questions
             for name in q.input_names()}
    return {name: value for name, value in raw.items()
            if name in names and value not in ("", [], None)}


def copy_into(draft: Draft | None, seen: drafts.Seen, registrant_id: str, municipality: str,
              definition: Definition, values: Mapping[str, object],
              now: datetime | None = None) -> Draft | drafts.Changed:
    """Writes `values` into the municipality's draft (a new one when there is none), on
    condition that the draft is still what the page showed: a colleague's draft changed
    after that is never written into unseen. Sections copied into count a save each, by
    `registrant_id`, so open pages of colleagues see the change."""
    now = now or datetime.now(UTC)
    changed = drafts.changed_since(seen, draft)
    if changed is not None:
        return changed
    touched = {definition.section_of(name.split("__")[0]).id for name in values}
    target = draft or Draft(scope_key(municipality, definition.cycle),
                            municipality=municipality, cycle=definition.cycle,
                            instrument=definition.instrument, answers={},
                            section_versions={}, section_editors={}, created_at=now)
    target.answers = {**(target.answers or {}), **values}
    target.section_versions = {**(target.section_versions or {}),
                               **{sid: drafts.section_version(draft, sid) + 1
                                  for sid in touched}}
    target.section_editors = {**(target.section_editors or {}),
                              **{sid: {"by": registrant_id, "at": now.isoformat()}
                                 for sid in touched}}
    target.status, target.updated_at = DraftStatus.CONCEPT, now
    try:
        target.save()  # new: on its absence; else on the version read (pynamodb)
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return drafts.Changed(gone=draft is not None, restarted=draft is None)
    return target
