"""A representative looks at a sent delivery of one of their municipalities (their own or a
colleague's, any cycle): the page, its data as JSON or HTML, and the report as the site shows
it; with four-eyes, a coordinator approves a waiting delivery or sends it back here. The
helpdesk's view of the same is in `helpdesk/delivery_pages.py`; both render `delivery.html`
and `delivery/views.py`'s files."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..accounts import access
from ..platform.models import Registrant
from ..publication import delivery_files
from ..web.responses import download, standalone_html
from . import four_eyes, views

DECISIONS = ("goedkeuren", "terugsturen")
REASON_FIELD = "reden"
DONE = {"goedgekeurd": "U heeft de aanlevering goedgekeurd. Ze telt nu en wordt gepubliceerd.",
        "teruggestuurd": "U heeft de aanlevering teruggestuurd. De afzender krijgt uw reden "
                         "per e-mail."}


def _open(code: str, number: str) -> views.DeliveryView:
    view = views.open_delivery(code, number)
    if view is None:
        raise web.HttpError(404)
    return view


def _page(request: Request, registrant: Registrant, view: views.DeliveryView, code: str,
          status: int = 200, error: str | None = None, reason: str = "") -> Response:
    decision = None
    if view.standing == views.Standing.WAITING:
        decision = {"why_not": four_eyes.may_approve(view.delivery, registrant,
                                                     four_eyes.coordinator_ids(code)),
                    "error": error if status == 400 else None, "reason": reason,
                    "reason_field": REASON_FIELD,
                    "reason_max": four_eyes.REASON_MAX}
    notice = DONE.get(web.query(request).get("besluit", ""))
    return web.page(request, "delivery.html", status=status, title=f"Aanlevering {view.number}",
                    personal_code=registrant.personal_code, view=view,
                    own=view.delivery.registrant_id == registrant.id,
                    prefix=f"/gemeente/{code}/aanlevering/", back="/start",
                    back_text="Terug naar uw gemeenten", helpdesk_view=False,
                    decision=decision, notice=notice, error=error)


def show(request: Request, code: str, number: str) -> Response:
    registrant = access.representative(request, code)
    return _page(request, registrant, _open(code, number), code)


def decide(request: Request, code: str, number: str, kind: str) -> Response:
    """A coordinator approves the waiting delivery or sends it back with a reason."""
    form = web.posted(request)
    registrant = access.representative(request, code)
    if kind not in DECISIONS:
        raise web.HttpError(404)
    view = _open(code, number)
    reason = form.first(REASON_FIELD)[:four_eyes.REASON_MAX + 1]
    delivery = view.delivery
    try:
        if kind == "goedkeuren":
            four_eyes.approve(code, int(delivery.cycle), int(delivery.sequence), registrant)
        else:
            four_eyes.send_back(code, int(delivery.cycle), int(delivery.sequence), reason,
                                four_eyes.actor_name(registrant), registrant)
    except four_eyes.Refused as refused:
        if refused.status == 404:
            raise web.HttpError(404) from refused
        return _page(request, registrant, _open(code, number), code, status=refused.status,
                     error=str(refused), reason=reason)
    done = "goedgekeurd" if kind == "goedkeuren" else "teruggestuurd"
    return web.redirect(f"/gemeente/{code}/aanlevering/{view.number}?besluit={done}")


def file(request: Request, code: str, number: str, kind: str) -> Response:
    access.representative(request, code)
    if kind not in delivery_files.FILES:
        raise web.HttpError(404)
    found = delivery_files.file_of(_open(code, number), kind)
    if found is None:
        raise web.HttpError(404)
    body, content_type, filename = found
    return download(body, content_type, filename) if filename else standalone_html(body)
