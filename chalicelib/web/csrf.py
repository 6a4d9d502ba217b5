"""CSRF: a random nonce in an HttpOnly cookie; forms carry an HMAC of it (signed double
submit)."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from chalice.app import Request

from ..platform import config
from . import cookies

COOKIE = "ceo-csrf"
FIELD = "csrf_token"
COOKIE_SECONDS = 7 * 24 * 3600


def token_for(nonce: str, key: str | None = None) -> str:
    """The form token of `nonce`, signed with `key` (default: the current signing key)."""
    secret = (key or config.secret_key()).encode()
    return hmac.new(secret, f"csrf|{nonce}".encode(), hashlib.sha256).hexdigest()


def nonce_of(request: Request) -> str | None:
    nonce = cookies.read(request, COOKIE)
    return nonce if len(nonce) == 32 and nonce.isalnum() else None


def new_nonce() -> tuple[str, str]:
    """(nonce, the Set-Cookie value that stores it)."""
    nonce = secrets.token_hex(16)
    return nonce, cookies.set_cookie(COOKIE, nonce, COOKIE_SECONDS)


def renewed(nonce: str) -> str:
    return cookies.set_cookie(COOKIE, nonce, COOKIE_SECONDS)


def is_valid(request: Request, sent: str) -> bool:
    """A form rendered before a key rotation still posts: every key of the ring verifies."""
    nonce = nonce_of(request)
    return nonce is not None and any(
        hmac.compare_digest(sent.encode(), token_for(nonce, key).encode())
        for key in config.secret_keys())
