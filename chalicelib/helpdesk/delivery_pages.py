"""The helpdesk and a municipality's deliveries: any delivery of any cycle (the page, its JSON
and HTML files, the report as the site shows it), two deliveries side by side answer by
answer, and the exception to the sending window ("verzenden toestaan tot en met …"). Every
route starts with `_require`, as in `helpdesk/pages.py`."""
from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from .. import web
from ..delivery import history, views
from ..platform import config
from ..platform.formatting import date_text
from ..platform.models import Delivery
from ..platform.municipalities import municipalities
from ..web.responses import download, standalone_html
from . import exceptions
from .pages import _code_or_404, _page, _require, municipality_page


def _open(code: str, number: str) -> views.DeliveryView:
    view = views.open_delivery(_code_or_404(code), number)
    if view is None:
        raise web.HttpError(404)
    return view


def show(request: Request, code: str, number: str) -> Response:
    user = _require(request)
    view = _open(code, number)
    return web.page(request, "delivery.html", title=f"Aanlevering {view.number}",
                    helpdesk_user=user, view=view, own=False,
                    prefix=f"/helpdesk/gemeente/{code}/aanlevering/",
                    back=f"/helpdesk/gemeente/{code}", helpdesk_view=True,
                    back_text=f"Terug naar {view.delivery.municipality_name}",
                    decision=None, notice=None, error=None)


def file(request: Request, code: str, number: str, kind: str) -> Response:
    _require(request)
    found = views.file_of(_open(code, number), kind) if kind in views.FILES else None
    if found is None:
        raise web.HttpError(404)
    body, content_type, filename = found
    return download(body, content_type, filename) if filename else standalone_html(body)


def compare(request: Request, code: str) -> Response:
    """Two deliveries of a municipality answer by answer (`?van=…&naar=…`, any cycles)."""
    user = _require(request)
    name = municipalities(config.municipality_year())[_code_or_404(code)].name
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
        return _page(request, "compare.html", f"Aanleveringen vergelijken – {name}", user,
                     status=400 if any(numbers) else 200, **context)
    before, after = found
    assert before is not None and after is not None
    changes, same = views.compare(before, after)
    return _page(request, "compare.html", f"{before.delivery_id} en {after.delivery_id}", user,
                 **{**context, "changes": changes, "same": same, "before": before,
                    "after": after})


def allow(request: Request, code: str) -> Response:
    """"Verzenden toestaan tot en met …" for the current cycle, audited."""
    form = web.posted(request)
    user = _require(request)
    _code_or_404(code)
    try:
        until = exceptions.grant(user, code, config.current_cycle(), form.first("tot"),
                                 form.first("reden"), form.first("huidig")[:10])
    except exceptions.Refused as refused:
        field = {"tot": "tot", "reden": "uitzondering_reden"}.get(refused.field, "uitzondering")
        return municipality_page(request, code, status=409 if refused.stale else 400,
                                 errors={field: str(refused)})
    return municipality_page(request, code, message=(
        f"{municipalities(config.municipality_year())[code].name} mag verzenden tot en met "
        f"{date_text(until)}; de aanlevering wordt als te laat gemarkeerd."))


def disallow(request: Request, code: str) -> Response:
    form = web.posted(request)
    user = _require(request)
    _code_or_404(code)
    try:
        exceptions.withdraw(user, code, config.current_cycle(), form.first("reden"),
                            form.first("huidig")[:10])
    except exceptions.Refused as refused:
        field = "intrek_reden" if refused.field == "reden" else "uitzondering"
        return municipality_page(request, code, status=409 if refused.stale else 400,
                                 errors={field: str(refused)})
    return municipality_page(request, code, message="De uitzondering is ingetrokken.")
