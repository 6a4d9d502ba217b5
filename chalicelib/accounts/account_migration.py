"""A one-off migration for accounts made before issue 25 (`python -m chalicelib.cli
migrate-accounts`, a dry run unless `--apply`; harmless to repeat):

- e-mail look-ups: an account registered before `+tag`/case folding has its look-up under the
  address as typed (`email#coord1+alt@x.nl`); finding it now goes through the mailbox
  (`email#coord1@x.nl`, registrants.email_key). Each such account gets the mailbox's look-up
  and loses the old one (it holds the address, and erasure removes only the mailbox's).
  Two accounts of one mailbox cannot both have it: they are reported for the helpdesk to
  decide (erase or merge by hand), and nothing of theirs is changed.
- held requests: one row per municipality (`<id>#<code>`) becomes the account's one request
  (its key the registrant id) holding the municipalities.

Each account changes in one transaction on the condition that it is as scanned, so a
registrant changed meanwhile is skipped (its own change already wrote the right things) and
the next run picks up whatever is left."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform.models import HeldRequest, Lookup, Registrant, connection
from ..platform.records import Record, field
from .registrants import email_key


class Step(Record, frozen=True):
    registrant_id: str
    personal_code: str
    what: str  # Dutch, for the operator


class Plan(Record):
    lookups: list[tuple[Registrant, str]] = field(default_factory=list)  # (account, old key)
    conflicts: list[Step] = field(default_factory=list)
    held: dict[str, list[HeldRequest]] = field(default_factory=dict)  # registrant id: rows

    def steps(self) -> list[Step]:
        found = [Step(r.id, r.personal_code, f"zoeksleutel {old} -> {email_key(r.email)}")
                 for r, old in self.lookups]
        found += [Step(rid, "", f"{len(rows)} aanvragen ter controle -> 1")
                  for rid, rows in self.held.items()]
        return found


def _lookup(key: str) -> Lookup | None:
    try:
        return Lookup.get(key, consistent_read=True)
    except DoesNotExist:
        return None


def plan() -> Plan:
    """What the migration would do (scans the registrants and the held queue)."""
    found = Plan()
    for registrant in Registrant.scan(consistent_read=True):
        old, new = f"email#{registrant.email}", email_key(registrant.email)
        if old == new:
            continue
        holder = _lookup(new)
        if holder is not None and holder.registrant_id != registrant.id:
            found.conflicts.append(Step(registrant.id, registrant.personal_code,
                                        f"deelt de mailbox {new.removeprefix('email#')} met "
                                        "een ander account: de helpdesk beslist"))
            continue
        old_lookup = _lookup(old)
        if holder is None or (old_lookup is not None
                              and old_lookup.registrant_id == registrant.id):
            found.lookups.append((registrant, old))
    rows: dict[str, list[HeldRequest]] = defaultdict(list)
    for held in HeldRequest.query("open", consistent_read=True):
        if held.municipality:  # the shape before one request per account
            rows[held.registrant_id].append(held)
    found.held = dict(rows)
    return found


def apply(found: Plan) -> tuple[int, int]:
    """Carries out `found`; returns (done, skipped because changed meanwhile)."""
    results = [_in_transaction(registrant.id, registrant, _move_lookup(registrant, old))
               for registrant, old in found.lookups]
    results += [_merge_held(registrant_id, rows) for registrant_id, rows in found.held.items()]
    return sum(results), len(results) - sum(results)


def _move_lookup(registrant: Registrant, old: str) -> Any:
    def write(transaction: Any) -> None:
        mine = Lookup.registrant_id == registrant.id
        transaction.save(Lookup(email_key(registrant.email), registrant_id=registrant.id),
                         condition=Lookup.key.does_not_exist() | mine)
        transaction.delete(Lookup(old), condition=Lookup.key.does_not_exist() | mine)
    return write


def _merge_held(registrant_id: str, rows: list[HeldRequest]) -> bool:
    """The rows become (or join) the account's one request, keeping only what the account
    still has waiting; a removed account's rows just go."""
    try:
        registrant: Registrant | None = Registrant.get(registrant_id, consistent_read=True)
    except DoesNotExist:
        registrant = None
    waiting = set(registrant.held_municipalities or ()) if registrant else set()
    codes = {str(row.municipality) for row in rows} & waiting

    def write(transaction: Any) -> None:
        if codes:
            transaction.update(HeldRequest("open", registrant_id), actions=[
                HeldRequest.municipalities.add(codes),
                HeldRequest.registrant_id.set(registrant_id),
                HeldRequest.email_domain.set(rows[0].email_domain),
                HeldRequest.created_at.set(
                    HeldRequest.created_at | min(row.created_at for row in rows))])
        for row in rows:
            transaction.delete(row)

    return _in_transaction(registrant_id, registrant, write)


def _in_transaction(registrant_id: str, registrant: Registrant | None, write: Any) -> bool:
    """`write` with the condition that the registrant is as read (or still absent)."""
    condition: Any
    if registrant is None:
        condition = Registrant.id.does_not_exist()
    elif registrant.updated_at is None:
        condition = Registrant.id.exists() & Registrant.updated_at.does_not_exist()
    else:
        condition = Registrant.updated_at == registrant.updated_at
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.condition_check(Registrant, registrant_id, condition=condition)
            write(transaction)
    except TransactWriteError as error:
        if not any(reason is not None and reason.code == "ConditionalCheckFailed"
                   for reason in (error.cancellation_reasons or [])):
            raise
        return False
    return True
