"""What the webhook refused (4xx), kept in the refusals queue (alarmed) instead of dropped:
the scope, the revision, the object and the status. The scope's forwarded revision is not
recorded, so the scheduled reconciler offers it again; `republish.replay_refused()` pushes
the queued scopes at once (once the site is fixed) and clears what then went through.
(The stream's own failures are in another queue, replayed by replay.py.)"""
from __future__ import annotations

from datetime import UTC, datetime

from ..platform.logs import logger
from . import queues
from .targets import Rejected


def keep(scope: str, revision: int, refusal: Rejected) -> None:
    queues.send(queues.REFUSALS, {
        "scope": scope, "revision": revision, "status": refusal.status, "path": refusal.path,
        "reason": str(refusal), "at": datetime.now(UTC).isoformat(timespec="seconds")})
    logger.error("target refused an object; kept for replay",
                 extra={"scope": scope, "revision": revision, "status": refusal.status,
                        "path": refusal.path})
