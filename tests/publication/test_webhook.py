"""The webhook target on par with S3: every object of the feed is pushed, signed, with its
path (the report with the document, the shared objects once per batch); a 4xx is kept in the
refusals queue and offered again, a 5xx retried, nothing dropped; replay per municipality, per
cycle, and of what was refused. Against a local HTTP server."""
from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from datetime import timedelta
from typing import ClassVar

import boto3
import pytest

from tests.support.feed import (
    BATCH,
    bucket_object,
    deliver,
    feed_is_complete,
    make_registrant,
    record,
    run,
    validate,
)

SECRET = b"gedeeld-geheim"


class Site(http.server.BaseHTTPRequestHandler):
    """The publication site: stores what it accepts by path; `refuse` maps an object kind to
    the status it answers for it (default 200)."""

    status = 200
    refuse: ClassVar[dict[str, int]] = {}
    received: ClassVar[list] = []
    stored: ClassVar[dict[str, bytes]] = {}

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Site.received.append((self.headers, body))
        status = Site.refuse.get(self.headers["X-CEO-Kind"], Site.status)
        if status < 300:
            Site.stored[self.headers["X-CEO-Path"]] = body
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass

    @classmethod
    def kinds(cls):
        return [headers["X-CEO-Kind"] for headers, _ in cls.received]


@pytest.fixture()
def site(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Site.received, Site.stored, Site.refuse, Site.status = [], {}, {}, 200
    monkeypatch.setenv("PUBLICATION_TARGET", "webhook")
    monkeypatch.setenv("WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/feed")
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET.decode())
    yield Site
    server.shutdown()


@pytest.fixture()
def registrant(aws, app_module):
    return make_registrant(codes=BATCH)


def refusals(aws):
    """The messages in the refusals queue (left in it)."""
    sqs = boto3.client("sqs")
    found = sqs.receive_message(QueueUrl=aws["PublicationRefusalsQueueUrl"],
                                MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [json.loads(m["Body"]) for m in found.get("Messages", [])]


def test_every_object_reaches_the_site_signed_with_its_path_as_in_the_bucket(
        registrant, aws, site):
    deliver(registrant, headline="Tevreden & snel")
    assert run([record("GM0014#2026", 1, "INSERT")]) == {"batchItemFailures": []}
    assert site.kinds() == ["questionnaire", "document", "report", "cycle-index", "national",
                            "root-index"]
    for headers, body in site.received:
        timestamp = headers["X-CEO-Timestamp"]
        expected = hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256)
        assert headers["X-CEO-Signature"] == f"sha256={expected.hexdigest()}"
        stored = bucket_object(aws, headers["X-CEO-Path"])  # the same object, the same path
        assert (json.loads(body) if headers["X-CEO-Path"].endswith(".json")
                else body.decode()) == stored
    by_kind = {headers["X-CEO-Kind"]: (headers, body) for headers, body in site.received}
    headers, body = by_kind["document"]
    assert headers["Idempotency-Key"] == "GM0014-2026-r1" and headers["X-CEO-Revision"] == "1"
    assert headers["X-CEO-Path"] == "ceo-wmo/2026/GM0014.json"
    validate(json.loads(body))
    headers, report = by_kind["report"]
    assert headers["X-CEO-Path"] == "ceo-wmo/2026/GM0014.html"
    assert headers["Content-Type"].startswith("text/html") and "Tevreden &amp; snel" in \
        report.decode()
    validate(json.loads(by_kind["cycle-index"][1]), "cycle-index")
    validate(json.loads(by_kind["national"][1]), "national")
    validate(json.loads(by_kind["root-index"][1]), "root-index")
    validate(json.loads(by_kind["questionnaire"][1]), "questionnaire")


def test_a_batch_pushes_each_document_and_report_and_the_shared_objects_once(
        registrant, aws, site):
    for code in BATCH:
        deliver(registrant, code=code)
    run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])
    kinds = site.kinds()
    assert kinds.count("document") == kinds.count("report") == len(BATCH)
    assert [k for k in kinds if k not in ("document", "report")] == [
        "questionnaire", "cycle-index", "national", "root-index"]
    index = json.loads(site.stored["ceo-wmo/2026/index.json"])
    assert sorted(index["municipalities"]) == sorted(BATCH)
    national = json.loads(site.stored["ceo-wmo/2026/national.json"])
    assert national["questions"]["q1"]["municipalities"] == len(BATCH)


@pytest.mark.parametrize("refused", ["document", "report", "cycle-index"])
def test_a_4xx_is_kept_in_the_refusals_queue_and_offered_again_never_dropped(
        registrant, aws, site, monkeypatch, capsys, refused):
    from chalicelib.platform.models import ScopeState
    from chalicelib.publication import reconcile

    deliver(registrant)
    site.refuse = {refused: 422}
    item = record("GM0014#2026", 1, "INSERT")
    assert run([item]) == {"batchItemFailures": []}  # the stream moves on ...
    assert '"WebhookRejected"' in capsys.readouterr().out
    [kept] = refusals(aws)  # ... but nothing is lost
    assert (kept["scope"], kept["revision"], kept["status"]) == ("GM0014#2026", 1, 422)
    assert kept["path"].startswith(("ceo-wmo/2026/", "index.json"))
    assert ScopeState.get("GM0014#2026").forwarded_revision is None  # not recorded
    # the site is fixed; the next scheduled run (after the grace period) delivers it
    site.refuse = {}
    monkeypatch.setattr(reconcile, "GRACE", timedelta(microseconds=1))
    assert reconcile.run({"actor": None}).repaired == ["GM0014#2026"]
    assert "ceo-wmo/2026/GM0014.json" in site.stored and "ceo-wmo/2026/GM0014.html" in \
        site.stored
    assert int(ScopeState.get("GM0014#2026").forwarded_revision) == 1


