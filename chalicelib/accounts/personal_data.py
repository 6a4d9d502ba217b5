"""Personal data of a registrant (AVG): correcting name, e-mail and phone, and erasing a
registrant. Each is one DynamoDB transaction with everything that belongs to it — the
registrant, its unique look-ups, its search entries, memberships, held requests and the audit
entries the caller passes — so nothing is ever half-corrected or half-erased, and doing it
again completes it.

A changed address gets a new personal link (mailed after the transaction), the links mailed to
the old address stop working and every session ends: whoever read the old mailbox keeps no
access. The new address must be free, as at registration (the look-up's condition).

Erasing keeps the deliveries: they hold the registrant's opaque id and personal code (the
pseudonym they are shown with afterwards), never a name, address or number. Audit entries never
hold those either (only which fields changed). Input kept after an expired session (at most 14
days, by TTL) and rate-limit counters (hashed, by TTL) expire on their own."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..platform import audit, config
from ..platform.logs import logger
from ..platform.models import (
    HeldRequest,
    Lookup,
    Membership,
    PendingInput,
    Registrant,
    connection,
)
from ..platform.records import Record
from . import link_mails, links, people, registrants

Extra = Sequence[tuple[Model, Any]]
MAX_TRANSACTION = 100  # DynamoDB's limit on items per TransactWriteItems


class Stale(Exception):
    """The registrant changed (or was erased) since the page was shown."""


class AddressTaken(Exception):
    """The new address belongs to another registrant; `personal_code` is theirs."""

    def __init__(self, personal_code: str | None) -> None:
        super().__init__(personal_code)
        self.personal_code = personal_code


class Correction(Record, frozen=True):
    name: str
    email: str
    phone: str

    def changed_fields(self, registrant: Registrant) -> list[str]:
        """Dutch names of the fields that differ (what the audit entry records)."""
        return [label for label, old, new in (("naam", registrant.name, self.name),
                                              ("e-mailadres", registrant.email, self.email),
                                              ("telefoonnummer", registrant.phone, self.phone))
                if old != new]


def _reasons(error: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in (error.cancellation_reasons or [])]


def version_of(registrant: Registrant) -> str:
    """What a page that shows the registrant sends back, to tell a stale page."""
    return registrant.updated_at.isoformat()


def correct(registrant: Registrant, seen_version: str, new: Correction, extra: Extra = (),
            now: datetime | None = None) -> Registrant:
    """Applies the correction if the registrant is still as the page showed it (else Stale).
    Raises AddressTaken when the new address belongs to someone else."""
    now = now or datetime.now(UTC)
    if seen_version != version_of(registrant):
        raise Stale()
    new_address = new.email != registrant.email
    new_key, old_key = registrants.email_key(new.email), registrants.email_key(registrant.email)
    updated = Registrant(registrant.id, name=new.name, email=new.email, phone=new.phone,
                         personal_code=registrant.personal_code, created_at=now, updated_at=now)
    old_keys, new_entries = people.entry_keys(registrant), people.entries(updated)
    actions: list[Any] = [Registrant.name.set(new.name), Registrant.email.set(new.email),
                          Registrant.phone.set(new.phone), Registrant.updated_at.set(now)]
    link = None
    if new_address:
        actions += [Registrant.session_epoch.add(1), Registrant.mail_problem.remove(),
                    Registrant.mail_problem_at.remove()]
        if registrant.municipalities:
            link = links.issue(registrant.id)
            actions += [Registrant.link_hashes.set([link.secret_hash]),
                        Registrant.link_issued_at.set(now),
                        Registrant.link_expires_at.set(config.link_expiry(now))]
        else:  # nothing approved yet: no link to send, and none of the old ones may work
            actions.append(Registrant.link_hashes.set([]))
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(registrant, actions=actions, condition=(
                Registrant.id.exists() & (Registrant.updated_at == registrant.updated_at)))
            if new_key != old_key:  # the new mailbox must be free
                transaction.save(Lookup(new_key, registrant_id=registrant.id),
                                 condition=Lookup.key.does_not_exist())
                transaction.delete(Lookup(old_key),
                                   condition=Lookup.registrant_id == registrant.id)
            for key in old_keys - {entry.key for entry in new_entries}:
                transaction.delete(Lookup(key))
            for entry in new_entries:
                if entry.key not in old_keys:
                    transaction.save(entry)
            audit.save_in(transaction, extra)
    except TransactWriteError as error:
        if "ConditionalCheckFailed" not in _reasons(error):
            raise
        # which condition failed: the registrant changed, or the new address is taken
        # (pynamodb sends the items grouped by kind, so the position says little)
        current = registrants.get(registrant.id)
        if current is None or version_of(current) != seen_version:
            raise Stale() from error
        other = registrants.find_by_email(new.email) if new_address else None
        if other is not None and other.id != registrant.id:
            raise AddressTaken(other.personal_code) from error
        raise Stale() from error
    fresh = registrants.get(registrant.id)
    if fresh is None:
        raise Stale()
    logger.info("registrant corrected", extra={"registrant_id": registrant.id,
                                                "new_address": new_address})
    if link is not None:
        link_mails.mail_link(fresh, link.token)
    return fresh


def erase(registrant: Registrant, extra: Extra = (), unchanged: bool = False) -> None:
    """Erases the registrant and everything that names them; deliveries stay (pseudonymous).
    Stale when the registrant is already gone (someone else erased it first) or, with
    `unchanged`, when it changed since it was read (a page, or the retention rules, looked at
    an older version: a registration, new link or correction in between keeps it)."""
    names: list[Model] = [Lookup(registrants.email_key(registrant.email)),
                          Lookup(f"code#{registrant.personal_code}"),
                          *(Lookup(key) for key in people.entry_keys(registrant))]
    # What holds no personal data (only the opaque id), in the order it may go first when
    # everything does not fit in one transaction: a failure after that leaves the registrant
    # and its look-ups whole, and a retry completes the erasure.
    # The municipality's shared draft stays: it is the colleagues' work, and it names the
    # registrant only by the opaque id (a removed one reads as "een voormalige collega").
    # input kept after a session ended is theirs too (accounts/pending_input.py)
    kept: list[Model] = [PendingInput(kept_id) for kept_id in registrant.kept_inputs or ()]
    links_to_municipalities: list[Model] = [
        *(Membership(code, registrant.id) for code in registrant.municipalities or ()),
        *([HeldRequest("open", registrant.id)] if registrant.held_municipalities else [])]
    # `unchanged` holds only where everything goes in one transaction: a registrant of more
    # municipalities than fit loses its memberships first, whatever happens after
    whole = 1 + len(names) + len(links_to_municipalities) + len(kept) + len(extra) \
        <= MAX_TRANSACTION
    for group in (kept, links_to_municipalities):
        if 1 + len(names) + len(kept) + len(links_to_municipalities) + len(extra) \
                <= MAX_TRANSACTION:
            break
        for item in group:
            item.delete()
        group.clear()
    try:
        with TransactWrite(connection=connection()) as transaction:
            still = Registrant.id.exists()
            if unchanged and whole:
                still &= Registrant.updated_at == registrant.updated_at
            transaction.delete(Registrant(registrant.id), condition=still)
            for item in [*names, *links_to_municipalities, *kept]:
                transaction.delete(item)
            audit.save_in(transaction, extra)
    except TransactWriteError as error:
        if "ConditionalCheckFailed" in _reasons(error):  # only the registrant's condition
            raise Stale() from error                      # can fail: gone, or changed
        raise
    logger.info("registrant erased", extra={"registrant_id": registrant.id})
