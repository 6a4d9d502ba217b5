"""The deliveries of one municipality and cycle: every one of them, the one that counts now,
and the one a new draft may start from."""
from __future__ import annotations

from ..platform.models import Delivery, DeliveryStatus, ScopeState, scope_key


def delivery_id(municipality: str, cycle: int, sequence: int) -> str:
    """What people quote: GM0014-2026-3."""
    return f"{municipality}-{cycle}-{sequence}"


def history(municipality: str, cycle: int) -> list[Delivery]:
    """Every delivery of this municipality and cycle, newest first."""
    return list(Delivery.query(scope_key(municipality, cycle), scan_index_forward=False,
                               consistent_read=True))


def counting(deliveries: list[Delivery]) -> Delivery | None:
    """The delivery that currently counts: the latest one that is still valid."""
    return next((d for d in sorted(deliveries, key=lambda d: -int(d.sequence))
                 if d.status == DeliveryStatus.VALID), None)


def survey_held(delivery: Delivery) -> bool:
    """False for a delivery that says no survey was held this year (its snapshot says so)."""
    return bool((delivery.snapshot or {}).get("survey_held", True))


def counting_state(delivery: Delivery | None) -> list:
    """The update actions that record on the scope's state which delivery counts now (None:
    none does), written in the same transaction as whatever made it count or stop counting."""
    return [ScopeState.counting_sequence.set(int(delivery.sequence) if delivery else 0),
            ScopeState.counting_late.set(bool(delivery and delivery.late)),
            ScopeState.counting_survey_held.set(survey_held(delivery) if delivery else True)]


def get(municipality: str, cycle: int, sequence: int) -> Delivery | None:
    try:
        return Delivery.get(scope_key(municipality, cycle), sequence, consistent_read=True)
    except Delivery.DoesNotExist:
        return None


def prefill_source(code: str, cycle: int,
                   this_cycle: list[Delivery] | None = None) -> Delivery | None:
    """The delivery that counts in this cycle, else in the previous one. Pass `this_cycle`
    when its history was read already (the start page), so it is not queried twice."""
    found = this_cycle if this_cycle is not None else history(code, cycle)
    return counting(found) or counting(history(code, cycle - 1))


def states_by_cycle(code: str, cycles: list[int]) -> dict[int, ScopeState]:
    """The (municipality, cycle) states of `code` that exist among `cycles`: one strongly
    consistent BatchGetItem."""
    return {int(state.scope.rsplit("#", 1)[1]): state
            for state in ScopeState.batch_get([scope_key(code, cycle) for cycle in cycles],
                                              consistent_read=True)}
