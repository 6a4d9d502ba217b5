"""Replaying the forward failure queue: the stream records the forwarder gave up on.

Lambda's on-failure message for a DynamoDB stream names where the failed records were and when
they arrived (`DDBStreamBatchInfo`: shard, first and last sequence number, approximate arrival
of the first and last record), never the records themselves; the stream keeps those 24 hours.
So nothing here reads the stream. The replay republishes from the tables what counts now (the
reconciler), for one municipality or a whole cycle, and then acknowledges (deletes) each
message whose records that replay covered: every delivery sent, withdrawn or restored within
the message's time window belongs to a scope the replay just brought up to date. A message the
replay did not cover stays in the queue, visible, and so does its alarm.

A record that failed for a scope whose later change did reach the site needs nothing: the
later publish carried the latest state. The time window is widened by `MARGIN` on both sides
(the app's clock, the stream's rounding of arrival times)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from ..platform import config
from ..platform.logs import logger
from ..platform.models import Delivery
from ..platform.records import Record, field
from . import targets
from .reconcile import reconcile


class RepublishFailed(Exception):
    """Republishing a scope failed (the reconciler's outcome says why): nothing acknowledged."""

MARGIN = timedelta(minutes=5)
HOLD_SECONDS = 900  # messages being replayed stay invisible this long should the replay die
POLL_SECONDS = 1  # long polling: short polls may miss messages on a small queue


class FailedBatch(Record, frozen=True):
    """One message of the queue: a batch of stream records the forwarder gave up on."""

    message_id: str
    receipt: str
    first: datetime | None  # None: a message this module cannot read (kept, reported)
    last: datetime | None
    records: int = 0
    condition: str = ""

    @property
    def readable(self) -> bool:
        return self.first is not None and self.last is not None

    def window(self) -> str:
        if not self.readable:
            return "onleesbaar bericht"
        assert self.first is not None and self.last is not None
        span = f"{self.first:%Y-%m-%d %H:%M:%S}"
        if self.last != self.first:
            span += f" – {self.last:%Y-%m-%d %H:%M:%S}"
        return f"{self.records} record(s), {span} UTC, {self.condition or 'reden onbekend'}"


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse(message: dict[str, Any]) -> FailedBatch:
    """The message as Lambda writes it (Lambda developer guide, on-failure destinations for
    DynamoDB streams: "Example invocation record")."""
    ids = (message["MessageId"], message["ReceiptHandle"])
    try:
        body = json.loads(message["Body"])
        info = body["DDBStreamBatchInfo"]
        return FailedBatch(*ids, _time(info["approximateArrivalOfFirstRecord"]),
                           _time(info["approximateArrivalOfLastRecord"]),
                           int(info.get("batchSize", 0)),
                           str(body.get("requestContext", {}).get("condition", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return FailedBatch(*ids, None, None)


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


def queue_url(variable: str = "FORWARD_FAILURES_QUEUE_URL", name: str = "forward-failures"
              ) -> str:
    """The failure queue's URL from `variable` (a deployed stage's output), else the stage's
    queue by name (also the counter's: COUNT_FAILURES_QUEUE_URL, count-failures)."""
    return config.env(variable) or str(_sqs().get_queue_url(
        QueueName=f"ceo-{config.stage()}-{name}")["QueueUrl"])


def receive_all(url: str, hold_seconds: int = HOLD_SECONDS) -> list[FailedBatch]:
    """Every message now in the queue, hidden from other readers for `hold_seconds`."""
    batches: dict[str, FailedBatch] = {}
    while True:
        messages = _sqs().receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=POLL_SECONDS,
            VisibilityTimeout=hold_seconds).get("Messages", [])
        if not messages:
            return list(batches.values())
        for message in messages:
            batches[message["MessageId"]] = parse(message)


def release(url: str, batches: Iterable[FailedBatch]) -> None:
    """Makes messages visible again at once (they stay, and so does the alarm); one that
    cannot be released reappears when its hold ends."""
    for batch in batches:
        try:
            _sqs().change_message_visibility(QueueUrl=url, ReceiptHandle=batch.receipt,
                                             VisibilityTimeout=0)
        except Exception as error:
            logger.warning("failure message not released", extra={
                "message_id": batch.message_id, "error": type(error).__name__})


def acknowledge(url: str, batches: list[FailedBatch]) -> None:
    """Deletes the messages: the alarm on the queue's visible messages clears."""
    for start in range(0, len(batches), 10):
        chunk = batches[start:start + 10]
        result = _sqs().delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "ReceiptHandle": b.receipt} for n, b in enumerate(chunk)])
        if result.get("Failed"):
            raise RuntimeError(f"SQS did not delete {len(result['Failed'])} message(s)")


