"""Reading a posted form: size, content type, encoding, field count, and the CSRF token."""
from __future__ import annotations

from urllib.parse import parse_qsl

from chalice.app import Request

from ..platform import config
from ..platform.logs import logger
from ..platform.records import Record, field
from . import csrf
from .errors import HttpError, route_of

FORM_CONTENT_TYPES = ["application/x-www-form-urlencoded"]
MAX_FORM_FIELDS = 500


class Form(Record):
    """A parsed urlencoded body; every field may repeat."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0] if values else ""


def query(request: Request) -> dict[str, str]:
    """The query string's parameters (the first of each name), empty when there are none."""
    return dict(request.query_params or {})


def parse(request: Request) -> Form:
    body = request.raw_body or b""
    if isinstance(body, str):
        body = body.encode()
    if len(body) > config.max_body_bytes():
        raise HttpError(413)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in FORM_CONTENT_TYPES:
        raise HttpError(415)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except ValueError:  # includes UnicodeDecodeError and too many fields
        raise HttpError(400) from None
    form = Form()
    for name, value in pairs:
        form.fields.setdefault(name, []).append(value)
    return form


def posted(request: Request) -> Form:
    """The form of a POST whose CSRF token is right; 403 otherwise (every POST starts here)."""
    form = parse(request)
    if not csrf.is_valid(request, form.first(csrf.FIELD)):
        logger.info("csrf check failed", extra={"route": route_of(request),
                                                 "had_cookie": csrf.nonce_of(request) is not None})
        raise HttpError(403)
    return form
