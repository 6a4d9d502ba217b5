"""A clock a test can move: the app's signatures, TTLs and the test browser's cookie
lifetimes all read `time.time`."""
from __future__ import annotations

import time


class Clock:
    def __init__(self, monkeypatch) -> None:
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + self.offset)

    def advance(self, hours: float) -> None:
        self.offset += hours * 3600
