"""Change notifications (docs/feed.md, docs/feed/notification.schema.json): one message per
municipality whose document changed, on the feed's SNS topic, for sites that would rather not
poll. Sent after the feed holds the change (document, report and the shared objects) and before
the forwarder records it, so a failure is retried with the rest: at least once, a duplicate
carries the same revision."""
from __future__ import annotations

import json
from functools import cache
from typing import Any

from ..platform import config
from ..platform.models import scope_key
from . import paths

SCHEMA_ID = "https://aanlevermodule-ceo.nl/feed/v1/notification.schema.json"
BATCH = 10  # SNS PublishBatch takes at most ten entries


@cache
def _sns() -> Any:
    import boto3

    return boto3.client("sns")


def topic_arn() -> str:
    """FEED_CHANGES_TOPIC_ARN (the stack sets it); locally the runner's topic in moto."""
    arn = config.env("FEED_CHANGES_TOPIC_ARN")
    if arn:
        return arn
    if config.stage() != "local":  # a made-up ARN would only fail later, less clearly
        raise RuntimeError("FEED_CHANGES_TOPIC_ARN is not set (the stack sets it)")
    region = config.env("AWS_REGION") or config.env("AWS_DEFAULT_REGION", "eu-central-1")
    return f"arn:aws:sns:{region}:123456789012:ceo-{config.stage()}-feed-changes"


def message(document: dict[str, Any]) -> dict[str, Any]:
    """What a site needs to fetch the change: who, which revision, where it is."""
    instrument, cycle = document["instrument"], document["cycle"]
    code = document["municipality"]["code"]
    return {"$schema": SCHEMA_ID, "type": "document-changed", "instrument": instrument,
            "cycle": cycle, "municipality": document["municipality"],
            "revision": document["revision"], "status": document["status"],
            "late": document["late"], "document": paths.document(instrument, cycle, code),
            "report": paths.report(instrument, cycle, code),
            "index": paths.cycle_index(instrument, cycle),
            "national": paths.national(instrument, cycle),
            "generated_at": document["generated_at"]}


def notify(documents: list[dict[str, Any]]) -> dict[str, Exception]:
    """Publishes one message per document, ten per request; returns {scope: error} for the
    ones SNS did not take (to be retried)."""
    failed: dict[str, Exception] = {}
    for start in range(0, len(documents), BATCH):
        chunk = documents[start:start + BATCH]
        entries = [{
            "Id": f"m{n}", "Message": json.dumps(message(doc), ensure_ascii=False),
            "MessageAttributes": {
                "municipality": {"DataType": "String",
                                 "StringValue": doc["municipality"]["code"]},
                "cycle": {"DataType": "String", "StringValue": str(doc["cycle"])},
                "instrument": {"DataType": "String", "StringValue": doc["instrument"]},
                "status": {"DataType": "String", "StringValue": doc["status"]}}}
            for n, doc in enumerate(chunk)]
        try:
            answer = _sns().publish_batch(TopicArn=topic_arn(),
                                          PublishBatchRequestEntries=entries)
        except Exception as error:
            failed.update({_scope(doc): error for doc in chunk})
            continue
        for entry in answer.get("Failed", []):
            doc = chunk[int(entry["Id"][1:])]
            failed[_scope(doc)] = RuntimeError(
                f"notification refused: {entry.get('Code')} {entry.get('Message', '')}")
    return failed


def _scope(document: dict[str, Any]) -> str:
    return scope_key(document["municipality"]["code"], document["cycle"],
                     document["instrument"])
