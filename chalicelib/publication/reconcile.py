"""The reconciler: compares what should be published (each scope's revision) with what the
target holds, and republishes where they differ. The stream's retries cover a failed forward;
this covers what they cannot: a target changed behind the forwarder's back, records that ran
out of retries, or a bucket restored from a backup.

It runs in its own function (app.py `reconcile_feed`), fed by the reconcile queue: an
EventBridge rule queues a request for the current cycle every 15 minutes (infra/stack.yaml),
and the helpdesk's buttons queue one for a municipality or the whole cycle (the web role may
not publish). Every run emits the metrics `ScopesChecked`, `PublicationDrift` (scopes it had to
republish; alarmed) and `ReconcileFailed` (scopes it could not repair; alarmed); a run that
repaired or failed something, and every run the helpdesk asked for, leaves an audit entry."""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from ..delivery import publishing
from ..delivery.history import history
from ..platform import clock, config, instruments
from ..platform.logs import logger
from ..platform.metrics import for_service
from ..platform.models import ScopeState, parse_scope, scope_key
from ..platform.municipalities import municipalities
from ..platform.records import Record, field
from . import queues, targets
from .forwarding import forward_all
from .republish import IN_FLIGHT, RELEASED, described, is_repaired

#: a change this recent that the record shows unforwarded is the stream's, not drift: the
#: stream forwards within seconds, and its iterator-age alarm fires at 10 minutes
GRACE = timedelta(minutes=10)
SCHEDULE = "schedule"


def _last_change(municipality: str, cycle: int, instrument: str,
                 state: ScopeState) -> datetime | None:
    """When the scope last changed: its newest send, withdrawal or restore, or the release of
    a publication moment (by another run, which forwards it itself)."""
    moments = [moment for delivery in history(municipality, cycle, instrument)
               for moment in (delivery.sent_at, delivery.status_changed_at) if moment]
    if state.released_until is not None:
        moments.append(state.released_until)
    return max(moments, default=None)


def reconcile(cycle: int, codes: Iterable[str] | None = None,
              target: targets.Target | None = None,
              grace: timedelta = timedelta(0)) -> dict[str, str]:
    """{scope: outcome} for every scope of `cycle` that has state, of every instrument (or
    only `codes`);
    "up to date" where nothing drifted, "in flight" for a change younger than `grace` that
    the stream has yet to forward, else what forwarding did to repair it ("failed: …" when the
    repair failed, to be tried again)."""
    target = target or targets.configured()
    wanted = list(codes) if codes else list(municipalities(config.municipality_year()))
    keys = [scope_key(code, cycle, instrument) for code in wanted
            for instrument in instruments.IDS]
    states = list(ScopeState.batch_get(keys))
    outcomes: dict[str, str] = {}
    now = clock.now()
    # publication moments that passed (also during an outage) are released first, and the
    # scopes released here are forwarded by this run, whatever the grace
    released = {state.scope for state in states if publishing.due(state, now)
                and publishing.release(*(parse_scope(state.scope) or ("", 0, "")), now=now)}
    if released:
        states = list(ScopeState.batch_get(keys, consistent_read=True))
        logger.info("publication moments released", extra={"scopes": sorted(released)})
    for state in states:
        behind = state.forwarded_revision is None or \
            int(state.forwarded_revision) < int(state.revision)
        if behind and grace and state.scope not in released:
            municipality, _, instrument = parse_scope(state.scope) or ("", 0, "")
            changed = _last_change(municipality, cycle, instrument, state)
            if changed is not None and now - changed < grace:
                outcomes[state.scope] = IN_FLIGHT
    checked = sorted(state.scope for state in states if state.scope not in outcomes)
    outcomes.update(described(forward_all(checked, target)))
    outcomes.update({scope: RELEASED + outcomes[scope] for scope in released
                     if scope in outcomes and not outcomes[scope].startswith("failed")})
    repaired = sorted(scope for scope, outcome in outcomes.items() if is_repaired(outcome))
    if repaired:
        logger.warning("publication drift repaired", extra={"scopes": repaired})
    return dict(sorted(outcomes.items()))


