"""Withdrawing the delivery that counts, and restoring a withdrawn one. Nothing is deleted:
the delivery's status changes, and the scope's revision is bumped in the same transaction so
that the forwarder publishes what counts now."""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import audit
from .deliveries import counting, history
from .logs import logger
from .models import AuditEntry, Delivery, ScopeState, connection


class Refused(Exception):
    """The action does not apply (not the current delivery, already withdrawn, …); the message
    is Dutch and meant for the helpdesk employee."""


def _change(delivery: Delivery, status: str, by: str, reason: str, now: datetime) -> None:
    """Status, revision and the audit entries in one transaction: no change without record."""
    state = ScopeState.get(delivery.scope, consistent_read=True)
    action = "intrekken" if status == "withdrawn" else "herstellen"
    entries = audit.entries_for(
        by, action, [audit.subject_municipality(delivery.municipality),
                     audit.subject_registrant(delivery.registrant_id)], reason,
        {"aanlevering": delivery.delivery_id, "revisie_voor": int(state.revision),
         "revisie_na": int(state.revision) + 1}, now)
    try:
        with TransactWrite(connection=connection()) as transaction:
            for entry in entries:
                transaction.save(entry, condition=AuditEntry.subject.does_not_exist())
            transaction.update(delivery, actions=[
                Delivery.status.set(status), Delivery.status_changed_at.set(now),
                Delivery.status_changed_by.set(by), Delivery.status_reason.set(reason)],
                condition=Delivery.status != status)
            transaction.update(state, actions=[ScopeState.revision.set(int(state.revision) + 1)],
                               condition=ScopeState.revision == state.revision)
    except TransactWriteError as error:
        raise Refused("De aanlevering is intussen door iemand anders gewijzigd. Vernieuw de "
                      "pagina en probeer het opnieuw.") from error
    logger.info("delivery status changed", extra={"delivery_id": delivery.delivery_id,
                                                  "status": status,
                                                  "revision": int(state.revision) + 1})


def withdraw_latest(municipality: str, cycle: int, delivery_id: str, by: str, reason: str,
                    now: datetime | None = None) -> Delivery:
    """Withdraws `delivery_id`, which must be the delivery that counts now."""
    if not reason.strip():
        raise Refused("Geef een reden op.")
    current = counting(history(municipality, cycle))
    if current is None:
        raise Refused("Er is geen geldige aanlevering om in te trekken.")
    if current.delivery_id != delivery_id:
        raise Refused(f"Alleen de aanlevering die nu telt ({current.delivery_id}) kan worden "
                      f"ingetrokken; {delivery_id} telt niet.")
    _change(current, "withdrawn", by, reason.strip(), now or datetime.now(timezone.utc))
    return current


def restore(municipality: str, cycle: int, delivery_id: str, by: str, reason: str,
            now: datetime | None = None) -> Delivery:
    if not reason.strip():
        raise Refused("Geef een reden op.")
    found = next((d for d in history(municipality, cycle) if d.delivery_id == delivery_id), None)
    if found is None:
        raise Refused(f"Aanlevering {delivery_id} bestaat niet.")
    if found.status != "withdrawn":
        raise Refused(f"Aanlevering {delivery_id} is niet ingetrokken.")
    _change(found, "valid", by, reason.strip(), now or datetime.now(timezone.utc))
    return found


