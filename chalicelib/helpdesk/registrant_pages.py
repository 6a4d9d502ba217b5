"""A registrant as the helpdesk sees them: their municipalities and drafts, links to resend
or revoke, held municipalities to approve or reject, the audit trail."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..accounts import trusted_domains
from ..platform import audit, config
from ..platform.municipalities import municipalities
from . import actions as helpdesk
from . import audit_trail
from .access import page, registrant_or_404, require


def registrant_page(request: Request, registrant_id: str, status: int = 200,
                    message: str | None = None, errors: dict | None = None) -> Response:
    user = require(request)
    registrant = registrant_or_404(registrant_id)
    known = municipalities(config.municipality_year())
    cycle = config.current_cycle()
    rows = []
    drafts = helpdesk.drafts_of(registrant, cycle)
    for code in sorted(registrant.municipalities):
        info = helpdesk.overview(code, cycle)
        rows.append({"code": code, "name": known[code].name if code in known else code,
                     "draft": drafts.get(code), **info})
    return page(request, "registrant.html", f"{registrant.name} ({registrant.personal_code})",
                 user, status=status, registrant=registrant, rows=rows, message=message,
                 names=known, public_domain=trusted_domains.is_public(
                     trusted_domains.domain_of(registrant.email)),
                 errors=errors or {},
                 trail=audit_trail.trail(audit.subject_registrant(registrant.id)))


def resend_link(request: Request, registrant_id: str) -> Response:
    web.posted(request)
    user = require(request)
    registrant = registrant_or_404(registrant_id)
    helpdesk.resend_link(user, registrant)
    return registrant_page(request, registrant_id, message=(
        f"Er is een nieuwe link gestuurd naar {registrant.email}. Eerdere links blijven "
        "werken; trek de link in om ze allemaal te laten vervallen."))


def revoke_link(request: Request, registrant_id: str) -> Response:
    form = web.posted(request)
    user = require(request)
    registrant = registrant_or_404(registrant_id)
    try:
        helpdesk.revoke_link(user, registrant, form.first("reden"))
    except helpdesk.ActionRefused as refused:
        return registrant_page(request, registrant_id, status=400,
                               errors={"reden": str(refused)})
    return registrant_page(request, registrant_id, message="De link is ingetrokken. "
                           "Sessies die ermee zijn geopend, zijn beëindigd.")


MEMBERSHIP_ACTIONS = {"goedkeuren", "afwijzen", "gemeente-toevoegen", "gemeente-verwijderen"}


def membership_action(request: Request, registrant_id: str, action: str) -> Response:
    """Approve/reject a held municipality, or add/remove one, with the audit trail."""
    form = web.posted(request)
    user = require(request)
    registrant = registrant_or_404(registrant_id)
    if action not in MEMBERSHIP_ACTIONS:
        raise web.HttpError(404)
    code = form.first("gemeente").strip().upper()
    reason = form.first("reden").strip()[:1000]
    if code not in municipalities(config.municipality_year()):
        return registrant_page(request, registrant_id, status=400,
                               errors={"gemeente": "Kies een gemeente (CBS-code, zoals GM0014)"})
    try:
        if action == "goedkeuren":
            trust = form.first("vertrouw_domein") == "ja"
            helpdesk.approve(user, registrant, code, trust_domain=trust)
            message = "Goedgekeurd; de aanmelder krijgt een e-mail met een persoonlijke link."
            if trust:
                message += (f" Adressen op {registrant.email.rsplit('@', 1)[1]} worden voortaan "
                            "voor deze gemeente meteen toegelaten.")
        elif action == "afwijzen":
            helpdesk.reject(user, registrant, code, reason)
            message = "Afgewezen."
        else:
            helpdesk.set_membership(user, registrant, code, action == "gemeente-toevoegen",
                                    reason)
            message = "Gemeente toegevoegd." if action == "gemeente-toevoegen" else \
                "Gemeente verwijderd; concepten en aanleveringen blijven bewaard."
    except helpdesk.ActionRefused as refused:
        return registrant_page(request, registrant_id, status=400, errors={"reden": str(refused)})
    return registrant_page(request, registrant_id, message=message)
