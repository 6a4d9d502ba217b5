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


UPLOAD_CONTENT_TYPES = ["multipart/form-data"]


class Upload(Record):
    """A posted multipart form: its text fields and the one file's bytes."""

    form: Form = field(default_factory=Form)
    data: bytes = b""
    filename: str = ""


def posted_upload(request: Request, file_field: str, max_bytes: int) -> Upload:
    """A multipart POST with one file, whose CSRF token is right: 413 past `max_bytes`, 415 for
    another content type, 400 when it cannot be read, 403 for a wrong token. The file is
    handed on in memory only (never written anywhere)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    body = request.raw_body or b""
    if isinstance(body, str):
        body = body.encode()
    if len(body) > max_bytes:
        raise HttpError(413)
    content_type = request.headers.get("content-type") or ""
    if content_type.split(";")[0].strip().lower() not in UPLOAD_CONTENT_TYPES or \
            "boundary=" not in content_type:
        raise HttpError(415)
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise HttpError(400)
    upload = Upload()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        decoded = part.get_payload(decode=True)
        payload = decoded if isinstance(decoded, bytes) else b""
        if name == file_field and part.get_filename() is not None:
            upload.data, upload.filename = payload, str(part.get_filename())[:200]
        else:
            try:
                upload.form.fields.setdefault(name, []).append(payload.decode("utf-8"))
            except UnicodeDecodeError:
                raise HttpError(400) from None
        if len(upload.form.fields) > MAX_FORM_FIELDS:
            raise HttpError(400)
    if not csrf.is_valid(request, upload.form.first(csrf.FIELD)):
        raise HttpError(403)
    return upload
