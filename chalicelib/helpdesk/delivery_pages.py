"""The helpdesk looks at deliveries: any delivery of any municipality and cycle (the page,
its JSON and HTML files, the report as the site shows it). Every route starts with
`_require`, as in `helpdesk/pages.py`."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..delivery import views
from ..web.responses import download, standalone_html
from .pages import _code_or_404, _require


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
                    back_text=f"Terug naar {view.delivery.municipality_name}")


def file(request: Request, code: str, number: str, kind: str) -> Response:
    _require(request)
    found = views.file_of(_open(code, number), kind) if kind in views.FILES else None
    if found is None:
        raise web.HttpError(404)
    body, content_type, filename = found
    return download(body, content_type, filename) if filename else standalone_html(body)
