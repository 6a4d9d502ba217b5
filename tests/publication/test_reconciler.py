"""The scheduled reconciler and the helpdesk's buttons: what should be published is compared
with what is, drift is repaired and counted (metric + alarm in infra), a change the stream is
still forwarding is left to it, and a batch that died between any two writes is repaired even
when the stream gave up on it."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import boto3
import pytest

from tests.support.feed import (
    BATCH,
    BATCH_WRITES,
    ROOT,
    FailingWrites,
    bucket_object,
    deliver,
    feed_is_complete,
    make_registrant,
    published_revisions,
    record,
    run,
)


@pytest.fixture()
def registrant(aws, app_module):
    return make_registrant(codes=BATCH)


def reconcile_queued(app_module):
    """Runs the reconciler on what is queued, as Lambda's event source mapping would."""
    from chalicelib.publication import reconcile
    from devtools.queue_pump import drain

    drain(reconcile.queue_url(), app_module.reconcile_feed, "eu-central-1", "reconcile_feed")


def queue_scheduled(aws):
    """What the EventBridge rule sends every 15 minutes (its Input in infra/stack.yaml)."""
    from devtools.package import load_yaml

    rule = load_yaml(ROOT / "infra" / "stack.yaml")["Resources"]["ReconcileSchedule"]
    [target] = rule["Properties"]["Targets"]
    boto3.client("sqs").send_message(QueueUrl=aws["ReconcileQueueUrl"],
                                     MessageBody=target["Input"])


def emitted(capsys, name):
    """The values of metric `name` in the embedded-metric lines printed so far."""
    return emitted_in(capsys.readouterr().out, name)


def emitted_in(output, name):
    values = []
    for line in output.splitlines():
        if line.startswith('{"_aws"') and f'"{name}"' in line:
            value = json.loads(line)[name]
            values += value if isinstance(value, list) else [value]
    return values


def test_a_scheduled_run_repairs_drift_counts_it_and_leaves_it_in_the_trail(
        registrant, aws, app_module, capsys):
    from chalicelib.helpdesk import audit_trail
    from chalicelib.publication import reconcile

    for code in BATCH:
        deliver(registrant, code=code)
    run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])
    s3 = boto3.client("s3")
    s3.delete_object(Bucket=aws["PublicationBucketName"], Key="ceo-wmo/2026/GM0034.json")
    capsys.readouterr()
    queue_scheduled(aws)
    reconcile_queued(app_module)
    assert feed_is_complete(aws, 1, BATCH)
    lines = capsys.readouterr().out
    assert emitted_in(lines, "PublicationDrift") == [1.0]
    assert emitted_in(lines, "ScopesChecked") == [3.0]
    [entry] = audit_trail.trail(reconcile.subject_publication(2026))
    assert entry.actor == "publicatiecontrole" and "elk kwartier" in entry.action
    assert "hersteld: GM0034#2026" in entry.details
    # a quiet run: metrics, but nothing in the trail
    queue_scheduled(aws)
    reconcile_queued(app_module)
    assert emitted(capsys, "PublicationDrift") == [0.0]
    assert len(audit_trail.trail(reconcile.subject_publication(2026))) == 1


def test_a_change_the_stream_is_still_forwarding_is_not_drift(registrant, aws, monkeypatch):
    from chalicelib.publication import reconcile

    deliver(registrant)
    done = reconcile.run({"actor": None})  # sent a moment ago, the stream not yet run
    assert done.outcomes == {"GM0014#2026": "in flight"} and done.repaired == []
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json") is None
    monkeypatch.setattr(reconcile, "GRACE", timedelta(microseconds=1))  # ... much later
    done = reconcile.run({"actor": None})
    assert done.repaired == ["GM0014#2026"]
    assert feed_is_complete(aws, 1)


@pytest.mark.parametrize("fail_at", range(len(BATCH_WRITES)), ids=BATCH_WRITES)
def test_a_batch_that_died_between_any_two_writes_is_repaired_by_the_reconciler(
        registrant, aws, monkeypatch, fail_at):
    """The stream gave up on the failed records (retries or record age exhausted): the next
    scheduled run after the grace period completes every object."""
    from chalicelib.publication import reconcile
    from chalicelib.publication import targets as publication_targets

    for code in BATCH:
        deliver(registrant, code=code, headline=f"eerste {code}")
    real = boto3.client("s3")
    failing = FailingWrites(real, fail_at)
    monkeypatch.setattr(publication_targets, "_s3", lambda: failing)
    assert run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])["batchItemFailures"]
    assert not feed_is_complete(aws, 1, BATCH)
    monkeypatch.setattr(publication_targets, "_s3", lambda: real)
    monkeypatch.setattr(reconcile, "GRACE", timedelta(microseconds=1))
    done = reconcile.run({"actor": None})
    assert done.repaired and not done.failed
    assert feed_is_complete(aws, 1, BATCH)


