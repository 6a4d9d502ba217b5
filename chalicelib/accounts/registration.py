"""Account transactions: creating a registrant, adding municipalities, issuing and revoking
personal links, approving and rejecting held municipalities. Every change to an account is one
DynamoDB transaction (the registrant, its unique look-ups, memberships, held requests and any
audit entries the caller adds), so a failure leaves nothing half-written and a retry simply
does the whole thing again. Mails go out after the transaction."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..platform import config
from ..platform.logs import logger
from ..platform.models import HeldRequest, Lookup, Membership, Registrant, connection
from . import email_domains, link_mails, links, people, personal_codes, registrants
from .registration_form import NewRegistration


class TooManyHeld(Exception):
    """More than MAX_HELD municipalities would wait for the helpdesk."""


class AlreadyHandled(Exception):
    """Someone else changed this account meanwhile (e.g. approved the same request)."""

    def __init__(self, registrant_refused: bool = False) -> None:
        super().__init__()
        self.registrant_refused = registrant_refused  # the registrant's own condition failed


# Items a caller writes in the same transaction (audit entries), each with its condition.
Extra = Sequence[tuple[Model, Any]]

# Municipalities one account may have waiting for the helpdesk at once (issue 25 item 10):
# an unauthenticated registration cannot fill the helpdesk's queue; one request per account.
MAX_HELD = 5


def register(new: NewRegistration, now: datetime | None = None
             ) -> tuple[Registrant, tuple[str, ...]]:
    """Creates the account, or adds municipalities to the existing one for this address, and
    mails a fresh personal link either way (earlier links keep working). Municipalities
    whose domain does not match the address wait for the helpdesk; they are returned, and an
    account with nothing approved gets a "we check your registration" mail instead of a link.

    Name and phone of an existing account are kept: this form is not authenticated, so it may
    add municipalities (the link only goes to the address's owner) but not rewrite a profile.
    """
    now = now or datetime.now(UTC)
    approved, held = email_domains.split(new.email, new.municipalities)
    for _ in range(5):
        existing = registrants.find_by_email(new.email)
        if existing is not None:
            waiting = set(existing.held_municipalities or ())
            held = _within_cap(tuple(c for c in held if c not in existing.municipalities
                                     and c not in waiting), len(waiting))
            return relink(existing, approved, now, held=held), held
        held = _within_cap(held, 0)
        created = _create(new, approved, held, now)
        if created is not None:
            return created, held
    raise RuntimeError("could not register after repeated conflicts")


def _within_cap(held: tuple[str, ...], waiting: int) -> tuple[str, ...]:
    """The first municipalities to hold that fit under MAX_HELD; the rest are not recorded
    (the form refuses more than MAX_HELD; an address typed again adds at most up to it)."""
    room = max(MAX_HELD - waiting, 0)
    if len(held) > room:
        logger.info("held municipalities over the cap not recorded",
                    extra={"dropped": len(held) - room})
    return held[:room]


def _recapped(registrant: Registrant, held: Sequence[str]) -> tuple[str, ...]:
    """After a concurrent change: of the municipalities to hold, those not yet approved or
    waiting that still fit under MAX_HELD, as the account now reads."""
    waiting = set(registrant.held_municipalities or ())
    mine = set(registrant.municipalities or ())
    return _within_cap(tuple(c for c in held if c not in waiting and c not in mine),
                       len(waiting))


def _create(new: NewRegistration, approved: tuple[str, ...], held: tuple[str, ...],
            now: datetime) -> Registrant | None:
    """One transaction: the registrant, its two unique look-ups and search entries,
    memberships and held requests. None when the address was taken meanwhile (the caller then
    adds to that account) or the random personal code collided."""
    registrant_id = links.new_registrant_id()
    link = links.issue(registrant_id) if approved else None
    registrant = Registrant(
        registrant_id, email=new.email, name=new.name, phone=new.phone,
        municipalities=set(approved), held_municipalities=set(held) or None,
        personal_code=personal_codes.new_code(),
        link_hashes=[link.secret_hash] if link else [], link_issued_at=now if link else None,
        link_expires_at=config.link_expiry(now) if link else None, created_at=now,
        updated_at=now,
    )
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(registrant, condition=Registrant.id.does_not_exist())
            for key in (registrants.email_key(new.email), f"code#{registrant.personal_code}"):
                transaction.save(Lookup(key, registrant_id=registrant_id),
                                 condition=Lookup.key.does_not_exist())
            for entry in people.entries(registrant):  # the helpdesk's search
                transaction.save(entry)
            for code in approved:
                transaction.save(Membership(code, registrant_id))
            if held:
                transaction.save(HeldRequest("open", registrant_id,
                                             registrant_id=registrant_id,
                                             municipalities=set(held),
                                             email_domain=_domain(registrant), created_at=now))
    except TransactWriteError as error:
        logger.info("registration transaction cancelled, retrying",
                    extra={"reasons": _reasons(error)})
        return None
    logger.info("registrant created", extra={"registrant_id": registrant_id,
                                              "municipalities": sorted(approved),
                                              "held": sorted(held)})
    if link:
        link_mails.mail_link(registrant, link.token)
    else:
        link_mails.mail_held(registrant)
    return registrant


def _reasons(error: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in (error.cancellation_reasons or [])]


def _domain(registrant: Registrant) -> str:
    return registrant.email.rsplit("@", 1)[-1]


def _held_changes(registrant: Registrant, add: Sequence[str], remove: Sequence[str],
                  now: datetime) -> tuple[list[Any], Any, list[Model], list[tuple[Model, Any]]]:
    """The registrant's actions and condition, and the held request's delete or update, for
    holding `add` and ending `remove`: the account's one request changes by set ADD/DELETE in
    the same transaction, and goes when its last municipality does (the condition on the
    registrant's waiting set makes "last" exact under concurrency)."""
    actions: list[Any] = []
    condition: Any = None
    for code in remove:
        clause = Registrant.held_municipalities.contains(code)
        condition = clause if condition is None else condition & clause
    if add:
        actions.append(Registrant.held_municipalities.add(set(add)))
        # the cap was checked against the waiting set as read: another registration of the
        # same address landing in between must not let both pass it
        read = len(registrant.held_municipalities or ())
        as_read = size(Registrant.held_municipalities) == read if read else \
            Registrant.held_municipalities.does_not_exist()
        condition = as_read if condition is None else condition & as_read
    if remove:
        actions.append(Registrant.held_municipalities.delete(set(remove)))
    if not add and not remove:
        return actions, condition, [], []
    request = HeldRequest("open", registrant.id)
    waiting = set(registrant.held_municipalities or ())
    if remove and not add and waiting <= set(remove):
        ends = size(Registrant.held_municipalities) == len(set(remove))
        return actions, ends if condition is None else condition & ends, [request], []
    if remove and not add:
        stays = size(Registrant.held_municipalities) > len(set(remove))
        condition = condition & stays
    held_actions: list[Any] = [HeldRequest.registrant_id.set(registrant.id),
                               HeldRequest.email_domain.set(_domain(registrant)),
                               HeldRequest.created_at.set(HeldRequest.created_at | now)]
    if add:
        held_actions.append(HeldRequest.municipalities.add(set(add)))
    if remove:
        held_actions.append(HeldRequest.municipalities.delete(set(remove)))
    return actions, condition, [], [(request, held_actions)]


def _commit(registrant: Registrant, actions: list[Any], condition: Any = None,
            saves: Iterable[Model] = (), deletes: Iterable[Model] = (),
            extra: Extra = (), updates: Iterable[tuple[Model, list[Any]]] = ()) -> None:
    """The registrant's update and everything that belongs with it, all or nothing. The
    registrant's update goes last (pynamodb sends updates last, in order), so its condition's
    reason is the last one."""
    try:
        with TransactWrite(connection=connection()) as transaction:
            for item, item_actions in updates:
                transaction.update(item, actions=item_actions)
            transaction.update(registrant, actions=actions,
                               condition=Registrant.id.exists() & condition
                               if condition is not None else Registrant.id.exists())
            for item in saves:
                transaction.save(item)
            for item in deletes:
                transaction.delete(item)
            for item, item_condition in extra:
                transaction.save(item, condition=item_condition)
    except TransactWriteError as error:
        reasons = _reasons(error)
        if "ConditionalCheckFailed" in reasons:
            # the registrant's is the only update, and pynamodb sends updates last
            raise AlreadyHandled(reasons[-1] == "ConditionalCheckFailed") from error
        raise


def _links_as_read(registrant: Registrant) -> Any:
    """The condition that the valid links are still the ones this request read: a new link
    is written as "these links plus one", so a revoke or another new link committed since
    the read must not be overwritten (the request then reads again and retries)."""
    read = list(registrant.link_hashes or [])
    same = Registrant.link_hashes == read
    return same | Registrant.link_hashes.does_not_exist() if not read else same


def relink(registrant: Registrant, codes: Sequence[str], now: datetime,
           held: Sequence[str] = (), extra: Extra = (),
           remove_held: Sequence[str] = ()) -> Registrant:
    """Adds `codes` (and `held` requests), issues a fresh link and mails it, in one
    transaction; an account with nothing approved yet only records what waits and gets the
    "we check your registration" mail. The new link joins the earlier ones (the newest five
    work) and ends no session: anyone who knows an address may ask for a link."""
    saves: list[Model] = [Membership(code, registrant.id) for code in codes]
    base: list[Any] = [Registrant.updated_at.set(now)]
    held_actions, condition, deletes, updates = _held_changes(registrant, held, remove_held, now)
    actions = base + held_actions
    if not registrant.municipalities and not codes:
        for _ in range(10):
            try:
                _commit(registrant, actions, condition, saves, deletes, extra, updates)
                break
            except AlreadyHandled as refused:
                if not refused.registrant_refused or not _reread_links(registrant, remove_held):
                    raise
                held = _recapped(registrant, held)
                held_actions, condition, deletes, updates = _held_changes(registrant, held,
                                                                          remove_held, now)
                actions = base + held_actions
        else:
            raise RuntimeError("could not record the registration after repeated conflicts")
        registrant.held_municipalities = set(registrant.held_municipalities or ()) | set(held)
        link_mails.mail_held(registrant)
        return registrant
    link = links.issue(registrant.id)
    expires = config.link_expiry(now)
    if codes:
        base.append(Registrant.municipalities.add(set(codes)))
    for _ in range(10):
        held_actions, condition, deletes, updates = _held_changes(registrant, held,
                                                                  remove_held, now)
        actions = base + held_actions
        hashes = links.with_new(registrant.link_hashes, link.secret_hash)
        link_actions = [Registrant.link_hashes.set(hashes), Registrant.link_issued_at.set(now),
                        Registrant.link_expires_at.set(expires)]
        links_condition = _links_as_read(registrant)
        try:
            _commit(registrant, actions + link_actions,
                    links_condition if condition is None else condition & links_condition,
                    saves, deletes, extra, updates)
            break
        except AlreadyHandled as refused:
            if not refused.registrant_refused or not _reread_links(registrant, remove_held):
                raise
            held = _recapped(registrant, held)
    else:
        raise RuntimeError("could not issue a link after repeated conflicts")
    registrant.municipalities = set(registrant.municipalities or ()) | set(codes)
    registrant.held_municipalities = ((set(registrant.held_municipalities or ()) | set(held))
                                      - set(remove_held)) or None
    registrant.link_hashes, registrant.link_issued_at = hashes, now
    registrant.link_expires_at = expires
    logger.info("link reissued", extra={"registrant_id": registrant.id,
                                         "added_municipalities": sorted(codes)})
    link_mails.mail_link(registrant, link.token)
    return registrant


def _reread_links(registrant: Registrant, remove_held: Sequence[str]) -> bool:
    """After the registrant's condition failed: reads it again and returns whether retrying
    makes sense (it still exists and what else its condition checks still holds: then its
    links changed, or a concurrent write was in flight); the registrant object then holds
    what was read."""
    fresh = registrants.get(registrant.id)
    if fresh is None or not set(remove_held) <= set(fresh.held_municipalities or ()):
        return False
    registrant.link_hashes = fresh.link_hashes
    registrant.municipalities = fresh.municipalities
    registrant.held_municipalities = fresh.held_municipalities
    return True


def request_new_link(email: str, now: datetime | None = None) -> None:
    """Mails a fresh link when the address is known; silently does nothing otherwise."""
    registrant = registrants.find_by_email(email)
    if registrant is None:
        logger.info("new link requested for unknown address")
        return
    relink(registrant, (), now or datetime.now(UTC))


def resend_link(registrant: Registrant, extra: Extra = ()) -> None:
    relink(registrant, (), datetime.now(UTC), extra=extra)


def revoke_link(registrant: Registrant, extra: Extra = ()) -> None:
    """Every link stops working, and every session ends (on every device)."""
    _commit(registrant, [Registrant.link_hashes.set([]), Registrant.session_epoch.add(1),
                         Registrant.updated_at.set(datetime.now(UTC))], extra=extra)
    registrant.link_hashes = []


def approve(registrant: Registrant, code: str, extra: Extra = ()) -> Registrant:
    """Helpdesk approval of a held municipality: it becomes the registrant's and a fresh link
    is mailed (the first one for an account that had none). AlreadyHandled when the request
    is no longer open."""
    if code not in (registrant.held_municipalities or ()):
        raise AlreadyHandled()
    return relink(registrant, (code,), datetime.now(UTC), extra=extra,
                  remove_held=(code,))


def reject(registrant: Registrant, code: str, extra: Extra = ()) -> None:
    reject_all(registrant, (code,), extra)


def reject_all(registrant: Registrant, codes: Sequence[str], extra: Extra = ()) -> None:
    """Refuses the held `codes` in one transaction (the helpdesk's bulk refusal passes all of
    them); AlreadyHandled when one of them no longer waits."""
    if not codes or not set(codes) <= set(registrant.held_municipalities or ()):
        raise AlreadyHandled()
    now = datetime.now(UTC)
    actions, condition, deletes, updates = _held_changes(registrant, (), tuple(codes), now)
    _commit(registrant, [*actions, Registrant.updated_at.set(now)], condition,
            deletes=deletes, extra=extra, updates=updates)
    registrant.held_municipalities = (set(registrant.held_municipalities or ())
                                      - set(codes)) or None


def add_municipalities(registrant: Registrant, codes: Sequence[str],
                       now: datetime | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """From the start page, inside the session: the same domain check and hold as
    registration, in one transaction; no new link and no mail (the page says what happened).
    Returns (added now, waiting for the helpdesk)."""
    now = now or datetime.now(UTC)
    new = tuple(code for code in dict.fromkeys(codes)
                if code not in registrant.municipalities
                and code not in (registrant.held_municipalities or ()))
    if not new:
        return (), ()
    approved, held = email_domains.split(registrant.email, new)
    if len(held) + len(registrant.held_municipalities or ()) > MAX_HELD:
        raise TooManyHeld()
    held_actions, _, _, updates = _held_changes(registrant, held, (), now)
    actions: list[Any] = [Registrant.updated_at.set(now), *held_actions]
    if approved:
        actions.append(Registrant.municipalities.add(set(approved)))
    waiting = len(registrant.held_municipalities or ())
    waiting_as_read = size(Registrant.held_municipalities) == waiting if waiting else \
        Registrant.held_municipalities.does_not_exist()  # the cap holds as checked
    try:
        _commit(registrant, actions, waiting_as_read if held else None,
                saves=[Membership(code, registrant.id) for code in approved], updates=updates)
    except AlreadyHandled as refused:
        raise TooManyHeld() from refused
    registrant.municipalities = set(registrant.municipalities or ()) | set(approved)
    registrant.held_municipalities = (set(registrant.held_municipalities or ())
                                      | set(held)) or None
    logger.info("municipalities added in session", extra={"registrant_id": registrant.id,
                                                            "added": sorted(approved),
                                                            "held": sorted(held)})
    return approved, held
