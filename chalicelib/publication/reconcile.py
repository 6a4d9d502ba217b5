"""The reconciler: compares what should be published (each scope's revision) with what the
target holds, and republishes where they differ. The stream's retries cover a failed forward;
this covers what they cannot: a target changed behind the forwarder's back, records that ran
out of retries, or a bucket restored from a backup."""
from __future__ import annotations

from collections.abc import Iterable

from ..platform import config
from ..platform.logs import logger
from ..platform.models import ScopeState, scope_key
from ..platform.municipalities import municipalities
from . import targets
from .forwarding import UP_TO_DATE, forward_all


def reconcile(cycle: int, codes: Iterable[str] | None = None,
              target: targets.Target | None = None) -> dict[str, str]:
    """{scope: outcome} for every scope of `cycle` that has state (or only `codes`);
    "up to date" where nothing drifted, else what forwarding did to repair it ("failed: …"
    when the repair failed, to be tried again)."""
    target = target or targets.configured()
    wanted = list(codes) if codes else list(municipalities(config.municipality_year()))
    scopes = sorted(state.scope for state in
                    ScopeState.batch_get([scope_key(code, cycle) for code in wanted]))
    outcomes = {scope: f"failed: {outcome}" if isinstance(outcome, Exception) else outcome
                for scope, outcome in forward_all(scopes, target).items()}
    repaired = sorted(scope for scope, outcome in outcomes.items() if outcome != UP_TO_DATE)
    if repaired:
        logger.warning("publication drift repaired", extra={"scopes": repaired})
    return outcomes
