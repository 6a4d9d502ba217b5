"""Whether a representative's session still holds. A session is a signed claim (registrant id,
session id, the registrant's session epoch when it began); it holds while the registrant has a
valid link, the epoch is unchanged ("sign out everywhere" and the helpdesk's revoke raise it)
and this session was not signed out on its own. Asking for a new link ends no session."""
from __future__ import annotations

import secrets
from datetime import UTC, datetime

from ..platform import config
from ..platform.models import Registrant
from ..platform.records import Record


class Claim(Record, frozen=True):
    registrant_id: str
    session_id: str
    epoch: int


def new_session_id() -> str:
    return secrets.token_urlsafe(12)


def epoch_of(registrant: Registrant) -> int:
    return int(registrant.session_epoch or 0)


def _ended(registrant: Registrant, session_id: str) -> bool:
    return any(entry.split(":", 1)[1] == session_id
               for entry in registrant.ended_sessions or ())


def holds(registrant: Registrant | None, claim: Claim, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    return (registrant is not None and registrant.id == claim.registrant_id
            and registrant.has_link and registrant.link_expires_at is not None
            and registrant.link_expires_at > now and epoch_of(registrant) == claim.epoch
            and not _ended(registrant, claim.session_id))


def end(registrant: Registrant, session_id: str, now: datetime | None = None) -> None:
    """Signs this one session out, server-side: its cookie is refused from now on, also when
    replayed. The entry is ADDed to the set (an atomic set operation: two sign-outs at once
    both stay, whatever either read); entries older than any session could live are then
    DELETEd from the set by value, which removes nothing anyone added meanwhile."""
    now = now or datetime.now(UTC)
    horizon = now.timestamp() - config.session_max_age_seconds()
    registrant.update(actions=[Registrant.ended_sessions.add({f"{int(now.timestamp())}:"
                                                              f"{session_id}"})],
                      condition=Registrant.id.exists())
    lapsed = {entry for entry in registrant.ended_sessions or ()
              if float(entry.split(":", 1)[0]) <= horizon}
    if lapsed:
        registrant.update(actions=[Registrant.ended_sessions.delete(lapsed)],
                          condition=Registrant.id.exists())


def end_everywhere(registrant: Registrant) -> None:
    """Every session of this registrant ends (on every device); links keep working."""
    registrant.update(actions=[Registrant.session_epoch.add(1)],
                      condition=Registrant.id.exists())