def test_a_5xx_is_retried_by_the_stream_and_not_taken_for_a_refusal(registrant, aws, site):
    deliver(registrant)
    site.status = 503
    item = record("GM0014#2026", 1, "INSERT")
    assert run([item])["batchItemFailures"] == [
        {"itemIdentifier": item["dynamodb"]["SequenceNumber"]}]
    assert refusals(aws) == []
    site.status = 200
    assert run([item]) == {"batchItemFailures": []}
    assert json.loads(site.stored["ceo-wmo/2026/GM0014.json"])["revision"] == 1


def test_republishing_a_municipality_or_cycle_pushes_again_whatever_the_records_say(
        registrant, aws, site):
    from chalicelib.publication.republish import republish

    for code in BATCH:
        deliver(registrant, code=code)
    run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])
    site.received, site.stored = [], {}  # the site lost everything (a restore, a new site)
    run([record(f"{code}#2026", 1) for code in BATCH])
    assert site.received == []  # the records say all was delivered
    assert republish(2026, ["GM0034"]) == {"GM0034#2026": "published"}
    assert sorted(p for p in site.stored if p.endswith(("GM0014.json", "GM0034.json",
                                                         "GM0050.json"))) == [
        "ceo-wmo/2026/GM0034.json"]
    assert "ceo-wmo/2026/index.json" in site.stored and "index.json" in site.stored
    outcomes = republish(2026)
    assert outcomes == {f"{code}#2026": "published" for code in BATCH}
    assert {f"ceo-wmo/2026/{code}.{kind}" for code in BATCH for kind in ("json", "html")} \
        <= set(site.stored)
    assert feed_is_complete(aws, 1, BATCH)  # the mirror in the bucket, untouched


def test_replaying_the_refused_clears_what_went_through_and_keeps_the_rest(
        registrant, aws, site, capsys):
    from chalicelib.cli import main as helpdesk_cli

    deliver(registrant, code="GM0014")
    deliver(registrant, code="GM0034")
    site.refuse = {"document": 400}
    run([record("GM0014#2026", 1, "INSERT"), record("GM0034#2026", 1, "INSERT")])
    assert sorted(r["scope"] for r in refusals(aws)) == ["GM0014#2026", "GM0034#2026"]
    capsys.readouterr()
    assert helpdesk_cli.main(["republish", "--refused"]) == 1  # still refused: both stay,
    assert "2 opnieuw aangeboden, 2 mislukt" in capsys.readouterr().out
    assert sorted(r["scope"] for r in refusals(aws)) == ["GM0014#2026", "GM0034#2026"]  # once
    site.status, site.refuse = 503, {}  # the site down: a failed replay keeps the refusals
    assert helpdesk_cli.main(["republish", "--refused"]) == 1
    assert sorted(r["scope"] for r in refusals(aws)) == ["GM0014#2026", "GM0034#2026"]
    site.status, site.refuse = 200, {}
    assert helpdesk_cli.main(["republish", "--refused"]) == 0
    assert "GM0014#2026\tpublished" in capsys.readouterr().out
    assert refusals(aws) == []
    assert {"ceo-wmo/2026/GM0014.json", "ceo-wmo/2026/GM0034.json"} <= set(site.stored)


def test_the_forwarder_and_the_reconciler_know_the_refusals_queue():
    """The refusals queue is declared where the local runner and the tests deploy from, and
    the forwarder and reconciler get its URL from the stack."""
    from devtools.package import load_yaml
    from tests.support.feed import ROOT

    resources = load_yaml(ROOT / "infra" / "resources.yaml")
    assert "PublicationRefusalsQueue" in resources["Resources"]
    stack = load_yaml(ROOT / "infra" / "stack.yaml")["Resources"]
    for function in ("ForwardDeliveries", "ReconcileFeed"):
        assert stack[function]["Properties"]["Environment"]["Variables"][
            "PUBLICATION_REFUSALS_QUEUE_URL"] == {"Ref": "PublicationRefusalsQueue"}


def test_a_scheduled_publication_reaches_the_site_only_after_its_moment_and_once(
        registrant, aws, site, monkeypatch):
    """Publiceren vanaf: before the moment the site receives nothing of the new delivery
    (a relabelled copy of what it had at most); after the moment (the clock moved) the
    reconciler pushes it, once, however often it runs."""
    from datetime import UTC, datetime, timedelta

    from chalicelib.publication import reconcile
    from tests.support.clock import Clock

    deliver(registrant, headline="Eerste uitkomst")
    run([record("GM0014#2026", 1, "INSERT")])
    clock = Clock(monkeypatch)
    deliver(registrant, headline="Na de raadsvergadering",
            publish_at=datetime.now(UTC) + timedelta(hours=1))
    run([record("GM0014#2026", 2, "INSERT")])
    reconcile.run({})

    def documents():
        return [json.loads(body) for headers, body in site.received
                if headers["X-CEO-Kind"] == "document"]

    def received_text():
        return b"".join(body for _, body in site.received).decode()

    assert "Na de raadsvergadering" not in received_text()
    assert {d["delivery"]["id"] for d in documents()} == {"GM0014-2026-1"}
    clock.advance(1.5)
    reconcile.run({})
    reconcile.run({})
    run([record("GM0014#2026", 2)])  # a late stream record changes nothing either
    newest = [d for d in documents() if d["delivery"]["id"] == "GM0014-2026-2"]
    assert len(newest) == 1 and newest[0]["headline"]["text"] == "Na de raadsvergadering"
    assert json.loads(site.stored["ceo-wmo/2026/GM0014.json"])["revision"] == \
        newest[0]["revision"]
