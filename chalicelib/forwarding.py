"""The DynamoDB Streams trigger: forward only what counts now, per municipality and cycle.

Records only say *which* (municipality, cycle) changed; what is published is read from the
table. Records of one scope within a batch are coalesced into one publish. The scope's
revision, read first, labels the document; targets refuse to go back to an older revision,
and the forwarded revision is recorded with a conditional write, so duplicates, retries and
late events can never replace newer state with older."""
from __future__ import annotations

import re
from typing import Any

from pynamodb.exceptions import UpdateError

from . import feed, publication_targets
from .deliveries import counting, history
from .logs import logger
from .models import ScopeState
from .rendering import render

_SCOPE = re.compile(r"^GM\d{4}#\d{4}$")


def _metrics():
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="AanlevermoduleCEO", service="forwarder")


def scope_of(record: Any) -> str | None:
    keys = (record.dynamodb.keys if record.dynamodb else None) or {}
    scope = keys.get("scope")
    return scope if isinstance(scope, str) and _SCOPE.match(scope) else None


def forward(scope: str, target: publication_targets.Target) -> str:
    """Publishes what counts now for `scope`; returns what happened (for logs and tests)."""
    municipality, cycle_text = scope.split("#")
    cycle = int(cycle_text)
    try:
        # The state is read before the deliveries: the label may then be older than the
        # content, never newer, so a later event always publishes again.
        state = ScopeState.get(scope, consistent_read=True)
    except ScopeState.DoesNotExist:
        return "no state"
    revision = int(state.revision)
    if state.forwarded_revision is not None and int(state.forwarded_revision) >= revision:
        return "up to date"
    document = feed.document(municipality, cycle, revision, counting(history(municipality,
                                                                              cycle)))
    published = target.publish(document, render("report.html", doc=document))
    try:
        ScopeState(scope).update(
            actions=[ScopeState.forwarded_revision.set(revision)],
            condition=ScopeState.forwarded_revision.does_not_exist() |
            (ScopeState.forwarded_revision < revision))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
    logger.info("forwarded", extra={"scope": scope, "revision": revision,
                                    "status": document["status"], "written": published})
    return document["status"] if published else "target newer"


def handle(event: dict[str, Any], context: Any,
           target: publication_targets.Target | None = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    metrics = _metrics()
    target = target or publication_targets.configured()
    outcomes: dict[str, Exception | None] = {}

    def record_handler(record: Any) -> None:
        scope = scope_of(record)
        if scope is None:
            metrics.add_metric(name="MalformedRecord", unit="Count", value=1)
            logger.warning("malformed stream record skipped",
                           extra={"event_id": getattr(record, "event_id", None)})
            return
        if scope not in outcomes:
            try:
                forward(scope, target)
                outcomes[scope] = None
                metrics.add_metric(name="Forwarded", unit="Count", value=1)
            except publication_targets.Rejected as rejected:
                outcomes[scope] = None
                metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
                logger.error("target rejected document, dropped",
                             extra={"scope": scope, "reason": str(rejected)})
            except Exception as error:  # retried through the batch item failure
                outcomes[scope] = error
                metrics.add_metric(name="ForwardFailed", unit="Count", value=1)
                logger.exception("forward failed", extra={"scope": scope})
        if outcomes[scope] is not None:
            raise outcomes[scope]

    try:
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=BatchProcessor(
                                            EventType.DynamoDBStreams,
                                            raise_on_entire_batch_failure=False),
                                        context=context)
    finally:
        metrics.flush_metrics()
