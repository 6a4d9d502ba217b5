"""Clients' sms and e-mails stay within SNS's and SES's rates: each worker paces its sends,
a throttled send is tried again after a growing pause, and one still throttled goes back to
the queue (retried later), never counted as "kon niet worden bereikt"."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.measurement import invitations, send_rate


def _error(code):
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "Publish")


class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def _fresh_pace(monkeypatch):
    monkeypatch.setattr(send_rate, "_next_send", 0.0)
    monkeypatch.setattr(send_rate.random, "uniform", lambda a, b: 1.0)


def test_a_throttled_send_is_tried_again_after_a_growing_pause(monkeypatch):
    monkeypatch.setenv("MEASUREMENT_SENDS_PER_SECOND", "1000")
    clock, calls = Clock(), []

    def publish():
        calls.append(1)
        if len(calls) < 3:
            raise _error("Throttling")
        return "sent"

    assert send_rate.send(publish, clock.sleep, clock) == "sent"
    assert len(calls) == 3
    backoffs = [s for s in clock.slept if s >= 0.1]
    assert backoffs == [0.2, 0.4]


def test_still_throttled_after_every_try_goes_back_to_the_queue(monkeypatch):
    monkeypatch.setenv("MEASUREMENT_SENDS_PER_SECOND", "1000")
    monkeypatch.setenv("MEASUREMENT_SEND_TRIES", "3")
    clock, calls = Clock(), []

    def publish():
        calls.append(1)
        raise _error("Throttled")

    with pytest.raises(send_rate.Throttled):
        send_rate.send(publish, clock.sleep, clock)
    assert len(calls) == 3


def test_other_refusals_are_not_retried_here():
    calls = []

    def publish():
        calls.append(1)
        raise _error("InvalidParameter")

    with pytest.raises(ClientError):
        send_rate.send(publish, lambda s: None)
    assert len(calls) == 1


def test_the_backoff_is_capped(monkeypatch):
    monkeypatch.setenv("MEASUREMENT_SENDS_PER_SECOND", "1000")
    monkeypatch.setenv("MEASUREMENT_SEND_TRIES", "10")
    clock = Clock()

    def publish():
        raise _error("Throttling")

    with pytest.raises(send_rate.Throttled):
        send_rate.send(publish, clock.sleep, clock)
    assert max(clock.slept) == 5.0


def test_each_worker_paces_its_sends(monkeypatch):
    monkeypatch.setenv("MEASUREMENT_SENDS_PER_SECOND", "5")
    clock = Clock()
    for _ in range(3):
        send_rate.send(lambda: None, clock.sleep, clock)
    assert clock.slept == pytest.approx([0.2, 0.2])  # 3 sends take 0.4 s: 5 a second
    clock.now += 10  # idle a while: the next send goes at once
    send_rate.send(lambda: None, clock.sleep, clock)
    assert len(clock.slept) == 2


def test_the_worker_retries_a_throttled_sms_and_counts_it_once(monkeypatch, aws):
    monkeypatch.setenv("MEASUREMENT_SENDS_PER_SECOND", "1000")
    monkeypatch.setenv("MEASUREMENT_BACKOFF_MS", "1")
    sent = []

    class Sns:
        def publish(self, **request):
            if not sent:
                sent.append(None)
                raise _error("Throttling")
            sent.append(request["PhoneNumber"])

    monkeypatch.setattr(invitations, "_sns", lambda: Sns())
    invitations._send({"channel": "sms", "to": "+31612345678", "link": "https://x/a/t"})
    assert sent == [None, "+31612345678"]

    class Refusing:
        def publish(self, **request):
            raise _error("Throttling")

    monkeypatch.setattr(invitations, "_sns", lambda: Refusing())
    with pytest.raises(invitations.NotSent) as refused:
        invitations._send({"channel": "sms", "to": "+31612345678", "link": "https://x/a/t"})
    assert refused.value.permanent is False  # SQS retries it later; not counted as failed
