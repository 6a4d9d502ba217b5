"""The few static files (CSS, progressive-enhancement JS), served with long caching because
their URLs carry a content hash."""
from __future__ import annotations

from chalice.app import Response

from ..platform.rendering import TEMPLATE_DIR
from .errors import HttpError

CONTENT_TYPES = {"style.css": "text/css; charset=utf-8", "print.css": "text/css; charset=utf-8",
                 "gemeente-kiezer.js": "text/javascript; charset=utf-8",
                 "bewaren.js": "text/javascript; charset=utf-8"}


def serve(name: str) -> Response:
    if name not in CONTENT_TYPES:
        raise HttpError(404)
    return Response(body=(TEMPLATE_DIR / "assets" / name).read_text(encoding="utf-8"),
                    headers={"Content-Type": CONTENT_TYPES[name],
                             "Cache-Control": "public, max-age=31536000, immutable"})
