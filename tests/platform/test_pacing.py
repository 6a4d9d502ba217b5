"""Every send stays within its service's rate (SES for mails, SNS for sms): each worker paces
its sends at its share of the account's rate, a throttled send is tried again after a growing
pause, and one still throttled raises Throttled (its job goes back to the queue, retried
later), never counted as "kon niet worden bereikt"."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.platform import pacing
from tests.support.pacing import SendClock


def _error(code):
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "Publish")


@pytest.fixture()
def clock(monkeypatch):
    return SendClock(monkeypatch)


def _unpaced():
    return pacing.Pacer("test", lambda: 0)


def test_a_throttled_send_is_tried_again_after_a_growing_pause(clock):
    calls = []

    def publish():
        calls.append(1)
        if len(calls) < 3:
            raise _error("Throttling")
        return "sent"

    assert _unpaced().send(publish) == "sent"
    assert len(calls) == 3
    assert clock.slept == [0.2, 0.4]


def test_still_throttled_after_every_try_goes_back_to_the_queue(monkeypatch, clock):
    monkeypatch.setenv("THROTTLED_SEND_TRIES", "3")
    calls = []

    def publish():
        calls.append(1)
        raise _error("Throttled")

    with pytest.raises(pacing.Throttled):
        _unpaced().send(publish)
    assert len(calls) == 3
    assert clock.slept == [0.2, 0.4]  # no pause after the last try: the job goes back at once


def test_other_refusals_are_not_retried_here(clock):
    calls = []

    def publish():
        calls.append(1)
        raise _error("InvalidParameter")

    with pytest.raises(ClientError):
        _unpaced().send(publish)
    assert len(calls) == 1 and clock.slept == []


def test_the_backoff_is_capped(monkeypatch, clock):
    monkeypatch.setenv("THROTTLED_SEND_TRIES", "10")

    def publish():
        raise _error("Throttling")

    with pytest.raises(pacing.Throttled):
        _unpaced().send(publish)
    assert max(clock.slept) == 5.0 and clock.slept.count(5.0) == 4  # 3.2 s, then 5 s × 4


def test_each_worker_paces_its_sends(clock):
    pacer = pacing.Pacer("test", lambda: 5)
    for _ in range(3):
        pacer.send(lambda: None)
    assert clock.slept == pytest.approx([0.2, 0.2])  # 3 sends take 0.4 s: 5 a second
    clock.now += 10  # idle a while: the next send goes at once
    pacer.send(lambda: None)
    assert len(clock.slept) == 2
    assert clock.waits == {"test": 4}


def test_each_service_has_its_own_rate_shared_by_the_workers(monkeypatch, clock):
    monkeypatch.setenv("MAIL_WORKER_CONCURRENCY", "2")
    monkeypatch.setenv("SES_MAX_SEND_RATE", "20")  # 10 mails a second per worker
    monkeypatch.setenv("SMS_MAX_SEND_RATE", "4")  # 2 sms a second per worker
    for _ in range(3):
        pacing.SES.send(lambda: None)
    assert clock.slept == pytest.approx([0.1, 0.1])
    pacing.SMS.send(lambda: None)  # the sms pacer's first slot is free: mails took none of it
    assert len(clock.slept) == 2
    pacing.SMS.send(lambda: None)
    assert clock.slept[2:] == pytest.approx([0.5])


def test_the_rates_of_a_stage_and_locally(monkeypatch):
    from chalicelib.platform import config

    for name in ("SES_MAX_SEND_RATE", "SMS_MAX_SEND_RATE", "MAIL_WORKER_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    assert config.mail_sends_per_second() == 0  # local: SES is moto, no pacing
    assert config.sms_sends_per_second() == 10
    monkeypatch.setenv("MAIL_WORKER_CONCURRENCY", "2")  # the stack's default
    assert config.sms_sends_per_second() == 5  # as before SmsMaxSendRate: 5 a worker
    monkeypatch.setenv("SES_MAX_SEND_RATE", "14")
    assert config.mail_sends_per_second() == 7


def test_no_pacing_at_a_rate_of_zero(clock):
    pacer = pacing.Pacer("test", lambda: 0)
    for _ in range(5):
        pacer.send(lambda: None)
    assert clock.slept == []
