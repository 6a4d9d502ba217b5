"""The DynamoDB Streams trigger: forward only what counts now, per municipality, cycle and
instrument (each instrument's scopes and feed are its own).

Records only say *which* (municipality, cycle) changed; what is published is read from the
table. A batch is forwarded as a whole: its records are coalesced per scope, the scope states
read in one request, each changed municipality's own objects written, and then the objects
they share (cycle index, national figures, root index) written once for the whole batch. The
scope's revision, read first, labels the document; the S3 target refuses to go back to an
older revision (the webhook's consumer is told the revision to do the same), and the
forwarded revision is recorded with a conditional write only after the shared objects and the
change notification (notifications.py), so duplicates, retries and late events can never
replace newer state with older, and a batch that dies between any two writes is completed by
its retry, its notifications included."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import UpdateError

from ..delivery.history import ever_shown, history, published
from ..platform.logs import logger
from ..platform.metrics import for_service
from ..platform.models import ScopeState, parse_scope
from . import document, figures, notifications, refusals, report, targets

UP_TO_DATE = "up to date"
NO_STATE = "no state"
TARGET_NEWER = "target newer"
NOTHING_SENT = "nothing sent"


def scope_of(record: Any) -> str | None:
    try:
        keys = (record.dynamodb.keys if record.dynamodb else None) or {}
        scope = keys.get("scope")
    except Exception:  # a record too malformed to read
        return None
    return scope if parse_scope(scope) else None


def _record_forwarded(scope: str, revision: int) -> None:
    try:
        ScopeState(scope).update(
            actions=[ScopeState.forwarded_revision.set(revision)],
            condition=ScopeState.forwarded_revision.does_not_exist() |
            (ScopeState.forwarded_revision < revision))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def _stale(states: dict[str, ScopeState], target: targets.Target) -> list[str]:
    """The scopes to publish: those the record says are behind, and those the record calls
    forwarded but the target does not hold completely (a write lost after the record, a
    restored bucket): the record alone is not trusted."""
    stale: list[str] = []
    trusted: dict[tuple[int, str], dict[str, tuple[str, int]]] = {}
    for scope, state in states.items():
        revision = int(state.revision)
        if state.forwarded_revision is not None and int(state.forwarded_revision) >= revision:
            municipality, cycle, instrument = parse_scope(scope) or ("", 0, "")
            trusted.setdefault((cycle, instrument), {})[municipality] = (scope, revision)
        else:
            stale.append(scope)
    for (cycle, instrument), by_code in trusted.items():
        held = target.held(cycle, sorted(by_code), instrument)
        stale.extend(scope for code, (scope, revision) in by_code.items()
                     if held.get(code, 0) < revision)
    return sorted(stale)


def _national(doc: dict[str, Any], target: targets.Target,
              cache: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
    """The national figures as they stand with this document in them, for its report: the
    target's current contributions (read once per cycle and batch) with this one's own. A
    target that cannot say (or fails to) leaves the report without national figures."""
    if doc.get("status") != "published":
        return {}
    key = (doc["instrument"], doc["cycle"])
    if key not in cache:
        try:
            cache[key] = dict(target.contributions(*key))
        except Exception:  # the report is still right without them
            logger.exception("national figures unread", extra={"cycle": doc["cycle"]})
            cache[key] = {}
    merged = {**cache[key], doc["municipality"]["code"]: figures.contribution(doc)}
    return figures.totals(doc["instrument"], doc["cycle"], merged)


def forward_all(scopes: Iterable[str], target: targets.Target,
                force: bool = False) -> dict[str, str | Exception]:
    """Publishes what counts now for every scope; returns {scope: what happened}: "no state",
    "up to date", the document's status, "target newer" (nothing needed writing), or the
    exception that stopped it (to be retried). A failure in one municipality's own objects
    fails only that scope; a failure in the shared objects fails every scope whose own objects
    were written in this batch, and the retry completes them. A refusal (targets.Rejected) is
    kept in the refusals queue; its scope stays unrecorded. `force` publishes every scope
    that has state, whatever the records and the target say (a republish)."""
    wanted = sorted({scope for scope in scopes if parse_scope(scope)})
    if not wanted:
        return {}
    # The state is read before the deliveries: the label may then be older than the content,
    # never newer, so a later event always publishes again.
    states = {state.scope: state
              for state in ScopeState.batch_get(wanted, consistent_read=True)}
    outcomes: dict[str, str | Exception] = dict.fromkeys(wanted, UP_TO_DATE)
    outcomes.update(dict.fromkeys((s for s in wanted if s not in states), NO_STATE))
    # a state without any delivery (the helpdesk's window exception made it): nothing to
    # publish, and no retraction for a municipality that never delivered
    unsent = [scope for scope, state in states.items() if not int(state.revision or 0)]
    outcomes.update(dict.fromkeys(unsent, NOTHING_SENT))
    states = {scope: state for scope, state in states.items() if scope not in unsent}
    written: list[tuple[str, dict[str, Any], bool]] = []
    contributions: dict[tuple[str, int], dict[str, Any]] = {}
    for scope in sorted(states) if force else _stale(states, target):
        municipality, cycle, instrument = parse_scope(scope) or ("", 0, "")
        try:
            # what counts, unless its publication moment is still to come (then what was
            # published before it, or nothing at all): delivery/publishing.py
            sent = history(municipality, cycle, instrument)
            shown = published(sent, states[scope])
            if shown is None and not ever_shown(sent, states[scope]):
                outcomes[scope] = NOTHING_SENT
                continue
            doc = document.document(municipality, cycle, int(states[scope].revision), shown,
                                    instrument=instrument)
            written.append((scope, doc, target.publish_document(
                doc, report.html(doc, _national(doc, target, contributions)))))
        except Exception as error:  # this scope only; the others go on
            outcomes[scope] = error
    shared = False
    if written:
        try:
            shared = target.publish_shared([doc for _, doc, _ in written])
        except Exception as error:
            outcomes.update(dict.fromkeys((scope for scope, _, _ in written), error))
            written = []
    # a change the record does not have yet is announced (again, after a failure) before it
    # is recorded; a repair of what was recorded already is no news
    news = [doc for scope, doc, _ in written
            if states[scope].forwarded_revision is None
            or int(states[scope].forwarded_revision) < doc["revision"]]
    unannounced = notifications.notify(news) if news else {}
    for scope, doc, own in written:
        if scope in unannounced:
            outcomes[scope] = unannounced[scope]
            continue
        try:
            _record_forwarded(scope, doc["revision"])
        except Exception as error:
            outcomes[scope] = error
            continue
        outcomes[scope] = doc["status"] if own or shared else TARGET_NEWER
        logger.info("forwarded", extra={"scope": scope, "revision": doc["revision"],
                                        "status": doc["status"], "written": own or shared})
    for scope, outcome in outcomes.items():
        if isinstance(outcome, targets.Rejected):
            try:
                refusals.keep(scope, int(states[scope].revision), outcome)
            except Exception as error:  # not kept: then retried like any failure
                outcomes[scope] = error
    return outcomes


def forward(scope: str, target: targets.Target) -> str:
    """Publishes what counts now for one scope; returns what happened (for logs and tests)."""
    outcome = forward_all([scope], target).get(scope, NO_STATE)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def handle(event: dict[str, Any], context: Any,
           target: targets.Target | None = None) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
        DynamoDBRecord,
    )

    metrics = for_service("forwarder")
    target = target or targets.configured()
    records = event.get("Records", [])
    outcomes = forward_all((scope_of(DynamoDBRecord(r)) or "" for r in records), target)
    for scope, outcome in outcomes.items():
        if isinstance(outcome, targets.Rejected):  # kept in the refusals queue
            metrics.add_metric(name="WebhookRejected", unit="Count", value=1)
        elif isinstance(outcome, Exception):  # retried through the batch item failure
            metrics.add_metric(name="ForwardFailed", unit="Count", value=1)
            logger.error("forward failed", exc_info=outcome, extra={"scope": scope})
        else:
            metrics.add_metric(name="Forwarded", unit="Count", value=1)

    def record_handler(record: Any) -> None:
        scope = scope_of(record)
        if scope is None:
            metrics.add_metric(name="MalformedRecord", unit="Count", value=1)
            logger.warning("malformed stream record skipped",
                           extra={"event_id": getattr(record, "event_id", None)})
            return
        failure = outcomes.get(scope)
        if isinstance(failure, Exception) and not isinstance(failure, targets.Rejected):
            raise failure

    try:
        response = process_partial_response(
            event=event, record_handler=record_handler, context=context,
            processor=BatchProcessor(EventType.DynamoDBStreams,
                                     raise_on_entire_batch_failure=False))
        return dict(response)
    finally:
        metrics.flush_metrics()
