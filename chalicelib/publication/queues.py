"""The publication's two queues (SQS): requests to the reconciler, and what the webhook
refused. One client per process; each queue's URL from the variable the stack sets, else looked
up by the stage's name once."""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..platform import config

RECONCILE = ("RECONCILE_QUEUE_URL", "reconcile")
REFUSALS = ("PUBLICATION_REFUSALS_QUEUE_URL", "publication-refused")


@cache
def sqs() -> Any:
    import boto3

    return boto3.client("sqs")


@cache
def _url_of(name: str) -> str:
    return str(sqs().get_queue_url(QueueName=name)["QueueUrl"])


def url(queue: tuple[str, str]) -> str:
    variable, name = queue
    return config.env(variable) or _url_of(f"ceo-{config.stage()}-{name}")


def send(queue: tuple[str, str], body: dict[str, Any]) -> None:
    sqs().send_message(QueueUrl=url(queue), MessageBody=json.dumps(body))
