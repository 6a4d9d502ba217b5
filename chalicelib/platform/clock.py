"""The time now, as every decision about "already passed?" reads it (a publication moment,
the reconciler releasing it): through `time.time`, so a test can move the clock
(tests/support/clock.py) instead of waiting."""
from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> datetime:
    return datetime.fromtimestamp(time.time(), UTC)
