"""Withdrawing the delivery that counts, and restoring a withdrawn one. Nothing is deleted:
the delivery's status changes, and the scope's revision is bumped in the same transaction so
that the forwarder publishes what counts now."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform import audit
from ..platform.logs import logger
from ..platform.models import Delivery, DeliveryStatus, ScopeState, connection
from .history import (
    counting,
    counting_state,
    history,
    instrument_of_number,
    moment_key,
    released,
)

AUDIT_ACTIONS = {DeliveryStatus.WITHDRAWN: "intrekken", DeliveryStatus.VALID: "herstellen"}
CHANGED_MEANWHILE = ("De aanlevering is intussen door iemand anders gewijzigd. Vernieuw de pagina "
                     "en probeer het opnieuw.")

#: more writes for the same transaction (a condition check on who acts, a draft reopened)
Extra = Callable[[TransactWrite], None]


class StatusChangeRefused(Exception):
    """This withdrawal or restore does not apply (not the current delivery, already
    withdrawn, changed meanwhile); the message is Dutch, for the helpdesk employee."""


def _change(delivery: Delivery, status: DeliveryStatus, by: str, reason: str, now: datetime,
            counts_after: Delivery | None, valid_after: Sequence[Delivery] = (),
            action: str | None = None,
            expected_revision: int | None = None, extra: Sequence[Extra] = (),
            subjects: Sequence[str] = ()) -> None:
    """Status, revision, which delivery counts afterwards and the audit entries in one
    transaction: no change without record. `expected_revision`: the scope's revision the
    person saw (a page shown before any other change); `extra`: more writes for the same
    transaction, whose failed condition refuses the whole change. `valid_after`: the valid
    deliveries once the change is made, for their publication moments (publishing.py)."""
    state = ScopeState.get(delivery.scope, consistent_read=True)
    if expected_revision is not None and int(state.revision) != expected_revision:
        raise StatusChangeRefused(CHANGED_MEANWHILE)
    moments = _moments(valid_after, state, now)
    writes = audit.writes(by, action or AUDIT_ACTIONS[status],
                          list(dict.fromkeys([
                              audit.subject_municipality(delivery.municipality),
                              audit.subject_registrant(delivery.registrant_id), *subjects])),
                          reason,
                          {"aanlevering": delivery.delivery_id,
                           "revisie_voor": int(state.revision),
                           "revisie_na": int(state.revision) + 1})
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, writes)
            transaction.update(delivery, actions=[
                Delivery.status.set(status), Delivery.status_changed_at.set(now),
                Delivery.status_changed_by.set(by), Delivery.status_reason.set(reason)],
                condition=Delivery.status != status)
            transaction.update(state, actions=[
                ScopeState.revision.set(int(state.revision) + 1),
                *counting_state(counts_after), *moments],
                condition=ScopeState.revision == state.revision)
            for add in extra:
                add(transaction)
    except TransactWriteError as error:
        raise StatusChangeRefused(CHANGED_MEANWHILE) from error
    logger.info("delivery status changed", extra={"delivery_id": delivery.delivery_id,
                                                  "status": status,
                                                  "revision": int(state.revision) + 1})


def _moments(valid_after: Sequence[Delivery], state: ScopeState, now: datetime) -> list:
    """What a withdrawal or restore does to publication moments: a valid delivery whose moment
    passed unreleased (it was withdrawn then, or replaced by a newer one published at once
    that is now withdrawn) may be published from now on, in this very change; one still to
    come is looked at by the reconciler again (its moment may have been forgotten meanwhile)."""
    waiting = [d for d in valid_after if not released(d, state) and d.publish_at is not None]
    actions: list = []
    if any(d.publish_at <= now for d in waiting if d.publish_at is not None):
        actions.append(ScopeState.released_until.set(now))
    later = {moment_key(d.publish_at) for d in waiting
             if d.publish_at is not None and d.publish_at > now}
    if later:
        actions.append(ScopeState.publication_moments.add(later))
    return actions


def withdraw_latest(municipality: str, cycle: int, delivery_id: str, by: str, reason: str,
                    now: datetime | None = None, *, action: str | None = None,
                    expected_revision: int | None = None, extra: Sequence[Extra] = (),
                    subjects: Sequence[str] = ()) -> tuple[Delivery, Delivery | None]:
    """Withdraws `delivery_id`, which must be the delivery that counts now; returns it and the
    delivery that counts after it (None: the municipality leaves the site). The helpdesk's
    withdrawal and the municipality's taking back (delivery/take_back.py) both come here:
    `action` names it in the audit trail, `expected_revision` refuses a stale page, `extra`
    adds the taker's conditions to the one transaction."""
    if not reason.strip():
        raise StatusChangeRefused("Geef een reden op.")
    sent = history(municipality, cycle, instrument_of_number(delivery_id))
    current = counting(sent)
    if current is None:
        raise StatusChangeRefused("Er is geen geldige aanlevering om in te trekken.")
    if current.delivery_id != delivery_id:
        raise StatusChangeRefused(f"Alleen de aanlevering die nu telt ({current.delivery_id}) "
                                  f"kan worden ingetrokken; {delivery_id} telt niet.")
    after = counting([d for d in sent if d.sequence != current.sequence])
    _change(current, DeliveryStatus.WITHDRAWN, by, reason.strip(),
            now or datetime.now(UTC), after,
            [d for d in sent if d.status == DeliveryStatus.VALID
             and d.sequence != current.sequence], action, expected_revision, extra, subjects)
    return current, after


def restore(municipality: str, cycle: int, delivery_id: str, by: str, reason: str,
            now: datetime | None = None) -> Delivery:
    if not reason.strip():
        raise StatusChangeRefused("Geef een reden op.")
    sent = history(municipality, cycle, instrument_of_number(delivery_id))
    found = next((d for d in sent if d.delivery_id == delivery_id), None)
    if found is None:
        raise StatusChangeRefused(f"Aanlevering {delivery_id} bestaat niet.")
    if found.status != DeliveryStatus.WITHDRAWN:
        raise StatusChangeRefused(f"Aanlevering {delivery_id} is niet ingetrokken.")
    after = max((d for d in sent if d.status == DeliveryStatus.VALID or d is found),
                key=lambda d: int(d.sequence))
    _change(found, DeliveryStatus.VALID, by, reason.strip(), now or datetime.now(UTC), after,
            [d for d in sent if d.status == DeliveryStatus.VALID or d is found])
    return found
