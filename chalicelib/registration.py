"""Registering representatives and handing out personal links. Knows nothing about HTTP."""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping, Sequence

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import config, domains, links, mail, personal_codes
from .contact_fields import clean_email, clean_phone
from .logs import logger
from .models import HeldRequest, Lookup, Membership, Registrant, connection
from .municipalities import municipalities
from .text_input import clean_line

MAX_NAME_LENGTH = 100
MAX_MUNICIPALITIES = 40


@dataclass(frozen=True)
class NewRegistration:
    name: str
    email: str
    phone: str
    municipalities: tuple[str, ...]


@dataclass
class RegistrationForm:
    """What the user typed (kept for re-display) and, once valid, the cleaned values."""

    name: str = ""
    email: str = ""
    phone: str = ""
    municipalities: list[str] = field(default_factory=list)
    on_behalf: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    cleaned: NewRegistration | None = None


def validate_registration(fields: Mapping[str, Sequence[str]], year: int) -> RegistrationForm:
    """Checks every field; errors are keyed by field name in the order the form shows them."""

    def first(name: str) -> str:
        values = fields.get(name) or [""]
        return values[0]

    chosen = list(dict.fromkeys(fields.get("gemeente") or []))
    form = RegistrationForm(name=first("naam"), email=first("email"), phone=first("telefoon"),
                            municipalities=chosen, on_behalf=first("namens") == "ja")

    name, error = clean_line(form.name, "uw naam", MAX_NAME_LENGTH, min_length=2)
    if error:
        form.errors["naam"] = error
    email, error = clean_email(form.email)
    if error:
        form.errors["email"] = error
    phone, error = clean_phone(form.phone)
    if error:
        form.errors["telefoon"] = error

    known = municipalities(year)
    if not chosen:
        form.errors["gemeente"] = "Kies minstens één gemeente"
    elif len(chosen) > MAX_MUNICIPALITIES:
        form.errors["gemeente"] = f"Kies maximaal {MAX_MUNICIPALITIES} gemeenten"
    elif any(code not in known for code in chosen):
        form.errors["gemeente"] = "Kies gemeenten uit de lijst"
        form.municipalities = [code for code in chosen if code in known]

    if not form.on_behalf:
        form.errors["namens"] = ("Bevestig dat u zich aanmeldt namens de gemeente of gemeenten "
                                 "die u kiest")
    if not form.errors:
        form.cleaned = NewRegistration(name, email, phone, tuple(chosen))
    return form


def find_by_email(email: str) -> Registrant | None:
    return _find(f"email#{email}")


def find_by_personal_code(code: str) -> Registrant | None:
    canonical = personal_codes.normalise(code)
    return _find(f"code#{canonical}") if canonical else None


def _find(lookup_key: str) -> Registrant | None:
    try:
        lookup = Lookup.get(lookup_key, consistent_read=True)
        return Registrant.get(lookup.registrant_id, consistent_read=True)
    except DoesNotExist:
        return None


def get(registrant_id: str) -> Registrant | None:
    try:
        return Registrant.get(registrant_id, consistent_read=True)
    except DoesNotExist:
        return None


def register(new: NewRegistration, now: datetime | None = None) -> tuple[Registrant, tuple]:
    """Creates the account, or adds municipalities to the existing one for this address, and
    mails a fresh personal link either way (which revokes any earlier link). Municipalities
    whose domain does not match the address wait for the helpdesk; they are returned, and an
    account with nothing approved gets a "we check your registration" mail instead of a link.

    Name and phone of an existing account are kept: this form is not authenticated, so it may
    add municipalities (the link only goes to the address's owner) but not rewrite a profile.
    """
    now = now or datetime.now(timezone.utc)
    approved, held = domains.split(new.email, new.municipalities)
    for _ in range(5):
        existing = find_by_email(new.email)
        if existing is not None:
            held = tuple(c for c in held if c not in existing.municipalities)
            return _add_and_relink(existing, approved, now, held), held
        created = _create(new, approved, held, now)
        if created is not None:
            return created, held
    raise RuntimeError("could not register after repeated conflicts")


def _create(new: NewRegistration, approved: tuple[str, ...], held: tuple[str, ...],
            now: datetime) -> Registrant | None:
    """One transaction: the registrant and its two unique lookups. None when the address was
    taken meanwhile (the caller then adds to that account) or the random code collided."""
    registrant_id = links.new_registrant_id()
    link = links.issue(registrant_id) if approved else None
    registrant = Registrant(
        registrant_id, email=new.email, name=new.name, phone=new.phone,
        municipalities=set(approved), held_municipalities=set(held) or None,
        personal_code=personal_codes.new_code(),
        link_hash=link.secret_hash if link else None, link_issued_at=now if link else None,
        link_expires_at=config.link_expiry(now) if link else None, created_at=now,
        updated_at=now,
    )
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(registrant, condition=Registrant.id.does_not_exist())
            for key in (f"email#{new.email}", f"code#{registrant.personal_code}"):
                transaction.save(Lookup(key, registrant_id=registrant_id),
                                 condition=Lookup.key.does_not_exist())
            for code in approved:
                transaction.save(Membership(code, registrant_id))
            for code in held:
                transaction.save(_held_request(registrant, code, now))
    except TransactWriteError as error:
        logger.info("registration transaction cancelled, retrying",
                    extra={"reasons": [reason.code if reason else None
                                       for reason in (error.cancellation_reasons or [])]})
        return None
    logger.info("registrant created", extra={"registrant_id": registrant_id,
                                              "municipalities": sorted(approved),
                                              "held": sorted(held)})
    if link:
        _mail_link(registrant, link.token)
    else:
        _mail_held(registrant)
    return registrant


