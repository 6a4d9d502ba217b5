"""The representative's way through one municipality's questionnaire: may they open it, how
far are they, and where do they continue."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..accounts import signins
from ..platform import config, instruments
from ..platform.models import Draft, Registrant, ScopeState
from ..platform.municipalities import is_code, municipalities
from ..platform.records import Record
from . import answers, drafts
from .definitions import Definition, Section, load


def current_definition(instrument: str = instruments.WMO) -> Definition:
    """This instrument's definition of the cycle being delivered now."""
    return load(instrument, config.current_cycle())


class SessionEnded(Exception):
    """The session was signed out, ended everywhere, or its links were revoked or expired."""


class NotTheirs(Exception):
    """Not one of this registrant's municipalities (or no municipality at all): answered
    exactly like a page that does not exist."""


class Scope(Record):
    """One registrant at one municipality's questionnaire of the current cycle."""

    registrant: Registrant
    municipality: str
    municipality_name: str
    definition: Definition
    draft: Draft | None
    state: ScopeState | None = None

    @property
    def instrument(self) -> instruments.Instrument:
        return instruments.get(self.definition.instrument)

    @property
    def base(self) -> str:
        """Where this questionnaire's pages live (/gemeente/GM0014[/jeugd])."""
        return instruments.base_path(self.municipality, self.definition.instrument)

    @property
    def raw(self) -> dict:
        return dict(self.draft.answers or {}) if self.draft else {}


def open_scope(claim: signins.Claim, code: str, with_state: bool = False,
               instrument: str = instruments.WMO) -> Scope:
    """Registrant, draft (and for sending the sequence state) of this instrument in one read,
    after checking that the session still holds and the municipality is theirs."""
    if not is_code(code):
        raise NotTheirs()
    definition = current_definition(instrument)
    registrant, draft, state = drafts.load_with_registrant(claim.registrant_id, code,
                                                           definition.cycle,
                                                           with_state=with_state,
                                                           instrument=instrument)
    if registrant is None or not signins.holds(registrant, claim):
        raise SessionEnded()
    if code not in registrant.municipalities:
        raise NotTheirs()
    name = municipalities(config.municipality_year())[code].name
    return Scope(registrant, code, name, definition, draft, state)


def section_path(code: str, section_id: str, instrument: str = instruments.WMO) -> str:
    return f"{instruments.base_path(code, instrument)}/vragen/{section_id}"


def resume_path(definition: Definition, code: str, draft: Draft | None) -> str:
    """Where "verder waar u gebleven was" leads: the first page with a missing or invalid
    answer, or the review page when nothing is missing."""
    raw = dict(draft.answers or {}) if draft else {}
    for section_id, errors in answers.section_errors(definition, raw).items():
        if errors:
            return section_path(code, section_id, definition.instrument)
    return f"{instruments.base_path(code, definition.instrument)}/controleren"


def progress(definition: Definition, draft: Draft | None) -> tuple[int, int]:
    """(steps complete — saved, nothing missing or invalid —, steps this draft has): without
    a survey the draft has fewer steps."""
    raw = dict(draft.answers or {}) if draft else {}
    visible = answers.visible_sections(definition, raw)
    if draft is None:
        return 0, len(visible)
    errors = answers.section_errors(definition, raw)
    return sum(1 for s in visible
               if not errors[s.id] and drafts.section_version(draft, s.id)), len(visible)


def step_of(definition: Definition, raw: Mapping[str, Any], section: Section
            ) -> tuple[int, int, Section | None, Section | None]:
    """(step number, steps, previous section, next section) of a page among the steps this
    draft's answers make visible; a page hidden by an answer sits where it would be."""
    visible = [s for s in answers.visible_sections(definition, raw) if s != section]
    before = [s for s in visible
              if definition.sections.index(s) < definition.sections.index(section)]
    after = [s for s in visible if s not in before]
    return (len(before) + 1, len(visible) + 1, before[-1] if before else None,
            after[0] if after else None)
