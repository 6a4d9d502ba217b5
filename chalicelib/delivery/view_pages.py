"""A representative looks at a sent delivery of one of their municipalities (their own or a
colleague's, any cycle): the page, its data as JSON or HTML, and the report as the site shows
it. The helpdesk's view of the same is in `helpdesk/delivery_pages.py`; both render
`delivery.html` and `delivery/views.py`'s files."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..web import access
from ..web.responses import download, standalone_html
from . import views


def _open(code: str, number: str) -> views.DeliveryView:
    view = views.open_delivery(code, number)
    if view is None:
        raise web.HttpError(404)
    return view


def show(request: Request, code: str, number: str) -> Response:
    registrant = access.representative(request, code)
    view = _open(code, number)
    return web.page(request, "delivery.html", title=f"Aanlevering {view.number}",
                    personal_code=registrant.personal_code, view=view,
                    own=view.delivery.registrant_id == registrant.id,
                    prefix=f"/gemeente/{code}/aanlevering/", back="/start",
                    back_text="Terug naar uw gemeenten", helpdesk_view=False)


def file(request: Request, code: str, number: str, kind: str) -> Response:
    access.representative(request, code)
    if kind not in views.FILES:
        raise web.HttpError(404)
    found = views.file_of(_open(code, number), kind)
    if found is None:
        raise web.HttpError(404)
    body, content_type, filename = found
    return download(body, content_type, filename) if filename else standalone_html(body)
