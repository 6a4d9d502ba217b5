"""Helpdesk pages; every route starts with `_require` (a server-side check of the helpdesk's
own signed session)."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..accounts import rate_limits, registrants, trusted_domains
from ..delivery import four_eyes, history, views, window
from ..platform import config
from ..platform.models import Registrant
from ..platform.municipalities import is_code, municipalities
from ..publication import reconcile
from ..web import sessions
from ..web.errors import client_ip
from ..web.responses import download
from . import actions as helpdesk
from . import audit, auth, domains, exceptions, export

_REGISTRANT = re.compile(r"^[0-9a-f]{32}$")


def _require(request: Request) -> str:
    """The signed-in helpdesk user, or 401 (checked on every route)."""
    user = sessions.helpdesk_user(request)
    if user is None:
        raise web.HttpError(401, "Deze pagina is alleen voor de helpdesk. Meld u aan via "
                                 "/helpdesk/inloggen.")
    return user


def _page(request: Request, template: str, title: str, user: str | None, status: int = 200,
          cookies_out: list[str] | None = None, **context) -> Response:
    return web.page(request, f"helpdesk/{template}", status=status, title=title,
                    helpdesk_user=user, cookies_out=cookies_out, **context)


def sign_in_form(request: Request) -> Response:
    return _page(request, "sign_in.html", "Inloggen helpdesk", None, errors={}, email="")


def sign_in(request: Request) -> Response:
    form = web.posted(request)
    rate_limits.hit("helpdesk-ip", client_ip(request), config.rate_limit_per_ip(),
                  datetime.now(UTC))
    email = form.first("email").strip().lower()[:254]
    password = form.first("wachtwoord")[:256]
    if not email or not password:
        return _page(request, "sign_in.html", "Inloggen helpdesk", None, status=400,
                     email=email, errors={"email": "Vul uw e-mailadres en wachtwoord in"})
    result = auth.sign_in(email, password)
    if result.challenge and result.kind != "SOFTWARE_TOKEN_MFA":  # the first sign-in
        from .onboarding_pages import begin

        return begin(email, result)
    if result.challenge:
        return web.redirect("/helpdesk/code",
                            [sessions.HELPDESK_CHALLENGE.issue({"u": email,
                                                                "s": result.challenge})])
    if result.user is None:
        return _page(request, "sign_in.html", "Inloggen helpdesk", None, status=401,
                     email=email, errors={"email": result.error})
    audit.record(result.user, "ingelogd", [f"helpdesk#{result.user}"])
    return web.redirect("/helpdesk", [sessions.start_helpdesk(result.user)])


def mfa_form(request: Request) -> Response:
    if sessions.helpdesk_challenge(request) is None:
        return web.redirect("/helpdesk/inloggen")
    return _page(request, "mfa.html", "Code uit uw authenticator-app", None, errors={})


def mfa(request: Request) -> Response:
    form = web.posted(request)
    pending = sessions.helpdesk_challenge(request)
    if pending is None:
        return web.redirect("/helpdesk/inloggen")
    code = form.first("code").strip()
    if not re.fullmatch(r"[0-9]{6}", code):
        return _page(request, "mfa.html", "Code uit uw authenticator-app", None, status=400,
                     errors={"code": "Vul de zes cijfers uit uw authenticator-app in"})
    result = auth.answer_mfa(pending[0], pending[1], code)
    if result.user is None:
        return _page(request, "sign_in.html", "Inloggen helpdesk", None, status=401,
                     email=pending[0], errors={"email": result.error})
    audit.record(result.user, "ingelogd (met tweestapsverificatie)", [f"helpdesk#{result.user}"])
    return web.redirect("/helpdesk", [sessions.start_helpdesk(result.user),
                                      sessions.HELPDESK_CHALLENGE.clear()])


def sign_out(request: Request) -> Response:
    web.posted(request)
    return web.redirect("/helpdesk/inloggen", [sessions.end_helpdesk(request)])


def search(request: Request, status: int = 200, message: str | None = None,
           errors: dict | None = None) -> Response:
    user = _require(request)
    query = web.query(request).get("q", "")[:200]
    found = helpdesk.lookup(query) if query.strip() else None
    held = helpdesk.held_requests()
    people = {r.id: r for r in registrants.by_ids([h.registrant_id for h in held])}
    cycle = config.current_cycle()
    return _page(request, "search.html", "Helpdesk", user, status=status, query=query,
                 found=found, cycle=cycle, held=held, people=people, message=message,
                 errors=errors or {}, names=municipalities(config.municipality_year()),
                 publication_trail=audit.trail(reconcile.subject_publication(cycle))[:10],
                 retention_mode=config.retention_schedule(),
                 retention_trail=audit.trail(audit.SUBJECT_RETENTION)[:5])


RECONCILE_STARTED = ("De controle van de publicatie is gestart: wat achterloopt, wordt opnieuw "
                     "gepubliceerd. Het resultaat staat binnen een minuut in het logboek; "
                     "vernieuw dan deze pagina.")


def reconcile_cycle(request: Request) -> Response:
    """The button on the helpdesk's start page: the whole cycle's feed checked and repaired."""
    web.posted(request)
    user = _require(request)
    try:
        helpdesk.request_reconcile(user, config.current_cycle(), None)
    except helpdesk.ActionRefused as refused:
        return search(request, status=503, errors={"publicatie": str(refused)})
    return search(request, message=RECONCILE_STARTED)


def reconcile_municipality(request: Request, code: str) -> Response:
    """The button on a municipality's page: its publication checked and repaired."""
    web.posted(request)
    user = _require(request)
    _code_or_404(code)
    try:
        helpdesk.request_reconcile(user, config.current_cycle(), [code])
    except helpdesk.ActionRefused as refused:
        return municipality_page(request, code, status=503, errors={"publicatie": str(refused)})
    return municipality_page(request, code, message=RECONCILE_STARTED)


