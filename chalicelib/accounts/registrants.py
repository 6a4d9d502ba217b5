"""Reading registrants: by id, by the unique e-mail and personal-code look-ups (strongly
consistent, unlike a GSI), and who represents a municipality."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..platform.models import Lookup, Membership, Registrant
from . import personal_codes
from .contact_fields import mailbox


def get(registrant_id: str) -> Registrant | None:
    try:
        return Registrant.get(registrant_id, consistent_read=True)
    except DoesNotExist:
        return None


def email_key(email: str) -> str:
    """The unique look-up of an address: one per mailbox (contact_fields.mailbox), so an
    address with a `+tag` finds, and cannot become a second account beside, its owner's."""
    return f"email#{mailbox(email)}"


def find_by_email(email: str) -> Registrant | None:
    return _find(email_key(email))


def find_by_personal_code(code: str) -> Registrant | None:
    canonical = personal_codes.normalise(code)
    return _find(f"code#{canonical}") if canonical else None


def _find(lookup_key: str) -> Registrant | None:
    try:
        lookup = Lookup.get(lookup_key, consistent_read=True)
    except DoesNotExist:
        return None
    return get(lookup.registrant_id)


def by_ids(ids: list[str]) -> list[Registrant]:
    """Registrants by id, sorted by name (one BatchGetItem per 100)."""
    unique = sorted(set(ids))
    found = Registrant.batch_get(unique) if unique else []
    return sorted(found, key=lambda r: r.name.casefold())


def of_municipality(code: str) -> list[Registrant]:
    return by_ids([m.registrant_id for m in Membership.query(code)])
