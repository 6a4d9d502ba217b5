"""The measurement's privacy threshold, the one rule every reader of clients' answers applies
(results pages, signals, the data file, the step into the delivery): nothing until the minimum
number of responses, then figures that move only per STEP responses, so that one more response
never reveals one person's answers. A team or period below it counts only in the totals.

Distinct from questionnaire/privacy.py, which withholds a delivered score with too few valid
answers (20) wherever the feed shows it; a measurement can show its own figures earlier."""
from __future__ import annotations

from ..platform import config

STEP = 5


def default_minimum() -> int:
    return max(1, config.env_int("MEASUREMENT_MIN_RESPONSES", 10))


def minimum(setting: int | None = None) -> int:
    """A measurement may raise the minimum, never lower it below the default."""
    return max(default_minimum(), int(setting or 0))


def shown(responses: int, setting: int | None = None) -> int | None:
    """How many responses the figures on show may stand for: None below the minimum, else the
    minimum plus whole steps (10 → 10, 14 → 10, 15 → 15 with the default)."""
    least = minimum(setting)
    if responses < least:
        return None
    return least + (responses - least) // STEP * STEP


def below(responses: int, setting: int | None = None) -> bool:
    """True where a group (a team, a period) is shown as "te weinig reacties"."""
    return shown(responses, setting) is None
