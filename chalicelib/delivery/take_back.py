"""Taking a delivery back: the municipality itself withdraws the delivery that counts now in
the current cycle, with a reason. It is the helpdesk's withdrawal (withdrawals.py) with the
municipality's own rules on who may: with four-eyes on only a coordinator, without it any
representative. The previous valid delivery counts again (or none: the site gets a
retraction); the status, the scope's revision, what counts, the audit entries (by personal
code, never by name) and the check on who acts are one transaction; the shared draft this
delivery was sent from opens again ("terug voor invullen"); colleagues and coordinators are
told by mail; the helpdesk can restore it as any withdrawal.
"""
from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.transactions import TransactWrite

from ..accounts.notices import notify_municipality
from ..platform import audit, config
from ..platform.models import (
    Delivery,
    Draft,
    DraftStatus,
    Membership,
    MunicipalitySettings,
    Registrant,
    ScopeState,
    get_together,
    scope_key,
)
from . import four_eyes, history, withdrawals

ACTION = "teruggenomen door de gemeente"
REASON_MAX = four_eyes.REASON_MAX


class Refused(Exception):
    """Taking back does not apply; the message is Dutch. `status`: 400 incomplete, 403 not
    theirs to do, 404 no such delivery, 409 the page is stale (changed meanwhile)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def why_not(code: str, registrant: Registrant) -> str | None:
    """Why this representative may not take back `code`'s deliveries (Dutch), or None."""
    return four_eyes.only_coordinator(code, registrant, "een aanlevering terugnemen")


def plan(code: str, cycle: int, number: str) -> tuple[Delivery, Delivery | None, int]:
    """(the delivery to take back, the one that counts afterwards or None, the scope's
    revision now) for the confirmation page; Refused when `number` cannot be taken back."""
    if cycle != config.current_cycle():
        raise Refused(f"Alleen een aanlevering van dit jaar ({config.current_cycle()}) kan "
                      "worden teruggenomen. Neem voor een eerder jaar contact op met de "
                      "helpdesk.")
    instrument = history.instrument_of_number(number)
    state = _state(code, cycle, instrument)
    sent = history.history(code, cycle, instrument)
    delivery = next((d for d in sent if d.delivery_id == number), None)
    if delivery is None:
        raise Refused("Deze aanlevering bestaat niet.", 404)
    current = history.counting(sent)
    if current is None or current.delivery_id != number:
        raise Refused(f"Aanlevering {number} telt nu niet"
                      + (f" (nu telt {current.delivery_id})" if current else "")
                      + ": alleen de aanlevering die nu telt kan worden teruggenomen.")
    after = history.counting([d for d in sent if d.sequence != delivery.sequence])
    return delivery, after, int(state.revision) if state else 0


def _state(code: str, cycle: int, instrument: str) -> ScopeState | None:
    try:
        return ScopeState.get(scope_key(code, cycle, instrument), consistent_read=True)
    except ScopeState.DoesNotExist:
        return None


def take_back(code: str, cycle: int, number: str, revision_seen: int, registrant: Registrant,
              reason: str, now: datetime | None = None) -> tuple[Delivery, Delivery | None]:
    """Withdraws delivery `number` of `code` on behalf of the municipality, provided nothing
    changed since the page showed revision `revision_seen`; returns it and what counts now."""
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("Schrijf waarom u de aanlevering terugneemt: uw collega's lezen het in "
                      "de e-mail en de helpdesk in het logboek.", 400)
    if len(reason) > REASON_MAX:
        raise Refused(f"De reden is te lang (ten hoogste {REASON_MAX} tekens).", 400)
    refusal = why_not(code, registrant)
    if refusal:
        raise Refused(refusal, 403)
    delivery, _after, revision = plan(code, cycle, number)
    if revision != revision_seen:
        raise Refused(withdrawals.CHANGED_MEANWHILE)
    on = four_eyes.required(code)
    key = scope_key(code, cycle, history.instrument_of_number(number))
    draft, = get_together((Draft, key, None))
    reopen = draft if draft is not None and draft.status == DraftStatus.SENT \
        and int(draft.sent_sequence or 0) == int(delivery.sequence) else None

    def who_acts(transaction: TransactWrite) -> None:
        """Still a coordinator (four-eyes on), still a representative and the switch as it
        was read (off): else nothing changes."""
        if on:
            transaction.condition_check(Membership, code, registrant.id,
                                        condition=Membership.coordinator == True)  # noqa: E712
        else:
            transaction.condition_check(Membership, code, registrant.id,
                                        condition=Membership.registrant_id.exists())
            transaction.condition_check(
                MunicipalitySettings, four_eyes.SETTINGS_QUEUE, code,
                condition=MunicipalitySettings.four_eyes.does_not_exist()
                | (MunicipalitySettings.four_eyes == False))  # noqa: E712

    def reopen_draft(transaction: TransactWrite) -> None:
        if reopen is not None:  # pynamodb adds "version unchanged" itself
            transaction.update(reopen, actions=[Draft.status.set(DraftStatus.CONCEPT)])

    try:
        taken, after = withdrawals.withdraw_latest(
            code, cycle, number, four_eyes.actor_name(registrant), reason,
            now or datetime.now(UTC), action=ACTION, expected_revision=revision_seen,
            extra=[who_acts, reopen_draft], subjects=[audit.subject_registrant(registrant.id)])
    except withdrawals.StatusChangeRefused as refused:
        raise Refused(str(refused)) from refused
    told = reason if after is None else f"{reason} (nu telt {after.delivery_id})"
    notify_municipality(code, f"Aanlevering {number} is teruggenomen door uw gemeente",
                        "taken_back", {"delivery": taken, "reason": told, "after": after,
                                       "taken_by": registrant.name},
                        exclude={registrant.id})
    return taken, after
