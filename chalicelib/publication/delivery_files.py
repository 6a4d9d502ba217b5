"""A sent delivery's files as its municipality and the helpdesk download them: the JSON and
HTML to keep, and the site's report rendered exactly as the forwarder renders it."""
from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

from ..delivery.views import DeliveryView, Standing, as_data
from ..platform.models import ScopeState
from ..platform.rendering import render
from . import document
from . import report as publication_report


def report(view: DeliveryView) -> str:
    """The HTML report the publication site gets for this delivery, rendered as the forwarder
    renders it. For the delivery that counts it carries the revision the site has; for another
    one, the revision it had when it was sent (the site no longer shows it)."""
    delivery = view.delivery
    revision = int(delivery.revision)
    if view.standing == Standing.COUNTS:
        with contextlib.suppress(ScopeState.DoesNotExist):
            revision = int(ScopeState.get(str(delivery.scope)).revision)
    doc = document.document(str(delivery.municipality), int(delivery.cycle), revision,
                            delivery)
    return publication_report.html(doc)


FILES = ("json", "html", "rapport")


def file_of(view: DeliveryView, kind: str) -> tuple[str, str, str | None] | None:
    """(body, content type, file name) of the delivery's JSON or HTML file to keep, or of the
    site's report (no file name: shown, not saved); None for an unknown kind."""
    if kind == "json":
        return (json.dumps(as_data(view), ensure_ascii=False, indent=1),
                "application/json; charset=utf-8", f"aanlevering-{view.number}.json")
    if kind == "html":
        return (render("delivery_file.html", view=view, saved_at=datetime.now(UTC)),
                "text/html; charset=utf-8",
                f"aanlevering-{view.number}.html")
    if kind == "rapport":
        return report(view), "text/html; charset=utf-8", None
    return None


