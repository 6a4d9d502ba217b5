"""The outbox: work that sends mail is queued (SQS) and done by the mail worker, with retries,
a dead-letter queue and an alarm, instead of inside the request. A request then only enqueues,
so an SES hiccup never turns a registration into an error page, and registering or asking a
link does the same work whether or not the address is known (no enumeration by timing)."""
from __future__ import annotations

import json
import random
from functools import cache
from typing import Any

from . import config
from .logs import logger


class NotQueued(Exception):
    """SQS could not be reached: nothing was queued (the web layer answers 503)."""


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


@cache
def _url_of(name: str) -> str:
    return str(_sqs().get_queue_url(QueueName=name)["QueueUrl"])


def queue_url() -> str:
    """MAIL_QUEUE_URL (the stack sets it), else the stage's queue looked up by name once."""
    return config.env("MAIL_QUEUE_URL") or _url_of(f"ceo-{config.stage()}-mail")


def contact_list_queue_url() -> str:
    """The queue of contact lists to fan out (measurement/contacts.py); the mail worker reads it
    too."""
    return config.env("CONTACT_LIST_QUEUE_URL") or _url_of(f"ceo-{config.stage()}-contact-lists")


def enqueue(job: dict[str, Any], queue: str | None = None, delay_seconds: int = 0) -> None:
    try:
        _sqs().send_message(QueueUrl=queue or queue_url(), MessageBody=json.dumps(job),
                            **({"DelaySeconds": delay_seconds} if delay_seconds else {}))
    except Exception as error:  # botocore's ClientError and connection errors alike
        logger.error("job not queued", extra={"kind": job.get("kind"),
                                               "error": type(error).__name__})
        raise NotQueued() from error


MAX_BACKOFF_SECONDS = 900  # SQS's longest delay


def backoff_seconds(throttled: int) -> int:
    """How long a send SES or SNS throttled waits before its next try: doubling from 2 s, with
    up to a quarter of jitter so a throttled batch does not come back at one moment."""
    base = min(2 ** throttled, MAX_BACKOFF_SECONDS)
    return min(MAX_BACKOFF_SECONDS, base + random.randint(0, base // 4))


def later(job: dict[str, Any]) -> None:
    """Queues a job whose send stayed throttled again, as a new message after the backoff: SQS's
    receive count (and so the dead-letter queue) never sees throttling, only failures.
    NotQueued when SQS refuses: the caller then lets SQS retry the message it holds."""
    throttled = int(job.get("throttled", 0)) + 1
    enqueue({**job, "throttled": throttled}, delay_seconds=backoff_seconds(throttled))


def enqueue_many(jobs: list[dict[str, Any]], queue: str | None = None) -> None:
    """Queues jobs ten to a request (SendMessageBatch; IAM calls it sqs:SendMessage). NotQueued
    when SQS cannot be reached or refuses any of them: what was refused may be queued again,
    as every job kind is safe to do twice."""
    for start in range(0, len(jobs), 10):
        entries = [{"Id": str(n), "MessageBody": json.dumps(job)}
                   for n, job in enumerate(jobs[start:start + 10])]
        try:
            answer = _sqs().send_message_batch(QueueUrl=queue or queue_url(), Entries=entries)
        except Exception as error:  # botocore's ClientError and connection errors alike
            logger.error("jobs not queued", extra={"error": type(error).__name__})
            raise NotQueued() from error
        if answer.get("Failed"):
            logger.error("jobs not queued", extra={"failed": len(answer["Failed"])})
            raise NotQueued()


def dead_letter_queue_url() -> str:
    return config.env("MAIL_DEAD_LETTER_QUEUE_URL") or \
        _url_of(f"ceo-{config.stage()}-mail-dead-letters")


def redrive(limit: int = 100_000) -> int:
    """Moves the jobs in the dead-letter queue back to the mail queue (after the cause was
    fixed: SES or SNS out, a spend limit reached), ten at a time, each deleted from the
    dead-letter queue only once it is queued again; how many were moved. Every job kind is
    safe to do twice."""
    moved = 0
    source = dead_letter_queue_url()
    while moved < limit:
        messages = _sqs().receive_message(QueueUrl=source, MaxNumberOfMessages=10,
                                          VisibilityTimeout=60).get("Messages", [])
        if not messages:
            return moved
        answer = _sqs().send_message_batch(QueueUrl=queue_url(), Entries=[
            {"Id": str(n), "MessageBody": m["Body"]} for n, m in enumerate(messages)])
        queued = {int(entry["Id"]) for entry in answer.get("Successful", [])}
        done = [m for n, m in enumerate(messages) if n in queued]
        if done:
            _sqs().delete_message_batch(QueueUrl=source, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)])
        moved += len(done)
        if len(done) < len(messages):
            raise NotQueued()
    return moved
