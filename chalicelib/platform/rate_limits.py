"""Fixed-window request counters in DynamoDB (one atomic ADD per hit, expired by TTL)."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from ..platform import config
from ..platform.models import RateCounter


class RateLimited(Exception):
    """Too many requests for one subject; `retry_after` is in seconds (the web layer answers
    with the Dutch 429 page)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def hit(scope: str, subject: str, limit: int, now: datetime) -> None:
    """Counts one request of `subject` (an address, an IP) and raises RateLimited past `limit`.

    Subjects are hashed so that the table never holds an e-mail address or IP in clear.
    """
    window = config.rate_limit_window_seconds()
    bucket = int(now.timestamp()) // window
    digest = hashlib.sha256(f"{scope}\0{subject}".encode()).hexdigest()[:40]
    window_end = datetime.fromtimestamp((bucket + 1) * window, tz=UTC)
    counter = RateCounter(f"{scope}#{digest}#{bucket}")
    counter.update(actions=[
        RateCounter.hits.add(1),
        RateCounter.expires_at.set(window_end + timedelta(seconds=window)),
    ])
    if counter.hits > limit:
        raise RateLimited(retry_after=max(1, int((window_end - now).total_seconds())))
