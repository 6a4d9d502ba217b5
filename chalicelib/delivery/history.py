"""The deliveries of one municipality and cycle: every one of them, the one that counts now,
and the one a new draft may start from."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from ..platform import instruments
from ..platform.instruments import WMO
from ..platform.models import (
    Delivery,
    DeliveryStatus,
    Draft,
    DraftStatus,
    ScopeState,
    parse_scope,
    scope_key,
)
from ..platform.municipalities import CODE_PATTERN


def delivery_id(municipality: str, cycle: int, sequence: int, instrument: str = WMO) -> str:
    """What people quote: GM0014-2026-3 (Wmo), GM0014-2026-J3 (Jeugd)."""
    return f"{municipality}-{cycle}-{instruments.get(instrument).number_prefix}{sequence}"


_NUMBER = re.compile(f"^({CODE_PATTERN})-([0-9]{{4}})-([A-Z]?)([0-9]{{1,6}})$")


def parse_number(text: str) -> tuple[str, int, int, str] | None:
    """(municipality, cycle, sequence, instrument) of a delivery number: GM0014-2026-3 (CEO
    Wmo), GM0014-2026-J3 (CEO Jeugd); None for anything else."""
    match = _NUMBER.match(text.strip().upper()) if isinstance(text, str) else None
    found = instruments.by_prefix(match[3]) if match else None
    return (match[1], int(match[2]), int(match[4]), found.id) if match and found else None


def instrument_of_number(text: str) -> str:
    """The instrument a delivery number names (CEO Wmo for one that is no number at all: it
    then matches no delivery of any instrument either)."""
    parsed = parse_number(text)
    return parsed[3] if parsed else WMO


def instrument_of(delivery: Delivery) -> str:
    """The instrument a delivery was sent for (its scope says; stored beside it too)."""
    parsed = parse_scope(delivery.scope)
    return parsed[2] if parsed else str(delivery.instrument)


def history(municipality: str, cycle: int, instrument: str = WMO) -> list[Delivery]:
    """Every delivery of this municipality, cycle and instrument, newest first."""
    return list(Delivery.query(scope_key(municipality, cycle, instrument),
                               scan_index_forward=False, consistent_read=True))


def counting(deliveries: list[Delivery]) -> Delivery | None:
    """The delivery that currently counts: the latest one that is still valid."""
    return next((d for d in sorted(deliveries, key=lambda d: -int(d.sequence))
                 if d.status == DeliveryStatus.VALID), None)


def released(delivery: Delivery, state: ScopeState | None) -> bool:
    """Whether the feed may show this delivery: no publication moment, or one the reconciler
    has released (delivery/publishing.py)."""
    if delivery.publish_at is None:
        return True
    until = state.released_until if state is not None else None
    return until is not None and delivery.publish_at <= until


def waiting_for_moment(delivery: Delivery | None, state: ScopeState | None) -> datetime | None:
    """The moment a valid delivery will be published while it still waits for it (it counts
    already, but the feed does not show it yet); None when it has no moment or was released."""
    if delivery is None or delivery.status != DeliveryStatus.VALID or released(delivery, state):
        return None
    return delivery.publish_at


def published(deliveries: list[Delivery], state: ScopeState | None) -> Delivery | None:
    """What the feed publishes: the latest valid (with four-eyes: approved) delivery whose
    publication moment has passed and was released. The delivery that counts (`counting`)
    when it has no moment or its moment was released; before that, what was published
    before it (or nothing)."""
    return next((d for d in sorted(deliveries, key=lambda d: -int(d.sequence))
                 if d.status == DeliveryStatus.VALID and released(d, state)), None)


def ever_shown(deliveries: list[Delivery], state: ScopeState | None) -> bool:
    """Whether the feed may ever have shown one of these deliveries: a valid or withdrawn one
    without a publication moment, or with one that was released. False: publish nothing (no
    retraction for a municipality whose only delivery waits for its moment)."""
    return any(d.status in (DeliveryStatus.VALID, DeliveryStatus.WITHDRAWN)
               and released(d, state) for d in deliveries)


def scheduled(deliveries: list[Delivery], state: ScopeState | None) -> list[Delivery]:
    """The valid deliveries newer than what the feed publishes that wait for their moment,
    newest first: the delivery that counts, if its publication is scheduled, and any older
    one that will be published first because its moment comes sooner."""
    shown = published(deliveries, state)
    floor = int(shown.sequence) if shown else 0
    return [d for d in sorted(deliveries, key=lambda d: -int(d.sequence))
            if d.status == DeliveryStatus.VALID and int(d.sequence) > floor
            and not released(d, state)]


def moment_key(moment: datetime) -> str:
    """How a publication moment is kept in ScopeState.publication_moments."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def moment_actions(delivery: Delivery, state: ScopeState | None) -> list:
    """The update action that has the reconciler look at this delivery's moment (none when it
    has none or it was released already), for the transaction that makes it valid."""
    if delivery.publish_at is None or released(delivery, state):
        return []
    return [ScopeState.publication_moments.add({moment_key(delivery.publish_at)})]


def survey_held(delivery: Delivery) -> bool:
    """False for a delivery that says no survey was held this year (its snapshot says so)."""
    return bool((delivery.snapshot or {}).get("survey_held", True))


def counting_state(delivery: Delivery | None) -> list:
    """The update actions that record on the scope's state which delivery counts now (None:
    none does), written in the same transaction as whatever made it count or stop counting."""
    return [ScopeState.counting_sequence.set(int(delivery.sequence) if delivery else 0),
            ScopeState.counting_late.set(bool(delivery and delivery.late)),
            ScopeState.counting_survey_held.set(survey_held(delivery) if delivery else True)]


def get(municipality: str, cycle: int, sequence: int, instrument: str = WMO) -> Delivery | None:
    try:
        return Delivery.get(scope_key(municipality, cycle, instrument), sequence,
                            consistent_read=True)
    except Delivery.DoesNotExist:
        return None


def prefill_source(code: str, cycle: int, this_cycle: list[Delivery] | None = None,
                   instrument: str = WMO) -> Delivery | None:
    """The delivery that counts in this cycle, else in the previous one (of this instrument).
    Pass `this_cycle` when its history was read already (the start page), so it is not
    queried twice."""
    found = this_cycle if this_cycle is not None else history(code, cycle, instrument)
    return counting(found) or counting(history(code, cycle - 1, instrument))


def withdrawn_draft(draft: Draft | None, sent: list[Delivery]) -> Delivery | None:
    """The withdrawn delivery whose answers the draft still holds unchanged (it was sent as
    that delivery, then the helpdesk withdrew it): the start and review pages say so."""
    if draft is None or draft.status != DraftStatus.SENT or not draft.sent_sequence:
        return None
    found = next((d for d in sent if int(d.sequence) == int(draft.sent_sequence)), None)
    return found if found is not None and found.status == DeliveryStatus.WITHDRAWN else None


def states_by_cycle(code: str, cycles: list[int],
                    instrument: str = WMO) -> dict[int, ScopeState]:
    """The (municipality, cycle) states of `code` that exist among `cycles`: one strongly
    consistent BatchGetItem."""
    keys = [scope_key(code, cycle, instrument) for cycle in cycles]
    return {(parse_scope(state.scope) or ("", 0, ""))[1]: state
            for state in ScopeState.batch_get(keys, consistent_read=True)}
