"""Helpdesk pages for a registrant's personal data: correcting name, e-mail and phone, and
erasing the registrant (AVG). Bad input gets the form back with Dutch messages (400); a page
that someone else acted on first says so (409) and changes nothing."""
from __future__ import annotations

import re

from chalice.app import Request, Response

from .. import web
from ..accounts import personal_data as account_data
from ..accounts import registrants
from ..platform import audit
from ..platform.models import Registrant
from . import audit_trail
from . import personal_data as helpdesk_data
from .access import page, registrant_or_404, require
from .actions import ActionRefused
from .registrant_pages import registrant_page

_REGISTRANT = re.compile(r"^[0-9a-f]{32}$")
ERASED_ACTION = "aanmelder verwijderd (persoonsgegevens gewist)"


def _form_of(registrant: Registrant) -> helpdesk_data.CorrectionForm:
    return helpdesk_data.CorrectionForm(name=registrant.name, email=registrant.email,
                                        phone=registrant.phone)


def _correction_page(request: Request, user: str, registrant: Registrant,
                     form: helpdesk_data.CorrectionForm, status: int = 200,
                     errors: dict | None = None) -> Response:
    return page(request, "correct.html", f"Gegevens corrigeren ({registrant.personal_code})",
                 user, status=status, registrant=registrant, form=form,
                 version=account_data.version_of(registrant), errors=errors or form.errors)


def _already_erased(registrant_id: str) -> bool:
    if not _REGISTRANT.match(registrant_id):
        return False
    return any(line.action == ERASED_ACTION
               for line in audit_trail.trail(audit.subject_registrant(registrant_id)))


def _gone(request: Request, user: str, registrant_id: str) -> Response:
    """The answer for an erased registrant: 409 saying so, else 404."""
    if not _already_erased(registrant_id):
        raise web.HttpError(404)
    return web.page(request, "message.html", status=409, title="Aanmelder al verwijderd",
                    helpdesk_user=user, next_steps=False, paragraphs=[
                        "Deze aanmelder is al verwijderd; iemand anders was u voor. Er is niets "
                        "gewijzigd.", "Het logboek van de gemeente vermeldt de verwijdering."])


def correction_form(request: Request, registrant_id: str) -> Response:
    user = require(request)
    registrant = registrant_or_404(registrant_id)
    return _correction_page(request, user, registrant, _form_of(registrant))


def correct(request: Request, registrant_id: str) -> Response:
    posted = web.posted(request)
    user = require(request)
    registrant = registrants.get(registrant_id) if _REGISTRANT.match(registrant_id) else None
    if registrant is None:
        return _gone(request, user, registrant_id)
    form = helpdesk_data.validate(posted.first("naam"), posted.first("email"),
                                  posted.first("telefoon"), posted.first("reden"))
    if form.errors:
        return _correction_page(request, user, registrant, form, status=400)
    try:
        fresh, changed = helpdesk_data.correct(user, registrant, posted.first("versie"), form)
    except ActionRefused as refused:
        message = str(refused)
        if message == helpdesk_data.STALE:  # show what is stored now, with the warning
            current = registrants.get(registrant.id)
            if current is None:
                return _gone(request, user, registrant_id)
            return _correction_page(request, user, current, _form_of(current), status=409,
                                    errors={"naam": message})
        field = "email" if "e-mailadres hoort al" in message else "naam"
        status = 409 if field == "email" else 400
        return _correction_page(request, user, registrant, form, status=status,
                                errors={field: message})
    message = f"Gecorrigeerd: {', '.join(changed)}."
    if "e-mailadres" in changed:
        message += (f" Er is een nieuwe persoonlijke link gestuurd naar {fresh.email}"
                    if fresh.municipalities else " Er is nog geen gemeente goedgekeurd, dus "
                    "nog geen link") + "; links naar het oude adres werken niet meer."
    return registrant_page(request, registrant.id, message=message)


def _erase_page(request: Request, user: str, registrant: Registrant, status: int = 200,
                reason: str = "", errors: dict | None = None) -> Response:
    return page(request, "erase.html", f"Aanmelder {registrant.personal_code} verwijderen",
                 user, status=status, registrant=registrant, reason=reason,
                 version=account_data.version_of(registrant), errors=errors or {})


def confirm_erase(request: Request, registrant_id: str) -> Response:
    user = require(request)
    return _erase_page(request, user, registrant_or_404(registrant_id))


def erase(request: Request, registrant_id: str) -> Response:
    posted = web.posted(request)
    user = require(request)
    registrant = registrants.get(registrant_id) if _REGISTRANT.match(registrant_id) else None
    if registrant is None:
        return _gone(request, user, registrant_id)
    reason = posted.first("reden").strip()[:1000]
    errors = {}
    if not reason:
        errors["reden"] = "Geef een reden op; die komt in het logboek"
    if posted.first("bevestig") != "ja":
        errors["bevestig"] = "Vink aan dat u de persoonsgegevens wilt verwijderen"
    if errors:
        return _erase_page(request, user, registrant, status=400, reason=reason, errors=errors)
    try:
        helpdesk_data.erase(user, registrant, reason, seen_version=posted.first("versie"))
    except ActionRefused as refused:
        if registrants.get(registrant.id) is None:
            return _gone(request, user, registrant_id)
        return _erase_page(request, user, registrant, status=409, reason=reason,
                           errors={"reden": str(refused)})
    return web.page(request, "message.html", title="Aanmelder verwijderd", helpdesk_user=user,
                    next_steps=False, paragraphs=[
                        f"De persoonsgegevens van aanmelder {registrant.personal_code} zijn "
                        "gewist. Verzonden aanleveringen blijven bewaard onder die persoonlijke "
                        "code.", "De verwijdering staat in het logboek van de gemeente(n)."])