def _held_request(registrant: Registrant, code: str, now: datetime) -> HeldRequest:
    return HeldRequest("open", f"{registrant.id}#{code}", registrant_id=registrant.id,
                       municipality=code, email_domain=registrant.email.rsplit("@", 1)[-1],
                       created_at=now)


def _add_and_relink(registrant: Registrant, codes: Sequence[str], now: datetime,
                    held: Sequence[str] = ()) -> Registrant:
    if held:
        with HeldRequest.batch_write() as batch:
            for code in held:
                batch.save(_held_request(registrant, code, now))
    if not registrant.municipalities and not codes:
        # nothing approved yet: no link until the helpdesk approves
        if held:
            registrant.update(actions=[Registrant.held_municipalities.add(set(held))])
        _mail_held(registrant)
        return registrant
    link = links.issue(registrant.id)
    actions = [
        Registrant.link_hash.set(link.secret_hash),
        Registrant.link_issued_at.set(now),
        Registrant.link_expires_at.set(config.link_expiry(now)),
        Registrant.updated_at.set(now),
    ]
    if codes:
        actions.append(Registrant.municipalities.add(set(codes)))
    if held:
        actions.append(Registrant.held_municipalities.add(set(held)))
    registrant.update(actions=actions, condition=Registrant.id.exists())
    if codes:
        with Membership.batch_write() as batch:
            for code in codes:
                batch.save(Membership(code, registrant.id))
    logger.info("link reissued", extra={"registrant_id": registrant.id,
                                         "added_municipalities": sorted(codes)})
    _mail_link(registrant, link.token)
    return registrant


def request_new_link(email: str, now: datetime | None = None) -> None:
    """Mails a fresh link when the address is known; silently does nothing otherwise."""
    registrant = find_by_email(email)
    if registrant is None:
        logger.info("new link requested for unknown address")
        return
    _add_and_relink(registrant, (), now or datetime.now(timezone.utc))


def revoke_link(registrant: Registrant) -> None:
    """The current link stops working, and so does every session opened with it."""
    registrant.update(actions=[Registrant.link_hash.remove(),
                               Registrant.updated_at.set(datetime.now(timezone.utc))],
                      condition=Registrant.id.exists())


def _mail_held(registrant: Registrant) -> None:
    names = sorted(municipalities(config.municipality_year())[code].name
                   for code in (registrant.held_municipalities or ()))
    mail.send(registrant.email, subject="Uw aanmelding voor de Aanlevermodule CEO wordt "
              "gecontroleerd", template="registration_held",
              context={"name": registrant.name, "personal_code": registrant.personal_code,
                       "municipalities": names})


def approve(registrant: Registrant, codes: Sequence[str]) -> Registrant:
    """Helpdesk approval of held municipalities: they become the registrant's, and a link is
    mailed (a fresh one, which is also the first one for an account that had none)."""
    chosen = set(codes) & set(registrant.held_municipalities or ())
    if not chosen:
        return registrant
    registrant.update(actions=[Registrant.held_municipalities.delete(chosen)])
    clear_requests(registrant.id, chosen)
    return _add_and_relink(registrant, tuple(sorted(chosen)), datetime.now(timezone.utc))


def reject(registrant: Registrant, codes: Sequence[str]) -> None:
    chosen = set(codes) & set(registrant.held_municipalities or ())
    if chosen:
        registrant.update(actions=[Registrant.held_municipalities.delete(chosen)])
        clear_requests(registrant.id, chosen)


def clear_requests(registrant_id: str, codes: set[str]) -> None:
    with HeldRequest.batch_write() as batch:
        for code in codes:
            batch.delete(HeldRequest("open", f"{registrant_id}#{code}"))


def _mail_link(registrant: Registrant, token: str) -> None:
    year = config.municipality_year()
    names = sorted(municipalities(year)[code].name for code in registrant.municipalities
                   if code in municipalities(year))
    mail.send(
        registrant.email,
        subject=f"Uw persoonlijke link voor de Aanlevermodule CEO ({registrant.personal_code})",
        template="personal_link",
        context={
            "name": registrant.name,
            "link": f"{config.base_url()}/link/{token}",
            "personal_code": registrant.personal_code,
            "municipalities": names,
            "expires_at": registrant.link_expires_at,
            "new_link_url": f"{config.base_url()}/nieuwe-link",
        },
    )


LINK_OK, LINK_INVALID, LINK_EXPIRED = "ok", "invalid", "expired"


def check_link(token: str, now: datetime | None = None) -> tuple[str, Registrant | None]:
    """Whether a personal link may sign someone in. Reading it changes nothing, so mail
    scanners that open links first do not use them up."""
    parsed = links.parse(token)
    if parsed is None:
        return LINK_INVALID, None
    registrant = get(parsed[0])
    if registrant is None or not links.matches(parsed[1], registrant.link_hash):
        return LINK_INVALID, None
    if registrant.link_expires_at is None or registrant.link_expires_at <= (
            now or datetime.now(timezone.utc)):
        return LINK_EXPIRED, registrant
    return LINK_OK, registrant


def link_still_valid(registrant: Registrant, link_fingerprint: str, now: datetime) -> bool:
    """A session lives only as long as the link it was opened with."""
    return (bool(registrant.link_hash) and registrant.link_expires_at is not None
            and registrant.link_expires_at > now
            and hmac.compare_digest(registrant.link_hash[:16], link_fingerprint))
