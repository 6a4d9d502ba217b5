"""How long personal data is kept (AVG), and finding who is due for erasure.

Two rules, each configurable:

- a registrant **without a municipality** (none approved and none waiting: rejected, or every
  municipality removed) is erased RETENTION_UNATTACHED_DAYS (default 30) after their last
  activity;
- a registrant **inactive for a full cycle** is erased: RETENTION_INACTIVE=cycle (default)
  means their last activity lies before the opening of the most recent cycle whose sending
  window has closed completely (data/cycles.json) — they did nothing during that whole season;
  a number of days instead means that many days without activity; "off" switches it off.

Activity is what leaves a trace: registering, a new link, an account change, a questionnaire
page saved or a delivery sent (the draft's time). Finding candidates scans the registrants
table: this runs once a day or by hand (`python -m chalicelib.cli retention`), never
on a page. Rate-limit counters, kept input and helpdesk sessions need no rule here: DynamoDB's
TTL removes them (expires_at)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..platform import config, cycles, instruments
from ..platform.models import Draft, Registrant, scope_key
from ..platform.records import Record

UNATTACHED = "zonder gemeente"
INACTIVE = "een hele cyclus niet actief"


def unattached_days() -> int:
    return config.env_int("RETENTION_UNATTACHED_DAYS", 30)


def inactive_cutoff(now: datetime) -> datetime | None:
    """Last activity before this means "inactive for a full cycle"; None: the rule is off, or
    no cycle has closed yet."""
    setting = config.env("RETENTION_INACTIVE", "cycle").strip().lower()
    if setting == "off":
        return None
    if setting != "cycle":
        return now - timedelta(days=int(setting))
    today = now.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    closed = [(window.opens, cycle) for cycle, window in
              cycles.settings().get(config.questionnaire_instrument(), {}).items()
              if window.late_until < today]
    if not closed:
        return None
    opens: date = max(closed)[0]
    return datetime.combine(opens, time(0), tzinfo=ZoneInfo("Europe/Amsterdam")).astimezone(UTC)


class Due(Record, frozen=True):
    registrant: Registrant
    reason: str  # UNATTACHED or INACTIVE
    last_active: datetime


def last_active(registrant: Registrant) -> datetime:
    """The newest trace: the account's own times, then its newest save in its municipalities'
    shared drafts of the current cycle, of every instrument (one BatchGetItem)."""
    times = [t for t in (registrant.created_at, registrant.updated_at,
                         registrant.link_issued_at) if t is not None]
    keys = [scope_key(code, config.current_cycle(), instrument)
            for code in registrant.municipalities or () for instrument in instruments.IDS]
    for draft in Draft.batch_get(keys) if keys else []:
        times += [datetime.fromisoformat(edit["at"])
                  for edit in (draft.section_editors or {}).values()
                  if edit.get("by") == registrant.id]
    return max(times)


def due(now: datetime | None = None) -> list[Due]:
    """Registrants the rules say to erase now, oldest activity first."""
    now = now or datetime.now(UTC)
    unattached_before = now - timedelta(days=unattached_days())
    inactive_before = inactive_cutoff(now)
    found: list[Due] = []
    for registrant in Registrant.scan():
        own = max(t for t in (registrant.created_at, registrant.updated_at,
                              registrant.link_issued_at) if t is not None)
        attached = bool(registrant.municipalities or registrant.held_municipalities)
        if attached and (inactive_before is None or own >= inactive_before):
            continue  # active lately by its own times: no draft to read
        if not attached and own >= unattached_before:
            continue
        active = last_active(registrant)
        if not attached and active < unattached_before:
            found.append(Due(registrant, UNATTACHED, active))
        elif attached and inactive_before is not None and active < inactive_before:
            found.append(Due(registrant, INACTIVE, active))
    return sorted(found, key=lambda d: d.last_active)
