"""What the webhook refused (4xx), kept in the refusals queue (alarmed) instead of dropped:
the scope, the revision, the object and the status. The scope's forwarded revision is not
recorded, so the scheduled reconciler offers it again; `replay()` pushes the queued scopes at
once (once the site is fixed) and clears what then went through. (The stream's own failures
are in another queue, replayed by replay.py.)"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..platform.logs import logger
from ..platform.models import parse_scope
from . import queues, targets
from .targets import Rejected


def keep(scope: str, revision: int, refusal: Rejected) -> None:
    queues.send(queues.REFUSALS, {
        "scope": scope, "revision": revision, "status": refusal.status, "path": refusal.path,
        "reason": str(refusal), "at": datetime.now(UTC).isoformat(timespec="seconds")})
    logger.error("target refused an object; kept for replay",
                 extra={"scope": scope, "revision": revision, "status": refusal.status,
                        "path": refusal.path})


def replay(target: targets.Target | None = None, rounds: int = 100) -> dict[str, str]:
    """Replays every scope the refusals queue holds (its current state, not the revision that
    was refused) and clears the refusals of the scopes that went through. A scope refused
    again keeps one refusal (the new one), one that failed otherwise keeps its old ones; so
    does the alarm."""
    from .reconcile import _described, _republish  # forwarding imports this module

    target = target or targets.configured()
    url = queues.url(queues.REFUSALS)
    held: dict[str, list[str]] = {}  # scope -> receipt handles
    for _ in range(rounds):
        received = queues.sqs().receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages", [])
        if not received:
            break
        for message in received:
            scope = _scope_of(message)
            held.setdefault(scope or "", []).append(message["ReceiptHandle"])
    by_cycle: dict[int, list[str]] = {}
    for scope in held:
        parsed = parse_scope(scope)
        if parsed:
            by_cycle.setdefault(parsed[1], []).append(parsed[0])
    outcomes: dict[str, str | Exception] = {}
    for cycle, codes in sorted(by_cycle.items()):
        outcomes.update(_republish(cycle, codes, target))
    for scope, handles in held.items():
        outcome = outcomes.get(scope)
        # refused again: forwarding kept a fresh refusal, so the old one goes; failed
        # otherwise (the site down): the old one stays, visible again at once
        keep = isinstance(outcome, Exception) and not isinstance(outcome, targets.Rejected)
        for handle in handles:
            if keep:
                queues.sqs().change_message_visibility(QueueUrl=url, ReceiptHandle=handle,
                                                       VisibilityTimeout=0)
            else:
                queues.sqs().delete_message(QueueUrl=url, ReceiptHandle=handle)
    return _described(outcomes)


def _scope_of(message: dict[str, Any]) -> str | None:
    try:
        scope = json.loads(message.get("Body") or "{}").get("scope")
    except (ValueError, AttributeError):
        return None
    return scope if parse_scope(scope) else None
