"""Issue 26 item 7: an export larger than a Lambda response may be (6 MB) is not a 500 but a
private S3 object under exports/ and a presigned link valid for five minutes, audited."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import boto3


def test_an_export_over_the_limit_is_a_short_lived_link_to_a_private_object(
        helpdesk, delivered, aws, monkeypatch):
    from chalicelib.platform import private_files

    assert private_files.INLINE_LIMIT < 6 * 1024 * 1024
    inline = helpdesk.get("/helpdesk/export/2026/csv")
    assert inline.status_code == 200 and "gemeente_code" in inline.text
    size = len(inline.text.encode())

    monkeypatch.setenv("EXPORT_INLINE_LIMIT_BYTES", str(size))  # exactly at the limit
    assert helpdesk.get("/helpdesk/export/2026/csv").status_code == 200
    monkeypatch.setenv("EXPORT_INLINE_LIMIT_BYTES", str(size - 1))  # one byte over
    linked = helpdesk.get("/helpdesk/export/2026/csv")
    assert linked.status_code == 303 and linked.headers["Cache-Control"] == "no-store"
    link = urlparse(linked.headers["Location"])
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["300"]
    assert "ceo-wmo-2026.csv" in query["response-content-disposition"][0]
    path = link.path.lstrip("/")  # virtual-hosted (bucket in the host) or path style
    key = path[path.index("exports/"):]
    assert key.startswith("exports/") and key.endswith("/ceo-wmo-2026.csv")
    stored = boto3.client("s3").get_object(Bucket=private_files.bucket(), Key=key)
    assert stored["Body"].read().decode() == inline.text  # the same file as inline
    trail = _trail(aws)
    assert "export 2026 CEO Wmo (csv, via tijdelijke link)" in trail and key in trail


def _trail(aws) -> str:
    from tests.support.tables import scan

    return str(scan(aws, "AuditTableName"))
