"""Publishing again what counts now, whatever the records and the target say: for the
helpdesk's republish, the refusals queue's replay and the reconciler's report. One module
that forwarding does not import, so nothing here runs in a circle."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from ..platform import config
from ..platform.instruments import IDS
from ..platform.logs import logger
from ..platform.models import ScopeState, parse_scope, scope_key
from ..platform.municipalities import municipalities
from . import queues, targets
from .forwarding import NO_STATE, NOTHING_SENT, TARGET_NEWER, UP_TO_DATE, forward_all

#: a change this recent that the record shows unforwarded is the stream's, not drift
IN_FLIGHT = "in flight"
#: the outcome's prefix for a scope whose publication moment this run released: not drift
RELEASED = "released: "


def republish(cycle: int, codes: Iterable[str] | None = None,
              target: targets.Target | None = None) -> dict[str, str]:
    """{scope: outcome}: every scope of `cycle` that has state (every instrument's; or only
    `codes`) published
    again as it counts now, whatever the records and the target say, with the shared objects
    once: for a webhook site that lost what it received, or refused it until it was fixed
    (for S3 it only rewrites what is missing: its writes skip what the bucket holds)."""
    return described(forward_again(cycle, codes, target or targets.configured()))


def forward_again(cycle: int, codes: Iterable[str] | None,
                  target: targets.Target) -> dict[str, str | Exception]:
    wanted = list(codes) if codes else list(municipalities(config.municipality_year()))
    scopes = [state.scope for state in ScopeState.batch_get(
        [scope_key(code, cycle, instrument) for code in wanted for instrument in IDS])]
    outcomes = forward_all(scopes, target, force=True)
    logger.info("republished", extra={"cycle": cycle, "outcomes": described(outcomes)})
    return outcomes


def described(outcomes: dict[str, str | Exception]) -> dict[str, str]:
    return {scope: f"failed: {outcome}" if isinstance(outcome, Exception) else outcome
            for scope, outcome in sorted(outcomes.items())}


def is_repaired(outcome: str) -> bool:
    """Whether forwarding had to write something: drift (a state without any delivery, from
    the helpdesk's window exception, has nothing to publish and is none)."""
    return outcome not in (UP_TO_DATE, NO_STATE, TARGET_NEWER, IN_FLIGHT, NOTHING_SENT) and \
        not outcome.startswith(("failed", RELEASED))


# --- requests through the reconcile queue ------------------------------------------------


def replay_refused(target: targets.Target | None = None, rounds: int = 100) -> dict[str, str]:
    """Replays every scope the refusals queue holds (its current state, not the revision that
    was refused) and clears the refusals of the scopes that went through. A scope refused
    again keeps one refusal (the new one), one that failed otherwise keeps its old ones; so
    does the alarm."""
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
        outcomes.update(forward_again(cycle, codes, target))
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
    return described(outcomes)


def _scope_of(message: dict[str, Any]) -> str | None:
    try:
        scope = json.loads(message.get("Body") or "{}").get("scope")
    except (ValueError, AttributeError):
        return None
    return scope if parse_scope(scope) else None
