"""Sending: turning a complete draft into an immutable delivery, exactly once.

One transaction writes the delivery, takes the next sequence number and revision of the
(municipality, cycle), and marks the draft as sent on the condition that it is still the
version that was checked. That condition is the one exactly-once mechanism: a double click or a
retry of the same draft version finds the draft already sent (and which delivery it became)
instead of making a second delivery; an edit in between is reported, never sent unseen.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform.logs import logger
from ..platform.models import (
    Delivery,
    DeliveryStatus,
    Draft,
    DraftStatus,
    Registrant,
    ScopeState,
    connection,
    scope_key,
)
from ..questionnaire import answers, drafts
from ..questionnaire.definitions import Definition
from . import four_eyes, receipts
from .history import counting_state, delivery_id, moment_actions
from .snapshot import snapshot
from .window import allowed_until, window

CONFIRM_FIELD = "bevestig_toestemming"
WARNINGS_FIELD = "bevestig_waarschuwingen"
REPLACE_FIELD = "bevestig_vervangen"


def newer_than_draft(draft: Draft | None, state: ScopeState | None) -> int | None:
    """The sequence of a delivery sent after this draft last matched the municipality's
    deliveries (a colleague's, made from other answers), or None: sending would replace it."""
    newest = int(state.last_sequence) if state else 0
    if draft is None or draft.status == DraftStatus.SENT or newest <= int(draft.based_on or 0):
        return None
    return newest


def consent_given(definition: Definition, raw: dict) -> bool:
    """The college's consent to publish is answered "ja" (without it nothing can be sent)."""
    return answers.text_of(raw, definition.consent) == "ja"


def refusals(definition: Definition, draft: Draft | None, confirmed: bool,
             now: datetime, warnings_seen: bool = False, state: ScopeState | None = None,
             replacing_seen: bool = False) -> dict[str, str]:
    """Everything that stops this draft from being sent, checked on the server (`state`: the
    municipality's, also for the helpdesk's exception to the window)."""
    current = window(now, allowed_until(state), definition.instrument)
    if not current.open:
        return {"verzenden": current.message or "Verzenden is nu niet mogelijk"}
    if draft is None:
        return {"verzenden": "Er zijn nog geen antwoorden om te verzenden"}
    raw = draft.answers or {}
    problems = answers.evaluate(definition, raw)[1]
    if problems:
        return {"verzenden": f"Nog niet alle antwoorden zijn compleet ({len(problems)} "
                             f"{'punt' if len(problems) == 1 else 'punten'}); zie hierboven"}
    if not consent_given(definition, raw):
        return {"verzenden": "Zonder toestemming van het college kunnen wij de uitkomsten niet "
                             "publiceren. Pas uw antwoord bij ‘Toestemming’ aan als het college "
                             "toestemming heeft gegeven."}
    refused = {}
    if newer_than_draft(draft, state) is not None and not replacing_seen:
        refused[REPLACE_FIELD] = ("Bevestig dat uw aanlevering de nieuwere aanlevering van uw "
                                  "collega mag vervangen")
    if answers.warnings(definition, raw) and not warnings_seen:
        refused[WARNINGS_FIELD] = ("Lees de waarschuwingen hierboven en bevestig dat de "
                                   "antwoorden toch kloppen")
    if not confirmed:
        refused[CONFIRM_FIELD] = ("Bevestig dat het college toestemming heeft gegeven voor "
                                  "publicatie")
    return refused


class DraftChanged(Exception):
    """The draft was saved again (another tab, a colleague) after it was checked; nothing was
    sent. `changed` says how, when the caller knew what the person reviewed."""

    def __init__(self, changed: drafts.Changed | None = None) -> None:
        super().__init__()
        self.changed = changed


def _commit(registrant: Registrant, municipality: str, municipality_name: str,
            definition: Definition, draft: Draft, state: ScopeState | None,
            now: datetime, late: bool, waits: bool,
            publish_at: datetime | None = None) -> Delivery:
    scope = scope_key(municipality, definition.cycle, definition.instrument)
    for attempt in range(5):
        last = int(state.last_sequence) if state else 0
        revision = int(state.revision) if state else 0
        sequence = last + 1
        delivery = Delivery(
            scope, sequence, delivery_id=delivery_id(municipality, definition.cycle, sequence,
                                                       definition.instrument),
            municipality=municipality, municipality_name=municipality_name,
            cycle=definition.cycle, registrant_id=registrant.id,
            personal_code=registrant.personal_code, instrument=definition.instrument,
            definition_version=definition.version,
            snapshot=snapshot(definition, draft.answers or {}, draft.measured),
            raw=dict(draft.answers or {}),
            consent=True, sent_at=now, late=late, revision=revision + (0 if waits else 1),
            status=DeliveryStatus.PENDING if waits else DeliveryStatus.VALID,
            publish_at=publish_at)
        # with four-eyes the delivery waits: nothing that counts changes until it is approved
        # (the revision it will make is set then); without, it counts at once. Either way a
        # delivery that waited before is replaced by this one.
        counts = [ScopeState.revision.set(revision + 1), *counting_state(delivery),
                  *moment_actions(delivery, state)] if not waits else [
                ScopeState.revision.set(revision),
                ScopeState.counting_sequence.set(ScopeState.counting_sequence | 0),
                ScopeState.counting_late.set(ScopeState.counting_late | False)]
        state_condition = (ScopeState.last_sequence == last) if state else \
            ScopeState.scope.does_not_exist()
        try:
            with TransactWrite(connection=connection()) as transaction:
                # pynamodb adds "version unchanged" and the version increment itself
                transaction.update(draft, actions=[Draft.status.set(DraftStatus.SENT),
                                                   Draft.sent_sequence.set(sequence),
                                                   Draft.based_on.set(sequence),
                                                   Draft.updated_at.set(now)])
                transaction.save(delivery, condition=Delivery.scope.does_not_exist())
                transaction.update(ScopeState(scope), actions=[
                    ScopeState.last_sequence.set(sequence), *counts,
                    ScopeState.waiting_sequence.set(sequence if waits else 0)],
                    condition=state_condition)
        except TransactWriteError as error:
            reasons = {r.code for r in (error.cancellation_reasons or []) if r}
            if not reasons & {"ConditionalCheckFailed", "TransactionConflict"}:
                raise
            # another send of this draft or municipality is in flight or just landed (real
            # DynamoDB may say TransactionConflict instead of failing a condition): give it a
            # moment, then look at the draft again
            time.sleep(0.02 * (attempt + 1) * (2 if "TransactionConflict" in reasons else 1))
            if _draft_moved_on(draft):  # saved again, or already sent by a concurrent click
                raise DraftChanged() from error
            state = _read_state(scope)  # someone else sent for this municipality meanwhile
            continue
        logger.info("delivery made", extra={"delivery_id": delivery.delivery_id,
                                            "revision": int(delivery.revision), "late": late,
                                            "waits_for_approval": waits})
        return delivery
    raise RuntimeError("could not allocate a sequence number")


def _draft_moved_on(draft: Draft) -> bool:
    try:
        stored = Draft.get(draft.key, consistent_read=True)
    except Draft.DoesNotExist:
        return True
    return int(stored.version or 0) != int(draft.version or 0)


def _read_state(scope: str) -> ScopeState | None:
    try:
        return ScopeState.get(scope, consistent_read=True)
    except ScopeState.DoesNotExist:
        return None


def send(registrant: Registrant, municipality: str, municipality_name: str,
         definition: Definition, draft: Draft, state: ScopeState | None,
         now: datetime | None = None, reviewed: drafts.Seen | None = None,
         publish_at: datetime | None = None) -> Delivery:
    """Makes the delivery from this draft version and mails the receipt and the colleagues'
    notice (with four-eyes on, the delivery waits and the coordinators are asked to approve
    it). DraftChanged when the draft is no longer the version that was checked (`reviewed`,
    what the check-your-answers page showed; saved again, or already sent by a concurrent
    click: the draft then names its delivery). The transaction is conditional on `draft`'s
    version, so a save after this check is caught there too. `publish_at`: the moment from
    which the feed may publish it (publishing.py; None: at once); with four-eyes the approving
    coordinator chooses it instead."""
    now = now or datetime.now(UTC)
    if reviewed is not None:
        changed = drafts.changed_since(reviewed, draft)
        if changed is not None:
            raise DraftChanged(changed)
    waits = four_eyes.required(municipality)
    delivery = _commit(registrant, municipality, municipality_name, definition, draft, state,
                       now, window(now, allowed_until(state), definition.instrument).late, waits,
                       None if waits else publish_at)
    coordinators = frozenset(four_eyes.coordinator_ids(municipality)) if waits else frozenset()
    receipts.send(registrant, delivery, coordinators)
    if waits:
        four_eyes.request_approval(delivery, registrant, coordinators)
    return delivery
