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
    return bool(stored_hash) and hmac.compare_digest(hash_secret(secret), stored_hash)
