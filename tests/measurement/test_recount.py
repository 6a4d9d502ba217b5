"""The counter's failure queue: a batch the counter gave up on is set aside as Lambda does (the
local runner says which command replays it), and `./dev redrive <stage> count-failures` — the
helpdesk CLI's `recount-failures` — counts the days it names again from the responses table.
Counting is idempotent, so responses counted before stay counted once, and the queue (with its
alarm) is empty afterwards."""
from __future__ import annotations

import boto3
import pytest

from tests.support import results as support


@pytest.fixture(autouse=True)
def _fresh_stream(monkeypatch):
    from chalicelib.publication import replay

    monkeypatch.setattr(replay, "POLL_SECONDS", 0)  # moto answers short polls fully
    support.forget_stream()
    yield
    support.forget_stream()


def _visible(aws) -> int:
    return int(boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws["CountFailuresQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"])


def _counted(measurement) -> int:
    from chalicelib.measurement import counting, measurements

    groups = counting.totals(counting.read_counts(measurements.scope_key(measurement)), set())
    return groups[(counting.ALL, counting.ALL)].responses if groups else 0


def _recount(*args: str) -> int:
    from chalicelib.cli import main as helpdesk_cli

    return helpdesk_cli.main(["recount-failures", *args])


def test_a_batch_the_counter_gave_up_on_is_counted_again_once(aws, capsys, monkeypatch):
    from chalicelib.measurement import counting, results
    from devtools.local import COUNT_REPLAY, failure_queue

    measurement = support.measurement()
    for _ in range(7):
        support.respond(measurement, {"q1": "5"})
    support.count_new(aws)  # seven counted
    for _ in range(5):
        support.respond(measurement, {"q1": "2"})
    records = support.stream_records(aws)
    working = counting.count_once
    monkeypatch.setattr(counting, "count_once", lambda *_: (_ for _ in ()).throw(
        ConnectionError("results table unreachable")))
    assert support.run(records)["batchItemFailures"]  # retried until Lambda gives up:
    failure_queue(aws["CountFailuresQueueUrl"], "count failure queue",
                  COUNT_REPLAY)("count_responses", records)
    assert "./dev redrive local count-failures" in capsys.readouterr().out
    assert _visible(aws) == 1 and _counted(measurement) == 7
    assert results.read(measurement).total.responses is None  # 12 answered, 7 counted

    assert _recount("--dry-run") == 0
    assert "wachtrij: 1 bericht(en)" in capsys.readouterr().out
    assert _visible(aws) == 1 and _counted(measurement) == 7

    monkeypatch.setattr(counting, "count_once", working)
    assert _recount() == 0
    out = capsys.readouterr().out
    assert "opnieuw geteld" in out and "de wachtrij is leeg" in out
    assert _visible(aws) == 0 and _counted(measurement) == 12  # the seven not twice
    assert results.read(measurement).total.responses == 10  # on show: the step at 10
    assert _recount() == 0 and _counted(measurement) == 12


def test_a_recount_that_fails_again_keeps_the_message(aws, capsys, monkeypatch):
    from chalicelib.measurement import counting
    from devtools.local import failure_queue

    measurement = support.measurement()
    support.respond(measurement, {"q1": "5"})
    records = support.stream_records(aws)
    failure_queue(aws["CountFailuresQueueUrl"])("count_responses", records)
    monkeypatch.setattr(counting, "count_once", lambda *_: (_ for _ in ()).throw(
        ConnectionError("still down")))
    assert _recount() == 1
    assert "blijft staan" in capsys.readouterr().out and _visible(aws) == 1
    assert _counted(measurement) == 0


def test_redrive_hands_the_count_failures_to_the_helpdesk_cli():
    from devtools import redrive

    assert redrive.helpdesk_command("prod", "count-failures", yes=True)[3:] == [
        "--stage", "prod", "recount-failures"]
    assert redrive.helpdesk_command("local", "count-failures", yes=False)[3:] == [
        "recount-failures", "--dry-run"]
