"""Files too large for a Lambda response (6 MB, the limit of a synchronous invocation's
payload): written as a private object under `exports/` in the stage's bucket and handed out
as a presigned link that works for a few minutes. CloudFront may not read `exports/` (the
bucket policy denies it) and a lifecycle rule removes the objects after a day."""
from __future__ import annotations

import secrets
from functools import cache
from typing import Any

from . import config

PREFIX = "exports/"
LINK_SECONDS = 300
# below Lambda's 6 MB response payload, with room for headers and the JSON envelope
INLINE_LIMIT = 5_000_000


@cache
def _s3() -> Any:
    import boto3

    return boto3.client("s3")


def bucket() -> str:
    return config.env("PUBLICATION_BUCKET", "ceo-local-publication-123456789012")


def inline_limit() -> int:
    """EXPORT_INLINE_LIMIT_BYTES (tests lower it), else INLINE_LIMIT."""
    return config.env_int("EXPORT_INLINE_LIMIT_BYTES", INLINE_LIMIT)


def store_and_link(body: bytes, content_type: str, filename: str) -> tuple[str, str]:
    """(the object's key, a link to it valid for LINK_SECONDS); the key's random part makes
    it unguessable, the link's signature makes it the only way in."""
    key = f"{PREFIX}{secrets.token_urlsafe(18)}/{filename}"
    disposition = f'attachment; filename="{filename}"'
    _s3().put_object(Bucket=bucket(), Key=key, Body=body, ContentType=content_type,
                     ContentDisposition=disposition, ServerSideEncryption="AES256")
    link = _s3().generate_presigned_url(
        "get_object", Params={"Bucket": bucket(), "Key": key,
                              "ResponseContentDisposition": disposition},
        ExpiresIn=LINK_SECONDS)
    return key, str(link)
