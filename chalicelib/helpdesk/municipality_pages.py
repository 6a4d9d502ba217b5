"""A municipality as the helpdesk sees it, one cycle at a time: deliveries, sending window
exception, trusted domains, four-eyes and its coordinators, the audit trail (also as CSV), and
its publication checked again."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..delivery import four_eyes, history, window
from ..measurement import results as measurement_results
from ..platform import audit, config, instruments
from ..platform.municipalities import municipalities
from ..web.responses import download
from . import actions as helpdesk
from . import audit_trail, domains, window_exceptions
from .access import code_or_404, page, registrant_or_404, require


def municipality_page(request: Request, code: str, status: int = 200,
                      message: str | None = None, errors: dict | None = None,
                      cycle: int | None = None) -> Response:
    """One cycle of a municipality (`?jaar=`, default the current one), with the earlier
    cycles that have deliveries a click away."""
    user = require(request)
    code_or_404(code)
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
    exceptions = [{"study": study, "suffix": f"_{study.slug}" if study.slug else "",
                   "last_day": window.last_day(study.id),
                   "allowance": window_exceptions.of(
                       states.get(current) if study.id == instruments.WMO else
                       history.states_by_cycle(code, [current], study.id).get(current))}
                  for study in instruments.ALL]
    return page(request, "municipality.html", f"{name} ({code})", user, status=status,
                 code=code, name=name, cycle=cycle, message=message, errors=errors,
                 trail=audit_trail.trail(audit.subject_municipality(code)),
                 cycles=sorted((c for c, s in states.items() if s.last_sequence), reverse=True),
                 current_cycle=current, exceptions=exceptions,
                 domains=domains.of_municipality(code),
                 four_eyes=four_eyes.required(code),
                 coordinators=four_eyes.coordinator_ids(code),
                 measurements=measurement_results.status_of_municipality(code),
                 **helpdesk.overview(code, cycle))


def reconcile_municipality(request: Request, code: str) -> Response:
    """The button on a municipality's page: its publication checked and repaired."""
    web.posted(request)
    user = require(request)
    code_or_404(code)
    try:
        helpdesk.request_reconcile(user, config.current_cycle(), [code])
    except helpdesk.ActionRefused as refused:
        return municipality_page(request, code, status=503, errors={"publicatie": str(refused)})
    return municipality_page(request, code, message=helpdesk.RECONCILE_STARTED)


def set_four_eyes(request: Request, code: str) -> Response:
    """Four-eyes on or off and who is coordinator, as the municipality asked."""
    form = web.posted(request)
    user = require(request)
    code_or_404(code)
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
    said = "; ".join(changed)  # "vier ogen aangezet; Karin Smit is nu coördinator"
    return municipality_page(request, code, message=(said[:1].upper() + said[1:] + ".")
                             if changed else "Er is niets gewijzigd.")


def audit_csv(request: Request, kind: str, key: str) -> Response:
    require(request)
    if kind == "gemeente":
        subject = audit.subject_municipality(code_or_404(key))
    else:
        subject = audit.subject_registrant(registrant_or_404(key).id)
    return download(audit_trail.as_csv(audit_trail.trail(subject)), "text/csv; charset=utf-8",
                    f"logboek-{key}.csv")
