"""Change notifications for sites that would rather not poll: one message per municipality
whose document changed, after the feed holds it, at least once; none for duplicates, late
events or repairs of what was announced already. Read the way a site would: its own SQS queue
subscribed to the topic."""
from __future__ import annotations

import boto3
import pytest

from tests.support.feed import (
    BATCH,
    bucket_object,
    deliver,
    make_registrant,
    notifications_in,
    record,
    run,
    subscribe_queue,
    validate,
)


@pytest.fixture()
def registrant(aws, app_module):
    return make_registrant(codes=BATCH)


def test_one_message_per_changed_municipality_that_points_at_what_changed(registrant, aws):
    site = subscribe_queue(aws)
    for code in BATCH:
        deliver(registrant, code=code)
    run([record(f"{code}#2026", n) for code in BATCH for n in (1, 1)])
    messages = notifications_in(site)
    assert sorted(m["municipality"]["code"] for m in messages) == sorted(BATCH)
    for message in messages:
        validate(message, "notification")
        assert message["type"] == "document-changed" and message["revision"] == 1
        document = bucket_object(aws, message["document"])  # the feed holds it already
        assert document["revision"] == message["revision"]
        assert document["municipality"] == message["municipality"]
        assert bucket_object(aws, message["index"])["municipalities"][
            message["municipality"]["code"]]["revision"] == 1


def test_duplicates_late_events_and_repairs_announce_nothing_a_withdrawal_does(
        registrant, aws):
    from chalicelib.delivery import withdrawals
    from chalicelib.publication.reconcile import reconcile

    site = subscribe_queue(aws)
    deliver(registrant)
    run([record("GM0014#2026", 1, "INSERT")])
    assert len(notifications_in(site)) == 1
    run([record("GM0014#2026", 1)] * 3)  # duplicates and late events
    boto3.client("s3").delete_object(Bucket=aws["PublicationBucketName"],
                                     Key="ceo-wmo/2026/GM0014.html")
    assert reconcile(2026, ["GM0014"]) == {"GM0014#2026": "published"}  # a repair
    assert notifications_in(site) == []
    withdrawals.withdraw_latest("GM0014", 2026, "GM0014-2026-1", "h", "fout")
    run([record("GM0014#2026", 1)])
    [retraction] = notifications_in(site)
    assert (retraction["status"], retraction["revision"]) == ("retracted", 2)


def test_a_notification_that_fails_fails_its_municipality_and_the_retry_sends_it(
        registrant, aws, monkeypatch):
    from chalicelib.platform.models import ScopeState
    from chalicelib.publication import notifications

    site = subscribe_queue(aws)
    deliver(registrant, code="GM0014")
    deliver(registrant, code="GM0034")
    real = notifications._sns()

    class Unreachable:
        def publish_batch(self, **kwargs):
            raise ConnectionError("SNS unreachable")

    monkeypatch.setattr(notifications, "_sns", lambda: Unreachable())
    batch = [record("GM0014#2026", 1, "INSERT"), record("GM0034#2026", 1, "INSERT")]
    assert len(run(batch)["batchItemFailures"]) == 2
    assert ScopeState.get("GM0014#2026").forwarded_revision is None  # not recorded
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["revision"] == 1  # the feed has it
    monkeypatch.setattr(notifications, "_sns", lambda: real)
    assert run(batch) == {"batchItemFailures": []}
    assert sorted(m["municipality"]["code"] for m in notifications_in(site)) == [
        "GM0014", "GM0034"]


def test_a_site_can_filter_on_the_message_attributes(registrant, aws):
    only_one = subscribe_queue(aws, "one-municipality",
                               filter_policy={"municipality": ["GM0034"]})
    for code in BATCH:
        deliver(registrant, code=code)
    run([record(f"{code}#2026", 1) for code in BATCH])
    assert [m["municipality"]["code"] for m in notifications_in(only_one)] == ["GM0034"]


def test_a_deployed_stage_without_the_topic_fails_loudly(monkeypatch):
    from chalicelib.publication import notifications

    monkeypatch.delenv("FEED_CHANGES_TOPIC_ARN", raising=False)
    assert notifications.topic_arn().endswith(":123456789012:ceo-local-feed-changes")
    monkeypatch.setenv("STAGE", "prod")
    with pytest.raises(RuntimeError, match="FEED_CHANGES_TOPIC_ARN"):
        notifications.topic_arn()
