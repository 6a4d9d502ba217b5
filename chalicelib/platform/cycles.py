"""Each cycle's settings (`data/cycles.json`): the sending window per instrument and cycle.

The window follows the cycle a stage delivers (CURRENT_CYCLE), so moving a stage to the next
cycle moves its window too, and there are no dates per stage that can silently run out. A cycle
without settings, or with dates out of order, is an error that names the file, never a stage
that is open or closed by accident."""
from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from .records import Record

SETTINGS = Path(__file__).parent / "data" / "cycles.json"


class CycleSettingsError(Exception):
    """The settings file lacks the cycle, or holds something unusable."""


class SendingWindow(Record, frozen=True):
    opens: date  # first day a delivery can be sent (Europe/Amsterdam)
    deadline: date  # last day on time
    late_until: date  # last day a late delivery is still accepted

    def state(self, today: date) -> str:
        """"not yet open", "open", "late" or "closed" on `today`."""
        if today < self.opens:
            return "not yet open"
        if today <= self.deadline:
            return "open"
        return "late" if today <= self.late_until else "closed"


def load(path: Path = SETTINGS) -> dict[str, dict[int, SendingWindow]]:
    """{instrument: {cycle: window}}, checked: ISO dates, opens <= deadline <= late_until."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        settings: dict[str, dict[int, SendingWindow]] = {}
        for instrument, cycles in raw.items():
            if instrument.startswith("$"):
                continue
            settings[instrument] = {}
            for cycle, values in cycles.items():
                window = SendingWindow(*(date.fromisoformat(values[key])
                                         for key in ("opens", "deadline", "late_until")))
                if not window.opens <= window.deadline <= window.late_until:
                    raise CycleSettingsError(
                        f"{path.name}: {instrument} {cycle}: opens <= deadline <= late_until "
                        f"does not hold")
                settings[instrument][int(cycle)] = window
        return settings
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CycleSettingsError(f"{path.name} is unusable: {type(error).__name__}: "
                                 f"{error}") from error


@cache
def settings() -> dict[str, dict[int, SendingWindow]]:
    return load()


def window_of(instrument: str, cycle: int) -> SendingWindow:
    found = settings().get(instrument, {}).get(cycle)
    if found is None:
        raise CycleSettingsError(
            f"No sending window for {instrument} {cycle}: add it to "
            f"chalicelib/platform/data/cycles.json (opens, deadline, late_until)")
    return found


def next_cycle(instrument: str, cycle: int) -> tuple[int, SendingWindow] | None:
    """The first cycle after `cycle` that has settings, with its window."""
    later = sorted(c for c in settings().get(instrument, {}) if c > cycle)
    return (later[0], settings()[instrument][later[0]]) if later else None
