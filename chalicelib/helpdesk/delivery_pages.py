"""The helpdesk and a municipality's deliveries: any delivery of any cycle (the page, its JSON
and HTML files, the report as the site shows it), two deliveries side by side answer by
answer, and the exception to the sending window ("verzenden toestaan tot en met …"). Every
route starts with `access.require`."""
from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from .. import web
from ..delivery import four_eyes, history, views
from ..platform import config, instruments
from ..platform.formatting import date_text
from ..platform.models import Delivery
from ..platform.municipalities import municipalities
from ..publication import delivery_files
from ..web.responses import download, standalone_html
from . import actions as helpdesk
from . import window_exceptions
from .access import code_or_404, page, require
from .municipality_pages import municipality_page


def _open(code: str, number: str) -> views.DeliveryView:
    view = views.open_delivery(code_or_404(code), number)
    if view is None:
        raise web.HttpError(404)
    return view


def show(request: Request, code: str, number: str) -> Response:
    user = require(request)
    view = _open(code, number)
    return web.page(request, "delivery.html", title=f"Aanlevering {view.number}",
                    helpdesk_user=user, view=view, own=False,
                    prefix=f"/helpdesk/gemeente/{code}/aanlevering/",
                    back=f"/helpdesk/gemeente/{code}", helpdesk_view=True,
                    back_text=f"Terug naar {view.delivery.municipality_name}",
                    decision=None, notice=None, error=None)


def file(request: Request, code: str, number: str, kind: str) -> Response:
    require(request)
    known = kind in delivery_files.FILES
    found = delivery_files.file_of(_open(code, number), kind) if known else None
    if found is None:
        raise web.HttpError(404)
    body, content_type, filename = found
    return download(body, content_type, filename) if filename else standalone_html(body)


def compare(request: Request, code: str) -> Response:
    """Two deliveries of a municipality answer by answer (`?van=…&naar=…`, any cycles)."""
    user = require(request)
    name = municipalities(config.municipality_year())[code_or_404(code)].name
    params = web.query(request)
    numbers = [params.get(field, "").strip().upper()[:40] for field in ("van", "naar")]
    options = history.history(code, config.current_cycle())
    errors: dict[str, str] = {}
    found: list[Delivery | None] = [None, None]
    if not all(numbers):
        errors["van"] = "Kies twee aanleveringen om te vergelijken"
    elif numbers[0] == numbers[1]:
        errors["naar"] = "Kies twee verschillende aanleveringen"
    else:
        found = views.find(code, numbers)
        for field, number, delivery in zip(("van", "naar"), numbers, found, strict=True):
            if delivery is None:
                errors[field] = f"{number} is geen aanlevering van {name}"
    options += [d for d in found if d is not None and d not in options]
    context: dict[str, Any] = {"code": code, "name": name, "numbers": numbers, "options": options,
               "errors": errors, "changes": [], "same": 0, "before": None, "after": None}
    if errors:
        return page(request, "compare.html", f"Aanleveringen vergelijken – {name}", user,
                     status=400 if any(numbers) else 200, **context)
    before, after = found
    assert before is not None and after is not None
    changes, same = views.compare(before, after)
    return page(request, "compare.html", f"{before.delivery_id} en {after.delivery_id}", user,
                 **{**context, "changes": changes, "same": same, "before": before,
                    "after": after})


def _suffix(instrument: str) -> str:
    """What the exception's fields of this instrument end in on the page ("" Wmo, "_jeugd")."""
    slug = instruments.get(instrument).slug
    return f"_{slug}" if slug else ""


def allow(request: Request, code: str) -> Response:
    """"Verzenden toestaan tot en met …" for one instrument (`onderzoek`) in the current
    cycle, audited."""
    form = web.posted(request)
    user = require(request)
    code_or_404(code)
    instrument = instruments.WMO
    try:
        instrument = window_exceptions.instrument_of_form(form.first("onderzoek"))
        until = window_exceptions.grant(user, code, config.current_cycle(), form.first("tot"),
                                        form.first("reden"), form.first("huidig")[:10],
                                        instrument=instrument)
    except window_exceptions.Refused as refused:
        field = {"tot": "tot", "reden": "uitzondering_reden"}.get(refused.field, "uitzondering")
        return municipality_page(request, code, status=409 if refused.stale else 400,
                                 errors={field + _suffix(instrument): str(refused)})
    return municipality_page(request, code, message=(
        f"{municipalities(config.municipality_year())[code].name} mag verzenden tot en met "
        f"{date_text(until)} voor {instruments.get(instrument).name}; de aanlevering wordt als "
        "te laat gemarkeerd."))


def disallow(request: Request, code: str) -> Response:
    form = web.posted(request)
    user = require(request)
    code_or_404(code)
    instrument = instruments.WMO
    try:
        instrument = window_exceptions.instrument_of_form(form.first("onderzoek"))
        window_exceptions.withdraw(user, code, config.current_cycle(), form.first("reden"),
                                   form.first("huidig")[:10], instrument=instrument)
    except window_exceptions.Refused as refused:
        field = "intrek_reden" if refused.field == "reden" else "uitzondering"
        return municipality_page(request, code, status=409 if refused.stale else 400,
                                 errors={field + _suffix(instrument): str(refused)})
    return municipality_page(request, code, message=(
        f"De uitzondering is ingetrokken voor {instruments.get(instrument).name}."))


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
    current, after = views.after_withdrawal(code, _cycle_of(delivery_id),
                                            history.instrument_of_number(delivery_id))
    return page(request, "withdraw.html", f"Aanlevering {delivery_id} intrekken", user,
                 status=status, code=code, delivery_id=delivery_id[:40], errors=errors or {},
                 reason=reason, current=current, after=after)


def confirm_withdraw(request: Request, code: str, delivery_id: str) -> Response:
    user = require(request)
    code_or_404(code)
    return _withdraw_page(request, user, code, delivery_id)


def withdraw(request: Request, code: str, delivery_id: str) -> Response:
    form = web.posted(request)
    user = require(request)
    code_or_404(code)
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
    user = require(request)
    code_or_404(code)
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
    user = require(request)
    code_or_404(code)
    parsed = views.parse_number(delivery_id)
    if parsed is None or parsed[0] != code:
        raise web.HttpError(404)
    try:
        four_eyes.send_back(code, parsed[1], parsed[2], form.first("reden")[:1001], user, None,
                            instrument=parsed[3])
    except four_eyes.Refused as refused:
        return municipality_page(request, code, status=refused.status,
                                 errors={"actie": str(refused)}, cycle=parsed[1])
    return municipality_page(request, code, cycle=parsed[1],
                             message=f"Aanlevering {delivery_id} is teruggestuurd.")
