"""Signing in to the helpdesk: e-mail and password (Cognito), the code from the authenticator
app, signing out. A first sign-in continues in onboarding_pages.py."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..platform import audit, config, rate_limits
from ..web.errors import client_ip
from . import access, auth, onboarding_pages
from .access import page


def sign_in_form(request: Request) -> Response:
    return page(request, "sign_in.html", "Inloggen helpdesk", None, errors={}, email="")


def sign_in(request: Request) -> Response:
    form = web.posted(request)
    rate_limits.hit("helpdesk-ip", client_ip(request), config.rate_limit_per_ip(),
                  datetime.now(UTC))
    email = form.first("email").strip().lower()[:254]
    password = form.first("wachtwoord")[:256]
    if not email or not password:
        return page(request, "sign_in.html", "Inloggen helpdesk", None, status=400,
                     email=email, errors={"email": "Vul uw e-mailadres en wachtwoord in"})
    result = auth.sign_in(email, password, access.cognito_context(request))
    if result.challenge and result.kind != "SOFTWARE_TOKEN_MFA":  # the first sign-in
        return onboarding_pages.begin(email, result)
    if result.challenge:
        return web.redirect("/helpdesk/code",
                            [access.CHALLENGE.issue({"u": email,
                                                                "s": result.challenge})])
    if result.user is None:
        return page(request, "sign_in.html", "Inloggen helpdesk", None, status=401,
                     email=email, errors={"email": result.error})
    audit.record(result.user, "ingelogd", [audit.subject_helpdesk(result.user)])
    return web.redirect("/helpdesk", [access.start(result.user)])


def mfa_form(request: Request) -> Response:
    if access.challenge(request) is None:
        return web.redirect("/helpdesk/inloggen")
    return page(request, "mfa.html", "Code uit uw authenticator-app", None, errors={})


def mfa(request: Request) -> Response:
    form = web.posted(request)
    pending = access.challenge(request)
    if pending is None:
        return web.redirect("/helpdesk/inloggen")
    code = form.first("code").strip()
    if not re.fullmatch(r"[0-9]{6}", code):
        return page(request, "mfa.html", "Code uit uw authenticator-app", None, status=400,
                     errors={"code": "Vul de zes cijfers uit uw authenticator-app in"})
    result = auth.answer_mfa(pending[0], pending[1], code, access.cognito_context(request))
    if result.user is None:
        return page(request, "sign_in.html", "Inloggen helpdesk", None, status=401,
                     email=pending[0], errors={"email": result.error})
    audit.record(result.user, "ingelogd (met tweestapsverificatie)",
                 [audit.subject_helpdesk(result.user)])
    return web.redirect("/helpdesk", [access.start(result.user),
                                      access.CHALLENGE.clear()])


def sign_out(request: Request) -> Response:
    web.posted(request)
    return web.redirect("/helpdesk/inloggen", [access.end(request)])
