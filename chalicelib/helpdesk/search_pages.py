"""The helpdesk's start page: search for a municipality or a person, the held registrations,
the publication and retention trails; the cycle's reconcile button and exports."""
from __future__ import annotations

import json

from chalice.app import Request, Response

from .. import web
from ..accounts import registrants
from ..platform import audit, config, instruments, private_files
from ..platform.municipalities import municipalities
from ..publication import reconcile
from ..web.responses import download, to_private_file
from . import actions as helpdesk
from . import audit_trail, export
from .access import page, require


def search(request: Request, status: int = 200, message: str | None = None,
           errors: dict | None = None) -> Response:
    user = require(request)
    query = web.query(request).get("q", "")[:200]
    found = helpdesk.lookup(query) if query.strip() else None
    held = helpdesk.held_requests()
    people = {r.id: r for r in registrants.by_ids([h.registrant_id for h in held])}
    cycle = config.current_cycle()
    sent, counting = helpdesk.sent_by(found.registrants, cycle) if found else ({}, set())
    return page(request, "search.html", "Helpdesk", user, status=status, query=query,
                 found=found, cycle=cycle, held=held, people=people, message=message,
                 sent=sent, counting=counting,
                 errors=errors or {}, names=municipalities(config.municipality_year()),
                 studies=instruments.ALL,
                 publication_trail=audit_trail.trail(reconcile.subject_publication(cycle))[:10],
                 retention_mode=config.retention_schedule(),
                 retention_trail=audit_trail.trail(audit.SUBJECT_RETENTION)[:5])


MAX_BULK = 100  # requests refused per click: one transaction each, well inside the timeout


def reject_requests(request: Request) -> Response:
    """Bulk refusal of held requests (issue 25 item 10), each with every municipality it
    holds, audited with the reason."""
    form = web.posted(request)
    user = require(request)
    chosen = [value for value in form.fields.get("aanvraag") or [] if value][:MAX_BULK + 1]
    problem = ("Kies minstens één aanmelding." if not chosen else
               f"Kies hoogstens {MAX_BULK} aanmeldingen tegelijk." if len(chosen) > MAX_BULK
               else None)
    if problem is None:
        try:
            refused, skipped = helpdesk.reject_requests(user, chosen, form.first("reden"))
        except helpdesk.ActionRefused as refusal:
            problem = str(refusal)
    if problem is not None:
        return search(request, status=400, errors={"afwijzen": problem})
    message = f"{refused} aanmelding{'en' if refused != 1 else ''} afgewezen."
    if skipped:
        message += f" {skipped} waren intussen al afgehandeld."
    return search(request, message=message)


def reconcile_cycle(request: Request) -> Response:
    """The button on the helpdesk's start page: the whole cycle's feed checked and repaired."""
    web.posted(request)
    user = require(request)
    try:
        helpdesk.request_reconcile(user, config.current_cycle(), None)
    except helpdesk.ActionRefused as refused:
        return search(request, status=503, errors={"publicatie": str(refused)})
    return search(request, message=helpdesk.RECONCILE_STARTED)


def export_file(request: Request, cycle: str, extension: str) -> Response:
    """One instrument's export (`?onderzoek=jeugd`; CEO Wmo without it, as before Jeugd)."""
    user = require(request)
    if not (cycle.isascii() and cycle.isdigit() and len(cycle) == 4) or \
            extension not in ("csv", "json"):
        raise web.HttpError(404)
    study = instruments.chosen(web.query(request).get("onderzoek", "")[:20])
    if study is None:
        raise web.HttpError(400, "Kies CEO Wmo of CEO Jeugd")
    if extension == "json":
        body = json.dumps(export.as_json(int(cycle), study.id), ensure_ascii=False)
        kind = "application/json; charset=utf-8"
    else:
        body, kind = export.as_csv(int(cycle), study.id), "text/csv; charset=utf-8"
    name = f"{study.id}-{cycle}.{extension}"
    data = body.encode()
    if len(data) <= private_files.inline_limit():
        audit.record(user, f"export {cycle} {study.name} ({extension})",
                     [audit.subject_helpdesk(user)])
        return download(body, kind, name)
    # larger than a Lambda response may be: a private object and a link for five minutes
    key, link = private_files.store_and_link(data, kind, name)
    audit.record(user, f"export {cycle} {study.name} ({extension}, via tijdelijke link)",
                 [audit.subject_helpdesk(user)],
                 details={"bytes": len(data), "object": key})
    return to_private_file(link)
