"""Helpdesk sessions held server-side: one item per signed-in session. Signing out deletes it,
so a copied cookie is refused; every 15 minutes the user is checked with Cognito again, so a
disabled or removed employee loses access within that time, not after 8 hours."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist

from ..platform.models import HelpdeskSession
from . import auth

LIFETIME = timedelta(hours=8)
RECHECK_AFTER = timedelta(minutes=15)


def open_session(user: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    session_id = secrets.token_urlsafe(18)
    HelpdeskSession(session_id, user=user, checked_at=now,
                    expires_at=now + LIFETIME).save(
        condition=HelpdeskSession.id.does_not_exist())
    return session_id


def user_of(session_id: str, now: datetime | None = None) -> str | None:
    """The session's user while it holds; None once signed out, expired, or no longer
    allowed by Cognito (the session is then removed)."""
    now = now or datetime.now(UTC)
    try:
        session = HelpdeskSession.get(session_id, consistent_read=True)
    except DoesNotExist:
        return None
    if session.expires_at <= now:
        return None
    if now - session.checked_at >= RECHECK_AFTER:
        if not auth.still_allowed(session.user):
            close(session_id)
            return None
        session.update(actions=[HelpdeskSession.checked_at.set(now)])
    return session.user


def close(session_id: str) -> None:
    HelpdeskSession(session_id).delete()
