"""Personal links: `<registrant id>.<secret>`; only a SHA-256 of the secret is stored.

The secret has 192 bits from `secrets`, so a plain hash is enough (no slow KDF is needed), and
the registrant id in front lets a visit be checked with one strongly consistent GetItem.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import UTC, datetime
from enum import StrEnum

from ..platform.models import Registrant
from ..platform.records import Record

_TOKEN = re.compile(r"^(?P<rid>[0-9a-f]{32})\.(?P<secret>[A-Za-z0-9_-]{32})$")


class IssuedLink(Record, frozen=True):
    token: str
    secret_hash: str


def new_registrant_id() -> str:
    return uuid.uuid4().hex


def issue(registrant_id: str) -> IssuedLink:
    secret = secrets.token_urlsafe(24)
    return IssuedLink(token=f"{registrant_id}.{secret}", secret_hash=hash_secret(secret))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def parse(token: str) -> tuple[str, str] | None:
    """(registrant id, secret) of a well-formed token, else None."""
    match = _TOKEN.match(token or "")
    return (match["rid"], match["secret"]) if match else None


KEEP_LINKS = 5  # a new link adds to the ones still in the person's mailbox; older ones lapse


def matches(secret: str, stored_hashes: list[str] | None) -> bool:
    """Whether the secret is one of the valid links' (compared in constant time each)."""
    digest = hash_secret(secret)
    # a list, not a generator: every stored hash is compared, wherever the match is
    return any([hmac.compare_digest(digest, stored) for stored in stored_hashes or []])  # noqa: C419


def with_new(stored_hashes: list[str] | None, new_hash: str) -> list[str]:
    return [new_hash, *(stored_hashes or [])][:KEEP_LINKS]


class LinkStatus(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"


def check(token: str, now: datetime | None = None) -> tuple[LinkStatus, Registrant | None]:
    """Whether a personal link may sign someone in. Reading it changes nothing, so mail
    scanners that open links first do not use them up."""
    from . import registrants

    parsed = parse(token)
    if parsed is None:
        return LinkStatus.INVALID, None
    registrant = registrants.get(parsed[0])
    if registrant is None or not matches(parsed[1], registrant.link_hashes):
        return LinkStatus.INVALID, None
    if registrant.link_expires_at is None or registrant.link_expires_at <= (
            now or datetime.now(UTC)):
        return LinkStatus.EXPIRED, registrant
    return LinkStatus.OK, registrant
