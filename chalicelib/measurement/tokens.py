"""Single-use tokens: 128 bits from `secrets`; only their SHA-256 is ever stored."""
from __future__ import annotations

import hashlib
import re
import secrets

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")


def new() -> str:
    return secrets.token_urlsafe(16)  # 16 bytes = 128 bits, 22 characters


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_key(token: str) -> str:
    return f"t#{digest(token)}"


def looks_like(token: str) -> bool:
    return bool(TOKEN.match(token))
