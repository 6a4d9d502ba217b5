"""Feeds the local mail queue (moto SQS) to the app's SQS handler the way Lambda's event
source mapping does: Lambda-shaped records in batches of up to 10, messages the handler reports
as failed stay in the queue and come back (their receive count rising, so the handler sees its
last attempt), the rest are deleted. `chalice local` never triggers SQS handlers, hence this.
Development and tests only."""
from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

import boto3

from devtools.stream_pump import LambdaContext

Handler = Callable[[dict[str, Any], Any], Any]

# The function whose work is being pumped right now (tests attribute AWS calls by it).
active_function: str | None = None


def lambda_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"],
                       "SentTimestamp": m["Attributes"].get("SentTimestamp", "0"),
                       "SenderId": "local", "ApproximateFirstReceiveTimestamp": "0"},
        "messageAttributes": {}, "md5OfBody": m.get("MD5OfBody", ""),
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    } for m in messages]}


@cache
def _sqs(region: str) -> Any:
    return boto3.client("sqs", region_name=region)


def drain_once(queue_url: str, handler: Handler, region: str, function_name: str,
               wait_seconds: int = 0, retry_after: int = 0) -> int:
    """One receive + handler call; returns how many messages it received. A failed message
    comes back after `retry_after` seconds (tests: at once)."""
    global active_function
    active_function = function_name
    try:
        return _drain_once(queue_url, handler, region, function_name, wait_seconds,
                           retry_after)
    finally:
        active_function = None


def _drain_once(queue_url: str, handler: Handler, region: str, function_name: str,
                wait_seconds: int, retry_after: int) -> int:
    sqs = _sqs(region)
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                   WaitTimeSeconds=wait_seconds, VisibilityTimeout=retry_after,
                                   AttributeNames=["All"]).get("Messages", [])
    if not received:
        return 0
    queue_arn = sqs.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    result = handler(lambda_event(received, queue_arn, region), LambdaContext(function_name))
    failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
    done = [m for m in received if m["MessageId"] not in failed]
    for message in done:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return len(received)


def drain(queue_url: str, handler: Handler, region: str, function_name: str,
          rounds: int = 50) -> None:
    """Until the queue is empty: jobs may queue further jobs (a new link queues its mail), and
    a failing job comes back until the dead-letter queue takes it."""
    for _ in range(rounds):
        if drain_once(queue_url, handler, region, function_name) == 0:
            return


class QueuePump:
    def __init__(self, queue_url: str, handler: Handler, region: str,
                 function_name: str) -> None:
        self.args = (queue_url, handler, region, function_name)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="queue-pump", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if drain_once(*self.args, wait_seconds=1, retry_after=10) == 0:
                    self._stop.wait(0.2)
            except Exception as error:  # keep pumping; the runner must not die of one batch
                print(f"[queue-pump] {type(error).__name__}: {error}", flush=True)
                self._stop.wait(1)