def _registrant_or_404(registrant_id: str) -> Registrant:
    found = registrants.get(registrant_id) if _REGISTRANT.match(registrant_id) else None
    if found is None:
        raise web.HttpError(404)
    return found


def registrant_page(request: Request, registrant_id: str, status: int = 200,
                    message: str | None = None, errors: dict | None = None) -> Response:
    user = _require(request)
    registrant = _registrant_or_404(registrant_id)
    known = municipalities(config.municipality_year())
    cycle = config.current_cycle()
    rows = []
    drafts = helpdesk.drafts_of(registrant, cycle)
    for code in sorted(registrant.municipalities):
        info = helpdesk.overview(code, cycle)
        rows.append({"code": code, "name": known[code].name if code in known else code,
                     "draft": drafts.get(code), **info})
    return _page(request, "registrant.html", f"{registrant.name} ({registrant.personal_code})",
                 user, status=status, registrant=registrant, rows=rows, message=message,
                 names=known, public_domain=trusted_domains.is_public(
                     trusted_domains.domain_of(registrant.email)),
                 errors=errors or {}, trail=audit.trail(audit.subject_registrant(registrant.id)))


def resend_link(request: Request, registrant_id: str) -> Response:
    web.posted(request)
    user = _require(request)
    registrant = _registrant_or_404(registrant_id)
    helpdesk.resend_link(user, registrant)
    return registrant_page(request, registrant_id, message=(
        f"Er is een nieuwe link gestuurd naar {registrant.email}. Eerdere links blijven "
        "werken; trek de link in om ze allemaal te laten vervallen."))


def revoke_link(request: Request, registrant_id: str) -> Response:
    form = web.posted(request)
    user = _require(request)
    registrant = _registrant_or_404(registrant_id)
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
    user = _require(request)
    registrant = _registrant_or_404(registrant_id)
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


def _code_or_404(code: str) -> str:
    if not is_code(code) or code not in municipalities(config.municipality_year()):
        raise web.HttpError(404)
    return code


def municipality_page(request: Request, code: str, status: int = 200,
                      message: str | None = None, errors: dict | None = None,
                      cycle: int | None = None) -> Response:
    """One cycle of a municipality (`?jaar=`, default the current one), with the earlier
    cycles that have deliveries a click away."""
    user = _require(request)
    _code_or_404(code)
    errors = dict(errors or {})
    current = config.current_cycle()
    if cycle is None:
        asked = web.query(request).get("jaar", "").strip()
        cycle = current
        if asked.isascii() and asked.isdigit() and current - 10 <= int(asked) <= current:
            cycle = int(asked)
        elif asked:
            errors["jaar"] = f"Kies een verantwoordingsjaar van {current - 10} tot en met {current}"
            status = 400
    name = municipalities(config.municipality_year())[code].name
    states = history.states_by_cycle(code, list(range(current, current - 11, -1)))
    return _page(request, "municipality.html", f"{name} ({code})", user, status=status,
                 code=code, name=name, cycle=cycle, message=message, errors=errors,
                 trail=audit.trail(audit.subject_municipality(code)),
                 cycles=sorted((c for c, s in states.items() if s.last_sequence), reverse=True),
                 current_cycle=current, allowance=exceptions.of(states.get(current)),
                 last_day=window.last_day(), domains=domains.of_municipality(code),
                 four_eyes=four_eyes.required(code),
                 coordinators=four_eyes.coordinator_ids(code),
                 **helpdesk.overview(code, cycle))


def _cycle_of(delivery_id: str) -> int:
    """The cycle a delivery number names (GM0014-2025-2: 2025), else the current one."""
    parsed = views.parse_number(delivery_id)
    return parsed[1] if parsed else config.current_cycle()


