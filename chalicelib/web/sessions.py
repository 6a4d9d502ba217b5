"""Who is asking: the representative's session (registrant id plus a fingerprint of the link
that opened it, so a new or revoked link ends every session opened with the old one) and the
helpdesk's separate session and MFA challenge. All are signed cookies; none is read from a
database here except to confirm the link is still the valid one."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request

from ..accounts import links, registrants
from ..platform import config
from ..platform.models import Registrant
from . import cookies
from .cookies import SignedCookie

KEEP_EXPIRED_FOR = 30 * 24 * 3600


def _representative() -> SignedCookie:
    return SignedCookie("ceo-sessie", config.session_max_age_seconds())


HELPDESK = SignedCookie("ceo-helpdesk", 8 * 3600)
HELPDESK_CHALLENGE = SignedCookie("ceo-helpdesk-mfa", 300)


def start(registrant: Registrant) -> str:
    """The Set-Cookie value that signs `registrant` in."""
    return _representative().issue({"r": registrant.id,
                                     "l": links.fingerprint(registrant.link_hash or "")})


def end() -> str:
    return _representative().clear()


def _pair(data: dict | None) -> tuple[str, str] | None:
    if data is None or not isinstance(data.get("r"), str) or not isinstance(data.get("l"), str):
        return None
    return data["r"], data["l"]


def claim(request: Request) -> tuple[str, str] | None:
    """(registrant id, link fingerprint) from a valid, unexpired cookie; no database read."""
    return _pair(_representative().read(request))


def expired_claim(request: Request) -> tuple[str, str] | None:
    """Who an expired (but genuinely signed, at most 30 days old) session belonged to: enough
    to keep their unsaved input for them, never enough to show or change anything."""
    return _pair(_representative().read(request, max_age=KEEP_EXPIRED_FOR))


def confirm(registrant: Registrant | None, claimed: tuple[str, str]) -> Registrant | None:
    """The registrant, if the link that opened this session is still the valid one."""
    if registrant is None or not links.still_valid(registrant, claimed[1],
                                                   datetime.now(UTC)):
        return None
    return registrant


def current(request: Request) -> Registrant | None:
    claimed = claim(request)
    if claimed is None:
        return None
    return confirm(registrants.get(claimed[0]), claimed)


def helpdesk_user(request: Request) -> str | None:
    data = HELPDESK.read(request)
    return str(data["u"]) if data and isinstance(data.get("u"), str) else None


def helpdesk_challenge(request: Request) -> tuple[str, str] | None:
    """(user, Cognito session) of a sign-in waiting for its TOTP code."""
    data = HELPDESK_CHALLENGE.read(request)
    if not data or not isinstance(data.get("u"), str) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


# Input posted after a session ended is kept server-side; this cookie names it for the browser
# that posted it, so following the link again in that browser leads back to it.
KEPT_INPUT_COOKIE = "ceo-terug"


def kept_input_id(request: Request) -> str:
    return cookies.read(request, KEPT_INPUT_COOKIE)[:64]
