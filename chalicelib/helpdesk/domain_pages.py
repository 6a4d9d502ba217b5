"""Helpdesk pages for who may register at once: every trusted domain on one page, and trusting
or removing one from a municipality's page (its own domains and shared services are listed
there too)."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..accounts import trusted_domains
from ..platform import config
from ..platform.municipalities import municipalities
from . import actions, domains
from .access import code_or_404, page, require
from .municipality_pages import municipality_page


def overview(request: Request) -> Response:
    user = require(request)
    return page(request, "domains.html", "Vertrouwde e-maildomeinen", user,
                 trusted=trusted_domains.everything(),
                 names=municipalities(config.municipality_year()))


def trust(request: Request, code: str) -> Response:
    form = web.posted(request)
    user = require(request)
    code_or_404(code)
    try:
        domain = domains.trust(user, code, form.first("domein")[:300], form.first("reden"))
    except actions.ActionRefused as refused:
        status = 409 if "al vertrouwd" in str(refused) else 400
        return municipality_page(request, code, status=status, errors={"domein": str(refused)})
    return municipality_page(request, code, message=(
        f"{domain} wordt vertrouwd: adressen op dit domein worden voor deze gemeente meteen "
        "toegelaten."))


def remove(request: Request, code: str) -> Response:
    form = web.posted(request)
    user = require(request)
    code_or_404(code)
    domain = form.first("domein")
    try:
        domains.remove(user, code, domain, form.first("reden"))
    except actions.ActionRefused as refused:
        status = 409 if "iemand anders" in str(refused) else 400
        return municipality_page(request, code, status=status,
                                 errors={"domein-weg": str(refused)})
    return municipality_page(request, code, message=(
        f"{domain.strip().lower()} wordt niet meer vertrouwd; nieuwe aanmeldingen van dat domein "
        "wachten weer op controle. Wie al is toegelaten, blijft toegelaten."))
