"""Sending within AWS's rates: one Pacer per service rate — SES for every mail (the helpdesk's
and clients' alike), SNS for clients' sms — spaces this worker's sends at its share of the
account's rate (config.mail_sends_per_second, config.sms_sends_per_second), so each send is
paced once, by the service it uses. A send the service refuses as throttled is tried again
after a growing, jittered pause (config.throttled_send_tries, config.throttled_send_backoff_ms,
doubling, capped at 5 s); still throttled after that: Throttled, and the caller puts the job
back on the queue for later — never counted as failed."""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from . import config
from .logs import logger

# SES's and SNS's answers that mean "too fast", not "this send failed"
THROTTLING = frozenset({"Throttling", "ThrottlingException", "Throttled", "ThrottledException",
                        "TooManyRequestsException", "MaxSendRateExceeded",
                        "LimitExceededException"})
MAX_PAUSE = 5.0

# Looked up at each call, so a test can put a clock in their place for every pacer at once.
clock: Callable[[], float] = time.monotonic
sleep: Callable[[float], None] = time.sleep


class Throttled(Exception):
    """Still throttled after every try: the job goes back to the queue, to be sent later."""


def error_code(error: BaseException | None) -> str:
    """The AWS error code of a botocore ClientError (or of the error it was raised from)."""
    for candidate in (error, getattr(error, "__cause__", None)):
        code = getattr(candidate, "response", {}).get("Error", {}).get("Code", "")
        if code:
            return str(code)
    return ""


class Pacer:
    """One service's rate in this worker: a send waits for the next free slot (1/rate apart;
    a rate of 0 or less means no pacing, locally) and is retried while throttled."""

    def __init__(self, service: str, rate: Callable[[], float]) -> None:
        self.service = service
        self._rate = rate
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        """Waits until this worker may send again; the slot is taken before the wait, so
        threads sharing the pacer queue up behind each other."""
        rate = self._rate()
        if rate <= 0:
            return
        with self._lock:
            now = clock()
            pause = self._next - now
            self._next = max(now, self._next) + 1 / rate
        if pause > 0:
            sleep(pause)

    def send(self, action: Callable[[], Any]) -> Any:
        """Runs `action` (one call to this service) paced, retrying while it is throttled;
        Throttled when every try was; any other error as raised."""
        tries = max(1, config.throttled_send_tries())
        pause = max(0, config.throttled_send_backoff_ms()) / 1000
        for attempt in range(tries):
            self.wait()
            try:
                return action()
            except Exception as error:
                if error_code(error) not in THROTTLING:
                    raise
                logger.warning("send throttled", extra={"sends_to": self.service,
                                                        "attempt": attempt + 1,
                                                        "code": error_code(error)})
                if attempt + 1 < tries:
                    sleep(min(MAX_PAUSE, pause * 2 ** attempt) * random.uniform(0.5, 1.0))
        raise Throttled()


SES = Pacer("ses", config.mail_sends_per_second)
SMS = Pacer("sns-sms", config.sms_sends_per_second)
