"""The forward failure queue: what the forwarder gave up on is republished from the tables, by
municipality or whole cycle, and acknowledged only where that replay covered it, so the alarm on
the queue clears exactly when nothing is left to publish."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.support.feed import bucket_object, deliver, make_registrant

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def short_polls(monkeypatch):
    """moto answers a short poll with every visible message; real SQS may not (hence the
    replay's long polls), but a test need not wait for an empty queue to stay empty."""
    from chalicelib.publication import replay

    monkeypatch.setattr(replay, "POLL_SECONDS", 0)


@pytest.fixture()
def registrant(aws, app_module):
    return make_registrant(codes=("GM0014", "GM0034", "GM0050"))


def queue(aws):
    return aws["ForwardFailuresQueueUrl"]


def depth(aws) -> tuple[int, int]:
    """(visible, in flight): the alarm watches the visible ones."""
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue(aws), AttributeNames=["ApproximateNumberOfMessages",
                                             "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]))


def failed(aws, first: datetime, last: datetime | None = None, records: int = 1) -> None:
    """A message as Lambda's on-failure destination writes it (Lambda developer guide)."""
    def stamp(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    body = {"requestContext": {"requestId": "r", "condition": "RetryAttemptsExhausted",
                               "functionArn": "arn:aws:lambda:eu-central-1:123456789012:"
                                              "function:forward", "approximateInvokeCount": 6},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "version": "1.0", "timestamp": stamp(last or first),
            "DDBStreamBatchInfo": {"shardId": "shardId-1", "startSequenceNumber": "1",
                                   "endSequenceNumber": "2",
                                   "approximateArrivalOfFirstRecord": stamp(first),
                                   "approximateArrivalOfLastRecord": stamp(last or first),
                                   "batchSize": records,
                                   "streamArn": "arn:aws:dynamodb:eu-central-1:123456789012:"
                                                "table/ceo-local-deliveries/stream/x"}}
    boto3.client("sqs").send_message(QueueUrl=queue(aws), MessageBody=json.dumps(body))


def published(aws, code: str):
    document = bucket_object(aws, f"ceo-wmo/2026/{code}.json")
    return document and document["revision"]


def cli(*args: str) -> int:
    from chalicelib.cli import main as helpdesk_cli

    return helpdesk_cli.main(["replay-failures", *args])


class Down:
    """A publication target that is down."""

    def publish_document(self, document, report_html):
        raise ConnectionError("target down")

    def publish_shared(self, documents):
        raise ConnectionError("target down")

    def held(self, cycle, municipalities, instrument="ceo-wmo"):
        return dict.fromkeys(municipalities, 0)


def test_what_the_stream_gave_up_on_is_replayed_from_the_tables_and_the_queue_drains(
        registrant, aws, app_module, monkeypatch, capsys):
    from chalicelib.publication import targets
    from devtools.local import failure_queue, stream_subscriptions
    from devtools.stream_pump import StreamPump

    deliver(registrant)
    deliver(registrant, code="GM0034")
    working = targets.configured
    monkeypatch.setattr(targets, "configured", lambda: Down())  # the site is down for a while
    [subscription] = [s for s in stream_subscriptions(app_module, aws)
                      if s.function_name == "forward_deliveries"]  # not the responses' counter
    subscription.max_retries = 1
    pump = StreamPump([subscription], "eu-central-1",
                      on_discard=failure_queue(queue(aws)))
    for _ in range(3):
        pump.poll_once()
    assert len(pump.discarded) == 2 and depth(aws) == (1, 0)  # one batch of two, set aside
    [message] = boto3.client("sqs").receive_message(
        QueueUrl=queue(aws), VisibilityTimeout=0)["Messages"]
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2 and info["approximateArrivalOfFirstRecord"].endswith("Z")
    monkeypatch.setattr(targets, "configured", working)  # back; the stream has moved on
    assert published(aws, "GM0014") is None and published(aws, "GM0034") is None

    capsys.readouterr()
    assert cli("--dry-run") == 1  # shows, publishes nothing, acknowledges nothing
    out = capsys.readouterr().out
    assert "wachtrij: 1 bericht(en)" in out and "2 record(s)" in out
    assert "replay-failures --cycle 2026 GM0014; replay-failures --cycle 2026 GM0034" in out
    assert published(aws, "GM0014") is None and depth(aws) == (1, 0)

    # one municipality: republished, but the message also stands for GM0034's record
    assert cli("--cycle", "2026", "GM0014") == 1
    out = capsys.readouterr().out
    assert "GM0014#2026\tpublished" in out
    assert "blijft staan" in out and "nodig: replay-failures --cycle 2026 GM0034" in out
    assert published(aws, "GM0014") == 1 and published(aws, "GM0034") is None
    assert depth(aws) == (1, 0)  # still visible: the alarm stays on

    assert cli("--cycle", "2026") == 0  # the whole cycle covers it
    out = capsys.readouterr().out
    assert "GM0034#2026\tpublished" in out and "GM0014#2026\tup to date" in out
    assert "1 bevestigd, 0 blijven staan; de wachtrij is leeg" in out
    assert published(aws, "GM0034") == 1 and depth(aws) == (0, 0)


def test_a_replay_acknowledges_only_the_messages_its_scope_covers(registrant, aws, capsys):
    from chalicelib.delivery import withdrawals

    deliver(registrant, now=T0)
    deliver(registrant, code="GM0034", now=T0 + timedelta(hours=1))
    first = deliver(registrant, code="GM0050", now=T0 + timedelta(hours=2))
    deliver(registrant, code="GM0050", now=T0 + timedelta(hours=3))
    withdrawals.withdraw_latest("GM0050", 2026, "GM0050-2026-2", "test", "dubbel",
                                now=T0 + timedelta(hours=4))
    failed(aws, T0 + timedelta(seconds=20))  # GM0014's send
    failed(aws, T0 + timedelta(hours=1, seconds=2))  # GM0034's
    failed(aws, T0 + timedelta(hours=4, minutes=1))  # the withdrawal: a MODIFY of GM0050-2

    assert cli("--cycle", "2026", "GM0014") == 1
    out = capsys.readouterr().out
    assert "1 bevestigd, 2 blijven staan" in out
    assert "nodig: replay-failures --cycle 2026 GM0034" in out
    assert "nodig: replay-failures --cycle 2026 GM0050" in out
    assert depth(aws) == (2, 0)
    assert cli("--cycle", "2026", "GM0050") == 1
    assert "1 bevestigd, 1 blijven staan" in capsys.readouterr().out
    assert bucket_object(aws, "ceo-wmo/2026/GM0050.json")["delivery"]["id"] == \
        first.delivery_id  # after the withdrawal, the first one counts again
    assert cli("--cycle", "2026", "GM0034") == 0
    assert depth(aws) == (0, 0)


def test_a_failed_replay_acknowledges_nothing(registrant, aws, monkeypatch, capsys):
    from chalicelib.publication import targets

    deliver(registrant, now=T0)
    failed(aws, T0)
    working = targets.configured
    monkeypatch.setattr(targets, "configured", lambda: Down())
    assert cli("--cycle", "2026") == 1
    assert "Replay mislukt, niets bevestigd: RepublishFailed: GM0014#2026 failed: target down" \
        in capsys.readouterr().err
    assert depth(aws) == (1, 0)  # visible again at once, not hidden for the hold
    monkeypatch.setattr(targets, "configured", working)
    assert cli("--cycle", "2026") == 0 and depth(aws) == (0, 0)


def test_messages_nothing_in_the_tables_explains_stay_until_acknowledged_by_hand(
        registrant, aws, capsys):
    deliver(registrant, now=T0)
    failed(aws, T0 - timedelta(days=2))  # no delivery changed then (an edit by hand?)
    boto3.client("sqs").send_message(QueueUrl=queue(aws), MessageBody="not from Lambda")
    assert cli("--cycle", "2026") == 1
    out = capsys.readouterr().out
    assert "geen aanlevering gewijzigd in dit tijdvak" in out
    assert "onleesbaar bericht" in out and "0 bevestigd, 2 blijven staan" in out
    assert cli("--cycle", "2026", "--acknowledge-unmatched") == 1
    assert "1 bevestigd, 1 blijven staan" in capsys.readouterr().out
    assert depth(aws) == (1, 0)  # what the replay cannot read is never thrown away


def test_an_empty_queue_is_a_clean_replay(registrant, aws, capsys):
    assert cli("--cycle", "2026", "GM0014") == 0
    assert "wachtrij: 0 bericht(en)" in capsys.readouterr().out
