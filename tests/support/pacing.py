"""A clock under every send pacer (chalicelib/platform/pacing.py): sleeping moves it on and is
recorded, each service's pacer starts afresh, the backoff's jitter sits at its top, and every
pacer's wait is counted per service — so a test sees how often a send was paced, and by what."""
from __future__ import annotations

from collections import Counter


class SendClock:
    def __init__(self, monkeypatch) -> None:
        from chalicelib.platform import pacing

        self.now = 1000.0
        self.slept: list[float] = []
        self.waits: Counter[str] = Counter()
        monkeypatch.setattr(pacing, "clock", lambda: self.now)
        monkeypatch.setattr(pacing, "sleep", self.sleep)
        monkeypatch.setattr(pacing.random, "uniform", lambda low, high: high)
        for pacer in (pacing.SES, pacing.SMS):
            monkeypatch.setattr(pacer, "_next", 0.0)
        wait = pacing.Pacer.wait

        def counted(pacer: pacing.Pacer) -> None:
            self.waits[pacer.service] += 1
            wait(pacer)

        monkeypatch.setattr(pacing.Pacer, "wait", counted)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now
