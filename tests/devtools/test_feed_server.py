"""The local feed over HTTP (issue 24 §5): a site developer's browser reads the feed that
`./dev run` publishes, with the deployed feed's CORS and cache headers, not only a copy on
disk. Served from the (in-process) moto bucket the forwarder writes to."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from devtools.feed_server import FeedServer, cors_rule
from tests.support.feed import record, run

KEY = "ceo-wmo/2026/GM0014.json"


@pytest.fixture()
def feed(aws, delivered):
    run([record("GM0014#2026", 1, "INSERT")])
    server = FeedServer("127.0.0.1", 0, aws["PublicationBucketName"], "eu-central-1")
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        return urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as error:
        return error


def test_a_browser_on_another_origin_reads_a_document_with_the_deployed_headers(feed):
    answer = fetch(f"{feed}/{KEY}", headers={"Origin": "http://localhost:3000"})
    assert answer.status == 200
    document = json.loads(answer.read())
    assert document["delivery"]["id"] == "GM0014-2026-1"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == set(cors_rule()["ExposedHeaders"]) >= {"ETag", "x-amz-meta-revision"}
    from chalicelib.publication.targets import CACHE_CONTROL

    assert answer.headers["Cache-Control"] == CACHE_CONTROL  # as the forwarder wrote it
    assert answer.headers["x-amz-meta-revision"] == str(document["revision"])
    assert answer.headers["Content-Type"].startswith("application/json")
    # without an Origin too (CloudFront's SimpleCORS), and the root index at /
    assert fetch(f"{feed}/{KEY}").headers["Access-Control-Allow-Origin"] == "*"
    root = fetch(f"{feed}/")
    assert root.status == 200 and "ceo-wmo" in json.loads(root.read())["instruments"]


def test_preflight_conditional_get_and_a_missing_document(feed):
    preflight = fetch(f"{feed}/{KEY}", "OPTIONS", {
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert set(preflight.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD"}
    assert preflight.headers["Access-Control-Allow-Headers"] == "if-none-match"
    assert preflight.headers["Access-Control-Max-Age"] == str(cors_rule()["MaxAge"])
    etag = fetch(f"{feed}/{KEY}").headers["ETag"]
    unchanged = fetch(f"{feed}/{KEY}", headers={"If-None-Match": etag})
    assert unchanged.status == 304
    missing = fetch(f"{feed}/ceo-wmo/2026/GM9999.json")
    assert missing.status == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    head = fetch(f"{feed}/{KEY}", "HEAD")
    assert head.status == 200 and head.read() == b""
