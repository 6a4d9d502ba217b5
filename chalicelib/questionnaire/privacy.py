"""The one rule for small numbers: a score with fewer valid answers than the minimum is
withheld everywhere it would be shown (feed, report, export, national figures)."""
from __future__ import annotations

from ..platform import config


def minimum_valid_answers() -> int:
    return config.env_int("PRIVACY_MIN_VALID_ANSWERS", 20)


def withheld(valid_answers: int, minimum: int | None = None) -> bool:
    return int(valid_answers) < (minimum_valid_answers() if minimum is None else minimum)
