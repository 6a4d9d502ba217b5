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
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ..platform.models import Registrant

_TOKEN = re.compile(r"^(?P<rid>[0-9a-f]{32})\.(?P<secret>[A-Za-z0-9_-]{32})$")


@dataclass(frozen=True)
class IssuedLink:
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


def matches(secret: str, stored_hash: str | None) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_secret(secret), stored_hash or "")


def fingerprint(link_hash: str) -> str:
    """What a session cookie carries of the link that opened it."""
    return link_hash[:16]


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
    if registrant is None or not matches(parsed[1], registrant.link_hash):
        return LinkStatus.INVALID, None
    if registrant.link_expires_at is None or registrant.link_expires_at <= (
            now or datetime.now(UTC)):
        return LinkStatus.EXPIRED, registrant
    return LinkStatus.OK, registrant


def still_valid(registrant: Registrant, link_fingerprint: str, now: datetime) -> bool:
    """A session lives only as long as the link it was opened with."""
    return (bool(registrant.link_hash) and registrant.link_expires_at is not None
            and registrant.link_expires_at > now
            and hmac.compare_digest(fingerprint(registrant.link_hash or ""),
                                    str(link_fingerprint)))