def test_a_repair_that_fails_is_counted_audited_and_retried_by_the_next_run(
        registrant, aws, monkeypatch, capsys):
    from chalicelib.helpdesk import audit_trail
    from chalicelib.publication import reconcile
    from chalicelib.publication import targets as publication_targets

    deliver(registrant)
    run([record("GM0014#2026", 1, "INSERT")])
    boto3.client("s3").delete_object(Bucket=aws["PublicationBucketName"],
                                     Key="ceo-wmo/2026/GM0014.html")
    real = boto3.client("s3")
    monkeypatch.setattr(publication_targets, "_s3", lambda: FailingWrites(real, 0))
    capsys.readouterr()
    done = reconcile.run({"actor": None})
    assert done.failed == ["GM0014#2026"]
    assert emitted(capsys, "ReconcileFailed") == [1.0]
    [entry] = audit_trail.trail(reconcile.subject_publication(2026))
    assert "mislukt: GM0014#2026" in entry.details
    monkeypatch.setattr(publication_targets, "_s3", lambda: real)
    assert reconcile.run({"actor": None}).repaired == ["GM0014#2026"]
    assert published_revisions(aws)["report"] == 1


def test_a_request_that_raises_comes_back_through_the_queue(aws, app_module, monkeypatch):
    from chalicelib.publication import reconcile
    from devtools.stream_pump import LambdaContext

    def broken(*args, **kwargs):
        raise ConnectionError("DynamoDB unreachable")

    monkeypatch.setattr(reconcile, "reconcile", broken)
    event = {"Records": [{"messageId": "m1", "body": "{}"}, {"messageId": "m2",
                                                             "body": "not json"}]}
    assert reconcile.handle(event, LambdaContext("reconcile")) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}


# --- the helpdesk's buttons ----------------------------------------------------------------

def test_the_helpdesk_repairs_one_municipality_from_its_page(helpdesk, aws, app_module):
    from chalicelib.helpdesk import audit_trail
    from chalicelib.platform import audit

    person = make_registrant(codes=BATCH)
    for code in BATCH:
        deliver(person, code=code)
    run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])
    s3 = boto3.client("s3")
    for code in ("GM0014", "GM0034"):
        s3.delete_object(Bucket=aws["PublicationBucketName"], Key=f"ceo-wmo/2026/{code}.html")
    page = "/helpdesk/gemeente/GM0014"
    assert 'action="/helpdesk/gemeente/GM0014/publicatie-controleren"' in helpdesk.get(page).text
    response = helpdesk.submit(f"{page}/publicatie-controleren", {}, form_page=page)
    assert response.status_code == 200 and "De controle van de publicatie is gestart" in \
        response.text
    [asked] = audit_trail.trail(audit.subject_municipality("GM0014"))
    assert asked.actor == "medewerker@helpdesk.nl"
    assert asked.action == "publicatie laten controleren"
    reconcile_queued(app_module)
    assert published_revisions(aws)["report"] == 1
    assert published_revisions(aws, code="GM0034")["report"] is None  # not asked for
    result, _ = audit_trail.trail(audit.subject_municipality("GM0014"))
    assert result.action == "publicatie gecontroleerd (op verzoek van medewerker@helpdesk.nl)"
    assert "hersteld: GM0014#2026" in result.details
    assert "op verzoek van medewerker@helpdesk.nl" in helpdesk.get(page).text


def test_the_helpdesk_repairs_the_whole_cycle_from_its_start_page(helpdesk, aws, app_module):
    from chalicelib.helpdesk import audit_trail
    from chalicelib.publication import reconcile

    person = make_registrant(codes=BATCH)
    for code in BATCH:
        deliver(person, code=code)
    run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])
    s3 = boto3.client("s3")
    for code in ("GM0014", "GM0034"):
        s3.delete_object(Bucket=aws["PublicationBucketName"], Key=f"ceo-wmo/2026/{code}.json")
    response = helpdesk.submit("/helpdesk/publicatie-controleren", {}, form_page="/helpdesk")
    assert response.status_code == 200 and "De controle van de publicatie is gestart" in \
        response.text
    reconcile_queued(app_module)
    assert feed_is_complete(aws, 1, BATCH)
    result, asked = audit_trail.trail(reconcile.subject_publication(2026))
    assert asked.action == "publicatie laten controleren" and "alle" in asked.details
    assert "hersteld: GM0014#2026, GM0034#2026" in result.details
    start = helpdesk.get("/helpdesk").text
    assert "Laatste controles met resultaat" in start and "GM0034#2026" in start


