"""The pages of a helpdesk employee's first sign-in: choosing a password, then setting up the
authenticator app (QR code and the secret as text). Each step answers a Cognito challenge
whose session travels in a signed cookie of its own for 15 minutes (the app client keeps a
challenge that long); bad input gets the page back with a Dutch message (400)."""
from __future__ import annotations

import re

from chalice.app import Request, Response

from .. import web
from ..platform import audit
from ..web.cookies import SignedCookie
from . import access, onboarding
from .access import page
from .auth import SignIn

SETUP = SignedCookie("ceo-helpdesk-instellen", 15 * 60)
PAGES = {"NEW_PASSWORD_REQUIRED": "/helpdesk/nieuw-wachtwoord",
         "MFA_SETUP": "/helpdesk/authenticator"}
MAX_PASSWORD = 256


def begin(email: str, result: SignIn) -> Response:
    """From the sign-in form (or a step) to the page of the challenge Cognito asked for."""
    if result.kind == "SOFTWARE_TOKEN_MFA":
        return web.redirect("/helpdesk/code", [
            access.CHALLENGE.issue({"u": email, "s": result.challenge}),
            SETUP.clear()])
    return web.redirect(PAGES[result.kind], [
        SETUP.issue({"u": email, "s": result.challenge, "k": result.kind})])


def _pending(request: Request, kind: str) -> tuple[str, str] | None:
    data = SETUP.read(request)
    if not data or data.get("k") != kind or not isinstance(data.get("u"), str) or \
            not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


def _signed_in_or_next(request: Request, email: str, result: SignIn, step: str) -> Response:
    if result.user is not None:
        audit.record(result.user, f"ingelogd (eerste keer: {step})",
                     [audit.subject_helpdesk(result.user)])
        return web.redirect("/helpdesk", [access.start(result.user), SETUP.clear()])
    if result.challenge:
        return begin(email, result)
    return page(request, "sign_in.html", "Inloggen helpdesk", None, status=401, email=email,
                 errors={"email": result.error}, cookies_out=[SETUP.clear()])


def _password_page(request: Request, status: int = 200, errors: dict | None = None
                   ) -> Response:
    return page(request, "new_password.html", "Kies een wachtwoord", None, status=status,
                 errors=errors or {})


def new_password_form(request: Request) -> Response:
    if _pending(request, "NEW_PASSWORD_REQUIRED") is None:
        return web.redirect("/helpdesk/inloggen")
    return _password_page(request)


def new_password(request: Request) -> Response:
    form = web.posted(request)
    pending = _pending(request, "NEW_PASSWORD_REQUIRED")
    if pending is None:
        return web.redirect("/helpdesk/inloggen")
    email, session = pending
    password, again = form.first("wachtwoord")[:MAX_PASSWORD], form.first("herhaal")[:MAX_PASSWORD]
    if not password:
        return _password_page(request, 400, {"wachtwoord": "Kies een wachtwoord"})
    if password != again:
        return _password_page(request, 400, {"herhaal": "De twee wachtwoorden zijn niet gelijk"})
    result = onboarding.set_new_password(email, session, password,
                                         access.cognito_context(request))
    if result.error and result.kind == "NEW_PASSWORD_REQUIRED" and result.challenge:
        return _password_page(request, 400, {"wachtwoord": result.error})
    return _signed_in_or_next(request, email, result, "wachtwoord gekozen")


def _authenticator_page(request: Request, email: str, session: str, status: int = 200,
                        errors: dict | None = None) -> Response:
    """Asks Cognito for a secret on every showing (a reload gives a new one: the page says
    to scan again) and keeps the session that verifies it."""
    started = onboarding.start_authenticator(session)
    if started is None:
        return page(request, "sign_in.html", "Inloggen helpdesk", None, status=401,
                     email=email, errors={"email": onboarding.TOO_LATE},
                     cookies_out=[SETUP.clear()])
    secret, verify_with = started
    uri = onboarding.otpauth_uri(email, secret)
    return page(request, "authenticator.html", "Authenticator-app instellen", None,
                 status=status, errors=errors or {}, qr=onboarding.qr_svg(uri),
                 secret=onboarding.grouped(secret), uri=uri, email=email,
                 cookies_out=[SETUP.issue({"u": email, "s": verify_with, "k": "MFA_SETUP"})])


def authenticator_form(request: Request) -> Response:
    pending = _pending(request, "MFA_SETUP")
    if pending is None:
        return web.redirect("/helpdesk/inloggen")
    return _authenticator_page(request, *pending)


def authenticator(request: Request) -> Response:
    form = web.posted(request)
    pending = _pending(request, "MFA_SETUP")
    if pending is None:
        return web.redirect("/helpdesk/inloggen")
    email, session = pending
    code = re.sub(r"\s", "", form.first("code"))[:20]
    if not re.fullmatch(r"[0-9]{6}", code):
        return _authenticator_page(request, email, session, 400, {
            "code": "Vul de zes cijfers in die de app toont"})
    result = onboarding.confirm_authenticator(email, session, code,
                                            access.cognito_context(request))
    if result.error and result.kind == "MFA_SETUP" and result.challenge:
        return _authenticator_page(request, email, session, 400, {"code": result.error})
    return _signed_in_or_next(request, email, result, "authenticator-app ingesteld")
