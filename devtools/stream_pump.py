"""Feeds local DynamoDB streams (moto) to stream handlers the way Lambda's event source mapping
does: Lambda-shaped records in batches, partial-batch retries from the first reported failure,
and a bounded number of retries before a batch is set aside (Lambda's on-failure destination).
`chalice local` never triggers stream handlers, hence this. Development and tests only."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

Handler = Callable[[dict[str, Any], Any], Any]


class LambdaContext:
    """Just enough of Lambda's context object for Chalice and powertools."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{function_name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + 30

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_record(record: dict[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """moto's record as Lambda delivers it: with eventSourceARN, the real region and
    ApproximateCreationDateTime in epoch seconds."""
    shaped = dict(record)
    dynamodb = dict(shaped.get("dynamodb", {}))
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    shaped["dynamodb"] = dynamodb
    shaped["eventSourceARN"] = stream_arn
    shaped["awsRegion"] = region
    return shaped


def failure_message(function_name: str, records: list[dict[str, Any]], attempts: int,
                    condition: str = "RetryAttemptsExhausted") -> dict[str, Any]:
    """What Lambda sends to a DynamoDB stream's on-failure destination for records it gave up
    on: where and when they were, not the records (Lambda developer guide, "Example invocation
    record" for DynamoDB streams)."""
    def arrival(record: dict[str, Any]) -> str:
        moment = datetime.fromtimestamp(record["dynamodb"]["ApproximateCreationDateTime"], UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    first, last = records[0], records[-1]
    return {
        "requestContext": {"requestId": str(uuid.uuid4()),
                           "functionArn": LambdaContext(function_name).invoked_function_arn,
                           "condition": condition, "approximateInvokeCount": attempts},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                            "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": "shardId-local",
            "startSequenceNumber": first["dynamodb"].get("SequenceNumber"),
            "endSequenceNumber": last["dynamodb"].get("SequenceNumber"),
            "approximateArrivalOfFirstRecord": arrival(first),
            "approximateArrivalOfLastRecord": arrival(last),
            "batchSize": len(records),
            "streamArn": first.get("eventSourceARN"),
        },
    }


@dataclass
class Subscription:
    table_name: str
    function_name: str
    handler: Handler
    batch_size: int = 100
    max_retries: int = 3
    # (stream ARN, shard id) → sequence number of the last record taken from that shard
    positions: dict[tuple[str, str], str] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0


class StreamPump:
    def __init__(self, subscriptions: list[Subscription], region: str,
                 interval: float = 0.3, on_discard: Callable[[str, list], None] | None = None,
                 after_poll: Callable[[], None] | None = None):
        self.subscriptions = subscriptions
        self.region = region
        self.interval = interval
        self.on_discard = on_discard or (lambda name, records: None)
        self.after_poll = after_poll or (lambda: None)
        self.discarded: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._dynamodb = boto3.client("dynamodb", region_name=region)
        self._streams = boto3.client("dynamodbstreams", region_name=region)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stream-pump", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
                self.after_poll()
            except Exception as error:  # keep pumping; show the engineer what happened
                print(f"[stream-pump] {type(error).__name__}: {error}", flush=True)
            self._stop.wait(self.interval)

    def poll_once(self) -> int:
        """Delivers what the streams hold now; returns the number of records handed over."""
        delivered = 0
        for subscription in self.subscriptions:
            stream_arn = self._dynamodb.describe_table(
                TableName=subscription.table_name)["Table"]["LatestStreamArn"]
            self._fetch(subscription, stream_arn)
            while subscription.pending:
                batch = subscription.pending[:subscription.batch_size]
                failed_from = self._invoke(subscription, batch)
                if failed_from is None:
                    delivered += len(batch)
                    subscription.pending = subscription.pending[len(batch):]
                    subscription.attempts = 0
                    continue
                subscription.attempts += 1
                delivered += failed_from
                subscription.pending = subscription.pending[failed_from:]
                if subscription.attempts > subscription.max_retries:
                    dropped = subscription.pending[:len(batch) - failed_from]
                    subscription.pending = subscription.pending[len(dropped):]
                    subscription.attempts = 0
                    self.discarded.extend(dropped)
                    self.on_discard(subscription.function_name, dropped)
                break  # retry on the next poll, as Lambda retries after a pause
        return delivered

    def _fetch(self, subscription: Subscription, stream_arn: str) -> None:
        """Takes what each shard holds after the last record taken from it. A fresh iterator
        every poll, never a stored one: moto (5.2.5) puts a deep copy in place of the table
        when a transaction is cancelled, and an iterator keeps reading the replaced table's
        shard, which never grows again (toolchain-notes: "moto's DynamoDB transactions are
        not isolated"). Resuming after a sequence number reads the live table's shard."""
        shards = self._streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            after = subscription.positions.get((stream_arn, shard_id))
            start: dict[str, str] = (
                {"ShardIteratorType": "TRIM_HORIZON"} if after is None else
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after})
            iterator = self._streams.get_shard_iterator(
                StreamArn=stream_arn, ShardId=shard_id, **start)["ShardIterator"]
            records = self._streams.get_records(ShardIterator=iterator)["Records"]
            if records:
                subscription.positions[(stream_arn, shard_id)] = \
                    records[-1]["dynamodb"]["SequenceNumber"]
            subscription.pending.extend(lambda_record(record, stream_arn, self.region)
                                        for record in records)

    def _invoke(self, subscription: Subscription, batch: list[dict[str, Any]]) -> int | None:
        """Calls the handler; None when the whole batch succeeded, else the index of the first
        record to deliver again (ReportBatchItemFailures semantics; an exception fails all)."""
        try:
            response = subscription.handler({"Records": batch},
                                            LambdaContext(subscription.function_name))
        except Exception as error:
            print(f"[stream-pump] {subscription.function_name} failed: "
                  f"{type(error).__name__}: {error}", flush=True)
            return 0
        failures = (response or {}).get("batchItemFailures") or []
        if not failures:
            return None
        failed_ids = {failure["itemIdentifier"] for failure in failures}
        for index, record in enumerate(batch):
            if record["dynamodb"].get("SequenceNumber") in failed_ids:
                return index
        return 0