def test_the_buttons_need_the_form_s_token_and_a_helpdesk_sign_in(helpdesk, browser, aws):
    for path in ("/helpdesk/publicatie-controleren",
                 "/helpdesk/gemeente/GM0014/publicatie-controleren"):
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"',
                          helpdesk.get("/helpdesk").text).group(1)
        forged = helpdesk.post_raw(path, b"csrf_token=" + token[::-1].encode())
        assert forged.status_code == 403
        assert browser.submit(path, {}, form_page="/").status_code == 401
    messages = boto3.client("sqs").receive_message(QueueUrl=aws["ReconcileQueueUrl"])
    assert not messages.get("Messages")


def test_a_queue_that_cannot_be_reached_is_said_so_and_nothing_is_audited(
        helpdesk, aws, monkeypatch):
    from chalicelib.helpdesk import audit_trail
    from chalicelib.publication import reconcile

    monkeypatch.setenv("RECONCILE_QUEUE_URL", aws["ReconcileQueueUrl"] + "-weg")
    response = helpdesk.submit("/helpdesk/gemeente/GM0014/publicatie-controleren", {},
                               form_page="/helpdesk/gemeente/GM0014")
    assert response.status_code == 503 and "kon niet worden gestart" in response.text
    assert audit_trail.trail(reconcile.subject_publication(2026)) == []


def test_a_municipality_allowed_to_send_late_but_without_deliveries_is_no_drift(
        registrant, aws, monkeypatch, capsys):
    """The helpdesk's window exception makes a scope state before anything was sent: the
    reconciler finds nothing to publish there, and must not count it as repaired drift (the
    alarm would fire every quarter of an hour) nor write it into the trail."""
    from chalicelib.helpdesk import audit_trail
    from chalicelib.platform.models import ScopeState
    from chalicelib.publication import reconcile

    ScopeState("GM0034#2026", allowed_until="2026-12-31", allowed_reason="ziek",
               allowed_by="helpdesk@x").save()
    deliver(registrant, code="GM0014")
    run([record("GM0014#2026", 1, "INSERT")])
    monkeypatch.setattr(reconcile, "GRACE", timedelta(microseconds=1))
    capsys.readouterr()
    done = reconcile.run({"actor": None})
    assert done.outcomes == {"GM0014#2026": "up to date", "GM0034#2026": "nothing sent"}
    assert done.repaired == [] and done.failed == []
    assert emitted(capsys, "PublicationDrift") == [0.0]
    assert audit_trail.trail(reconcile.subject_publication(2026)) == []
    assert bucket_object(aws, "ceo-wmo/2026/GM0034.json") is None


def test_a_publication_moment_that_passes_while_publishing_fails_is_published_by_a_later_run(
        registrant, aws, monkeypatch):
    """The moment passes; the run that releases it cannot reach the target (an outage): the
    next scheduled run publishes it, once. A release is not drift."""
    from datetime import UTC, datetime

    from chalicelib.publication import reconcile, targets
    from tests.support.clock import Clock

    clock = Clock(monkeypatch)
    deliver(registrant, headline="eerst")
    run([record("GM0014#2026", 1, "INSERT")])
    deliver(registrant, headline="later", publish_at=datetime.now(UTC) + timedelta(hours=1))
    run([record("GM0014#2026", 2, "INSERT")])
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["headline"]["text"] == "eerst"
    clock.advance(2)

    class Down(targets.S3Target):
        def publish_document(self, document, html):
            raise ConnectionError("outage")

    failed = reconcile.run({}, target=Down(aws["PublicationBucketName"]))
    assert failed.outcomes["GM0014#2026"].startswith("failed")
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["headline"]["text"] == "eerst"
    clock.advance(0.25)  # the next quarter: released a while ago, still unpublished
    done = reconcile.run({})
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    assert document["headline"]["text"] == "later" and document["revision"] == 3
    assert done.outcomes["GM0014#2026"] == "published"
    assert reconcile.run({}).outcomes["GM0014#2026"] == "up to date"
