"""Signed session cookies: the registrant id plus a fingerprint of the link that opened the
session, so a new or revoked link ends every session opened with the old one."""
from __future__ import annotations

from datetime import datetime, timezone

from chalice.app import Request

from . import config, registration, web
from .models import Registrant

SESSION_COOKIE = "ceo-sessie"


def _serializer() -> "itsdangerous.URLSafeTimedSerializer":  # noqa: F821
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(config.secret_key(), salt="ceo-session")


def start(registrant: Registrant) -> str:
    """The Set-Cookie value that signs `registrant` in."""
    value = _serializer().dumps({"r": registrant.id, "l": registrant.link_hash[:16]})
    return web.set_cookie(SESSION_COOKIE, value, config.session_max_age_seconds())


def end() -> str:
    return web.clear_cookie(SESSION_COOKIE)


def claim(request: Request) -> tuple[str, str] | None:
    """(registrant id, link fingerprint) from a valid, unexpired cookie; no database read."""
    from itsdangerous import BadData

    raw = web.cookies(request).get(web.cookie_name(SESSION_COOKIE))
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=config.session_max_age_seconds())
        return str(data["r"]), str(data["l"])
    except (BadData, KeyError, TypeError):
        return None


def expired_claim(request: Request) -> tuple[str, str] | None:
    """Who an expired (but genuinely signed, at most 30 days old) session belonged to: enough
    to keep their unsaved input for them, never enough to show or change anything."""
    from itsdangerous import BadData

    raw = web.cookies(request).get(web.cookie_name(SESSION_COOKIE))
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=30 * 24 * 3600)
        return str(data["r"]), str(data["l"])
    except (BadData, KeyError, TypeError):
        return None


def confirm(registrant: Registrant | None, claimed: tuple[str, str]) -> Registrant | None:
    """The registrant, if the link that opened this session is still the valid one."""
    if registrant is None or not registration.link_still_valid(
            registrant, claimed[1], datetime.now(timezone.utc)):
        return None
    return registrant


def current(request: Request) -> Registrant | None:
    claimed = claim(request)
    if claimed is None:
        return None
    return confirm(registration.get(claimed[0]), claimed)