def changed_scopes(batches: list[FailedBatch]) -> dict[str, set[str]]:
    """{message id: the scopes with a delivery sent or its status changed within the message's
    window}, from one (consistent) scan of the deliveries table, keys and times only."""
    readable = [b for b in batches if b.readable]
    found: dict[str, set[str]] = {b.message_id: set() for b in readable}
    if not readable:
        return found
    changes: list[tuple[str, datetime]] = []
    for delivery in Delivery.scan(consistent_read=True,
                                  attributes_to_get=["scope", "sent_at", "status_changed_at"]):
        changes += [(delivery.scope, moment) for moment in
                    (delivery.sent_at, delivery.status_changed_at) if moment is not None]
    for batch in readable:
        assert batch.first is not None and batch.last is not None
        start, end = batch.first - MARGIN, batch.last + MARGIN
        found[batch.message_id] = {scope for scope, moment in changes if start <= moment <= end}
    return found


class Replay(Record):
    """What a replay found, republished, acknowledged and left in the queue (and why)."""

    batches: list[FailedBatch]
    republished: dict[str, str] = field(default_factory=dict)
    acknowledged: list[FailedBatch] = field(default_factory=list)
    # message id -> the scopes it needs beyond this replay (empty: no delivery changed then)
    kept: dict[str, set[str]] = field(default_factory=dict)
    scopes: dict[str, set[str]] = field(default_factory=dict)

    @property
    def drained(self) -> bool:
        return not self.kept


def replay(cycle: int, codes: Iterable[str] | None = None, *, dry_run: bool = False,
           acknowledge_unmatched: bool = False, target: targets.Target | None = None,
           url: str | None = None) -> Replay:
    """Republishes the scope (`codes` of `cycle`, or the whole cycle) from the tables, then
    acknowledges the queue's messages it covered. With `dry_run` nothing is published or
    acknowledged: the result says which scopes each message needs. Raises when republishing
    fails; then every message stays."""
    url = url or queue_url()
    batches = receive_all(url, hold_seconds=30 if dry_run else HOLD_SECONDS)
    result = Replay(batches)
    try:
        result.scopes = changed_scopes(batches)
        if not dry_run:
            # Read after the messages were taken: whatever their records changed is in the
            # tables by now, so this publish carries it.
            result.republished = reconcile(cycle, list(codes) if codes else None, target)
            failed = {scope: outcome for scope, outcome in result.republished.items()
                      if outcome.startswith("failed")}
            if failed:
                raise RepublishFailed("; ".join(f"{scope} {outcome}"
                                                for scope, outcome in sorted(failed.items())))
        for batch in batches:
            needed = result.scopes.get(batch.message_id, set())
            outside = {scope for scope in needed if scope not in result.republished}
            if dry_run or outside or not batch.readable or not (needed or acknowledge_unmatched):
                result.kept[batch.message_id] = outside
            else:
                result.acknowledged.append(batch)
        acknowledge(url, result.acknowledged)
    except Exception:
        result.kept = {b.message_id: set() for b in batches}
        result.acknowledged = []
        raise
    finally:
        release(url, [b for b in batches if b.message_id in result.kept])
    if result.acknowledged:
        logger.warning("forward failures replayed", extra={
            "cycle": cycle, "acknowledged": len(result.acknowledged), "kept": len(result.kept)})
    return result
