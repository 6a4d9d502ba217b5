"""The DynamoDB Streams trigger: forward only what counts now, per municipality and cycle.

Records only say *which* (municipality, cycle) changed; what is published is read from the
table. Records of one scope within a batch are coalesced into one publish. The scope's
revision, read first, labels the document; the S3 target refuses to go back to an older
revision (the webhook's consumer is told the revision to do the same), and the forwarded
revision is recorded with a conditional write, so duplicates, retries and late events can never
replace newer state with older."""
from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from ..delivery.history import counting, history
from ..platform.logs import logger
from ..platform.metrics import for_service
from ..platform.models import ScopeState, parse_scope
from . import document, report, targets


def scope_of(record: Any) -> str | None:
    keys = (record.dynamodb.keys if record.dynamodb else None) or {}
    scope = keys.get("scope")
    return scope if parse_scope(scope) else None


def forward(scope: str, target: targets.Target) -> str:
    """Publishes what counts now for `scope`; returns what happened (for logs and tests)."""
    municipality, cycle = parse_scope(scope) or ("", 0)
    try:
        # The state is read before the deliveries: the label may then be older than the
        # content, never newer, so a later event always publishes again.
        state = ScopeState.get(scope, consistent_read=True)
    except ScopeState.DoesNotExist:
        return "no state"
    revision = int(state.revision)
    # The record alone is not trusted: a target that fell behind it (a write lost after the
    # record, a restored bucket) is repaired by the next event or retry.
    if state.forwarded_revision is not None and int(state.forwarded_revision) >= revision \
            and target.holds(municipality, cycle, revision):
        return "up to date"
    doc = document.document(municipality, cycle, revision,
                            counting(history(municipality, cycle)))
    published = target.publish(doc, report.html(doc))
    try:
        ScopeState(scope).update(
            actions=[ScopeState.forwarded_revision.set(revision)],
            condition=ScopeState.forwarded_revision.does_not_exist() |
            (ScopeState.forwarded_revision < revision))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
    logger.info("forwarded", extra={"scope": scope, "revision": revision,
                                    "status": doc["status"], "written": published})
    return doc["status"] if published else "target newer"


def handle(event: dict[str, Any], context: Any,
           target: targets.Target | None = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    metrics = for_service("forwarder")
    target = target or targets.configured()
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
            except targets.Rejected as rejected:
                outcomes[scope] = None
                metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
                logger.error("target rejected document, dropped",
                             extra={"scope": scope, "reason": str(rejected)})
            except Exception as error:  # retried through the batch item failure
                outcomes[scope] = error
                metrics.add_metric(name="ForwardFailed", unit="Count", value=1)
                logger.exception("forward failed", extra={"scope": scope})
        failure = outcomes[scope]
        if failure is not None:
            raise failure

    try:
        response = process_partial_response(
            event=event, record_handler=record_handler, context=context,
            processor=BatchProcessor(EventType.DynamoDBStreams,
                                     raise_on_entire_batch_failure=False))
        return dict(response)
    finally:
        metrics.flush_metrics()
