"""The helpdesk's access check and page frame: its own signed session (held server-side,
helpdesk/signins.py) and MFA challenge cookies, `require` that every helpdesk route starts
with, and `page`, the frame every helpdesk page is rendered in."""
from __future__ import annotations

import re

from chalice.app import Request, Response

from .. import web
from ..accounts import registrants
from ..platform import config
from ..platform.models import Registrant
from ..platform.municipalities import is_code, municipalities
from ..web.cookies import SignedCookie
from . import signins

SESSION = SignedCookie("ceo-helpdesk", 8 * 3600)
CHALLENGE = SignedCookie("ceo-helpdesk-mfa", 300)


def cognito_context(request: Request) -> dict:
    """The sign-in request as Cognito's threat protection should see it (auth.context_data)."""
    from ..web.errors import client_ip
    from . import auth

    headers = dict(request.headers or {})
    return auth.context_data(client_ip(request), headers.get("host", ""),
                             str((request.context or {}).get("resourcePath", "")), headers)


def start(user: str) -> str:
    """The Set-Cookie value of a new helpdesk session (held server-side)."""
    return SESSION.issue({"s": signins.open_session(user)})


def _session_id(request: Request) -> str | None:
    data = SESSION.read(request)
    return data["s"] if data and isinstance(data.get("s"), str) else None


def user_of(request: Request) -> str | None:
    session_id = _session_id(request)
    return signins.user_of(session_id) if session_id else None


def end(request: Request) -> str:
    """Ends the helpdesk session server-side; returns the cookie that clears it."""
    session_id = _session_id(request)
    if session_id:
        signins.close(session_id)
    return SESSION.clear()


def challenge(request: Request) -> tuple[str, str] | None:
    """(user, Cognito session) of a sign-in waiting for its TOTP code."""
    data = CHALLENGE.read(request)
    if not data or not isinstance(data.get("u"), str) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


_REGISTRANT = re.compile(r"^[0-9a-f]{32}$")


def require(request: Request) -> str:
    """The signed-in helpdesk user, or 401 (checked on every route)."""
    user = user_of(request)
    if user is None:
        raise web.HttpError(401, "Deze pagina is alleen voor de helpdesk. Meld u aan via "
                                 "/helpdesk/inloggen.")
    return user


def page(request: Request, template: str, title: str, user: str | None, status: int = 200,
         cookies_out: list[str] | None = None, **context) -> Response:
    return web.page(request, f"helpdesk/{template}", status=status, title=title,
                    helpdesk_user=user, cookies_out=cookies_out, **context)


def code_or_404(code: str) -> str:
    if not is_code(code) or code not in municipalities(config.municipality_year()):
        raise web.HttpError(404)
    return code


def registrant_or_404(registrant_id: str) -> Registrant:
    found = registrants.get(registrant_id) if _REGISTRANT.match(registrant_id) else None
    if found is None:
        raise web.HttpError(404)
    return found