def _withdraw_page(request: Request, user: str, code: str, delivery_id: str,
                   status: int = 200, reason: str = "", errors: dict | None = None) -> Response:
    """The confirmation names what counts afterwards and links to what would change; a number
    that is no delivery of this municipality has no confirmation (404)."""
    if views.numbered(code, delivery_id) is None:
        raise web.HttpError(404)
    current, after = views.after_withdrawal(code, _cycle_of(delivery_id))
    return _page(request, "withdraw.html", f"Aanlevering {delivery_id} intrekken", user,
                 status=status, code=code, delivery_id=delivery_id[:40], errors=errors or {},
                 reason=reason, current=current, after=after)


def confirm_withdraw(request: Request, code: str, delivery_id: str) -> Response:
    user = _require(request)
    _code_or_404(code)
    return _withdraw_page(request, user, code, delivery_id)


def withdraw(request: Request, code: str, delivery_id: str) -> Response:
    form = web.posted(request)
    user = _require(request)
    _code_or_404(code)
    reason = form.first("reden").strip()[:1000]
    if not reason:
        return _withdraw_page(request, user, code, delivery_id, status=400, reason=reason,
                              errors={"reden": "Geef een reden op; die komt in het logboek en "
                                               "in de e-mail aan de gemeente"})
    try:
        helpdesk.withdraw(user, code, _cycle_of(delivery_id), delivery_id, reason)
    except helpdesk.ActionRefused as refused:
        return municipality_page(request, code, status=409, errors={"actie": str(refused)},
                                 cycle=_cycle_of(delivery_id))
    return municipality_page(request, code, cycle=_cycle_of(delivery_id), message=(
        f"Aanlevering {delivery_id} is ingetrokken. De publicatiesite wordt binnen enkele "
        "seconden bijgewerkt."))


def restore(request: Request, code: str, delivery_id: str) -> Response:
    form = web.posted(request)
    user = _require(request)
    _code_or_404(code)
    try:
        helpdesk.restore(user, code, _cycle_of(delivery_id), delivery_id,
                         form.first("reden")[:1000])
    except helpdesk.ActionRefused as refused:
        return municipality_page(request, code, status=409, errors={"actie": str(refused)},
                                 cycle=_cycle_of(delivery_id))
    return municipality_page(request, code, cycle=_cycle_of(delivery_id),
                             message=f"Aanlevering {delivery_id} is hersteld.")


def send_back(request: Request, code: str, delivery_id: str) -> Response:
    """Four-eyes: the helpdesk sends a waiting delivery back (e.g. no coordinator can approve
    it any more); the sender gets the reason."""
    form = web.posted(request)
    user = _require(request)
    _code_or_404(code)
    parsed = views.parse_number(delivery_id)
    if parsed is None or parsed[0] != code:
        raise web.HttpError(404)
    try:
        four_eyes.send_back(code, parsed[1], parsed[2], form.first("reden")[:1001], user, None)
    except four_eyes.Refused as refused:
        return municipality_page(request, code, status=refused.status,
                                 errors={"actie": str(refused)}, cycle=parsed[1])
    return municipality_page(request, code, cycle=parsed[1],
                             message=f"Aanlevering {delivery_id} is teruggestuurd.")


def set_four_eyes(request: Request, code: str) -> Response:
    """Four-eyes on or off and who is coordinator, as the municipality asked."""
    form = web.posted(request)
    user = _require(request)
    _code_or_404(code)
    switch = form.first("vier_ogen")
    if switch not in ("aan", "uit"):
        return municipality_page(request, code, status=400,
                                 errors={"vier_ogen": "Kies of vier ogen aan of uit staat."})
    try:
        changed = four_eyes.configure(code, user, switch == "aan",
                                      set(form.fields.get("coordinator", [])[:500]))
    except four_eyes.Refused as refused:
        return municipality_page(request, code, status=refused.status,
                                 errors={"vier_ogen": str(refused)})
    return municipality_page(request, code, message=("Vier ogen: " + "; ".join(changed) + ".")
                             if changed else "Er is niets gewijzigd.")


def audit_csv(request: Request, kind: str, key: str) -> Response:
    _require(request)
    if kind == "gemeente":
        subject = audit.subject_municipality(_code_or_404(key))
    else:
        subject = audit.subject_registrant(_registrant_or_404(key).id)
    return download(audit.as_csv(audit.trail(subject)), "text/csv; charset=utf-8",
                    f"logboek-{key}.csv")


def export_file(request: Request, cycle: str, extension: str) -> Response:
    user = _require(request)
    if not (cycle.isascii() and cycle.isdigit() and len(cycle) == 4) or \
            extension not in ("csv", "json"):
        raise web.HttpError(404)
    audit.record(user, f"export {cycle} ({extension})", [f"helpdesk#{user}"])
    if extension == "json":
        return download(json.dumps(export.as_json(int(cycle)), ensure_ascii=False),
                        "application/json; charset=utf-8", f"ceo-{cycle}.json")
    return download(export.as_csv(int(cycle)), "text/csv; charset=utf-8", f"ceo-{cycle}.csv")
