"""Who is asking: the representative's session (a signed claim checked against the
registrant on every request, see accounts/signins.py) and the helpdesk's separate session and
MFA challenge. All are signed cookies.

The representative's cookie outlives its signature on purpose: the browser keeps sending an
expired or signed-out session's cookie for 30 days, so that a page posted after the session
ended can still be kept for the person it belongs to (never to show or change anything)."""
from __future__ import annotations

from chalice.app import Request

from ..accounts import registrants, signins
from ..helpdesk import signins as helpdesk_signins
from ..platform import config
from ..platform.models import Registrant
from . import cookies
from .cookies import SignedCookie


def _representative() -> SignedCookie:
    return SignedCookie("ceo-sessie", config.keep_ended_session_seconds())


HELPDESK = SignedCookie("ceo-helpdesk", 8 * 3600)
HELPDESK_CHALLENGE = SignedCookie("ceo-helpdesk-mfa", 300)


def start(registrant: Registrant) -> str:
    """The Set-Cookie value that signs `registrant` in."""
    return _representative().issue({"r": registrant.id, "s": signins.new_session_id(),
                                     "e": signins.epoch_of(registrant)})


def _claim(data: dict | None) -> signins.Claim | None:
    if data is None or not isinstance(data.get("r"), str) or \
            not isinstance(data.get("s"), str) or not isinstance(data.get("e"), int):
        return None
    return signins.Claim(data["r"], data["s"], data["e"])


def claim(request: Request) -> signins.Claim | None:
    """The claim of a genuine cookie within the session lifetime; no database read."""
    return _claim(_representative().read(request, max_age=config.session_max_age_seconds()))


def ended_claim(request: Request) -> signins.Claim | None:
    """Whose session this was, also when it expired or ended (at most 30 days ago): enough to
    keep unsaved input for them, never enough to show or change anything."""
    return _claim(_representative().read(request))


def current(request: Request) -> Registrant | None:
    claimed = claim(request)
    if claimed is None:
        return None
    registrant = registrants.get(claimed.registrant_id)
    return registrant if signins.holds(registrant, claimed) else None


def sign_out(request: Request) -> None:
    """Ends this session server-side; its cookie stays, refused, to keep late input."""
    claimed = claim(request)
    registrant = registrants.get(claimed.registrant_id) if claimed else None
    if claimed is not None and registrant is not None:
        signins.end(registrant, claimed.session_id)


def sign_out_everywhere(request: Request) -> bool:
    registrant = current(request)
    if registrant is None:
        return False
    signins.end_everywhere(registrant)
    return True


def start_helpdesk(user: str) -> str:
    """The Set-Cookie value of a new helpdesk session (held server-side)."""
    return HELPDESK.issue({"s": helpdesk_signins.open_session(user)})


def _helpdesk_session_id(request: Request) -> str | None:
    data = HELPDESK.read(request)
    return data["s"] if data and isinstance(data.get("s"), str) else None


def helpdesk_user(request: Request) -> str | None:
    session_id = _helpdesk_session_id(request)
    return helpdesk_signins.user_of(session_id) if session_id else None


def end_helpdesk(request: Request) -> str:
    """Ends the helpdesk session server-side; returns the cookie that clears it."""
    session_id = _helpdesk_session_id(request)
    if session_id:
        helpdesk_signins.close(session_id)
    return HELPDESK.clear()


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
