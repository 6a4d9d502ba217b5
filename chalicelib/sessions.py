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


def current(request: Request) -> Registrant | None:
    from itsdangerous import BadData

    raw = web.cookies(request).get(web.cookie_name(SESSION_COOKIE))
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=config.session_max_age_seconds())
        registrant_id, fingerprint = str(data["r"]), str(data["l"])
    except (BadData, KeyError, TypeError):
        return None
    registrant = registration.get(registrant_id)
    if registrant is None or not registration.link_still_valid(
            registrant, fingerprint, datetime.now(timezone.utc)):
        return None
    return registrant