def queue_url() -> str:
    """RECONCILE_QUEUE_URL (the stack sets it), else the stage's queue looked up by name."""
    return queues.url(queues.RECONCILE)


def request(cycle: int, codes: list[str] | None, actor: str) -> None:
    """Asks the reconciler to check one municipality, some, or (None) the whole cycle now."""
    queues.send(queues.RECONCILE, {"cycle": cycle, "municipalities": codes, "actor": actor})


class Run(Record):
    cycle: int
    codes: list[str] | None
    actor: str
    outcomes: dict[str, str] = field(default_factory=dict)

    @property
    def repaired(self) -> list[str]:
        return [scope for scope, outcome in self.outcomes.items() if is_repaired(outcome)]

    @property
    def released(self) -> list[str]:
        """Scopes whose publication moment this run released (and published)."""
        return [scope for scope, outcome in self.outcomes.items()
                if outcome.startswith(RELEASED)]

    @property
    def failed(self) -> list[str]:
        return [scope for scope, outcome in self.outcomes.items()
                if outcome.startswith("failed")]


def subject_publication(cycle: int) -> str:
    """The audit subject of the feed of one cycle (helpdesk start page)."""
    return f"publicatie#{cycle}"


def _audit(run: Run) -> None:
    from ..platform import audit

    subjects = [subject_publication(run.cycle)]
    if run.codes:
        subjects += [audit.subject_municipality(code) for code in run.codes]
    by_helpdesk = run.actor != SCHEDULE
    if not by_helpdesk and not run.repaired and not run.failed:
        return  # a quiet scheduled run: its metrics say enough
    what = (f"op verzoek van {run.actor}" if by_helpdesk else "elk kwartier")
    details: dict[str, Any] = {"gecontroleerd": len(run.outcomes),
                               "hersteld": ", ".join(run.repaired) or "niets"}
    if run.failed:
        details["mislukt"] = ", ".join(run.failed)
    audit.record("publicatiecontrole", f"publicatie gecontroleerd ({what})", subjects,
                 details=details)


def run(body: dict[str, Any], target: targets.Target | None = None) -> Run:
    """One request: {"cycle"?, "municipalities"?, "actor"?}; a scheduled one (no actor) leaves
    changes younger than GRACE to the stream."""
    actor = str(body.get("actor") or SCHEDULE)
    cycle = int(body.get("cycle") or config.current_cycle())
    codes = [str(code) for code in body["municipalities"]] if body.get("municipalities") \
        else None
    done = Run(cycle, codes, actor)
    done.outcomes = reconcile(cycle, codes, target,
                              grace=GRACE if actor == SCHEDULE else timedelta(0))
    metrics = for_service("reconciler")
    metrics.add_metric(name="ScopesChecked", unit="Count", value=len(done.outcomes))
    metrics.add_metric(name="PublicationDrift", unit="Count", value=len(done.repaired))
    metrics.add_metric(name="ReconcileFailed", unit="Count", value=len(done.failed))
    metrics.add_metric(name="PublicationsReleased", unit="Count", value=len(done.released))
    metrics.flush_metrics()
    logger.info("reconciled", extra={"cycle": cycle, "actor": actor,
                                     "checked": len(done.outcomes),
                                     "repaired": done.repaired, "failed": done.failed,
                                     "released": done.released})
    _audit(done)
    return done


def handle(event: dict[str, Any], context: Any,
           target: targets.Target | None = None) -> dict[str, Any]:
    """The reconcile queue's messages, each on its own: a message that raises comes back
    (and after five receives goes to the dead-letter queue, alarmed); scopes that failed
    within a run are counted, audited and retried by the next scheduled run."""
    failures = []
    for record in event.get("Records", []):
        try:
            body = json.loads(record.get("body") or "{}")
            run(body if isinstance(body, dict) else {}, target)
        except Exception:
            logger.exception("reconcile request failed",
                             extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
