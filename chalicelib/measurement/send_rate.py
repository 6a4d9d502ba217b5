"""Sending clients' sms and e-mails within SNS's and SES's rates. Each worker process paces
its sends (MEASUREMENT_SENDS_PER_SECOND, default 5: with the mail queue's event source capped
at MailWorkerConcurrency workers in infra/stack.yaml, the whole app stays under
concurrency × rate), and a send the service refuses as throttled is tried again after a
growing, jittered pause (MEASUREMENT_SEND_TRIES, default 4; MEASUREMENT_BACKOFF_MS, default
200, doubling, capped at 5 s). Still throttled after that: Throttled, and the job goes back
to SQS to be retried later (a visibility timeout further on), never counted as failed."""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from ..platform import config
from ..platform.logs import logger

THROTTLING = frozenset({"Throttling", "ThrottlingException", "Throttled", "ThrottledException",
                        "TooManyRequestsException", "MaxSendRateExceeded",
                        "LimitExceededException"})
_MAX_PAUSE = 5.0
_lock = threading.Lock()
_next_send = 0.0


class Throttled(Exception):
    """Still throttled after every try: retry the job later."""


def error_code(error: BaseException | None) -> str:
    """The AWS error code of a botocore ClientError (or of the error it was raised from)."""
    for candidate in (error, getattr(error, "__cause__", None)):
        code = getattr(candidate, "response", {}).get("Error", {}).get("Code", "")
        if code:
            return str(code)
    return ""


def _pace(sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
    """Waits until this process may send again (one send per 1/rate seconds)."""
    global _next_send
    rate = max(1, config.env_int("MEASUREMENT_SENDS_PER_SECOND", 5))
    with _lock:
        now = clock()
        wait = _next_send - now
        _next_send = max(now, _next_send) + 1 / rate
    if wait > 0:
        sleep(wait)


def send(action: Callable[[], Any], sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic) -> Any:
    """Runs `action` (one SNS or SES call) paced, retrying while it is throttled."""
    tries = max(1, config.env_int("MEASUREMENT_SEND_TRIES", 4))
    pause = max(0, config.env_int("MEASUREMENT_BACKOFF_MS", 200)) / 1000
    for attempt in range(tries):
        _pace(sleep, clock)
        try:
            return action()
        except Exception as error:
            if error_code(error) not in THROTTLING:
                raise
            logger.warning("send throttled", extra={"attempt": attempt + 1,
                                                    "code": error_code(error)})
            if attempt + 1 < tries:
                sleep(min(_MAX_PAUSE, pause * 2 ** attempt) * random.uniform(0.5, 1.0))
    raise Throttled()
