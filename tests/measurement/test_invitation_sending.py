"""Clients' invitations within SNS's and SES's rates: an sms is paced by the sms rate, an
e-mail by SES's — once, not by both — a throttled send is tried again and, still throttled,
goes back to the queue without being counted, and a refusal no retry changes is counted once
as "kon niet worden bereikt"."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from chalicelib.measurement import invitations
from chalicelib.platform import mail
from tests.support.pacing import SendClock

SMS = {"channel": "sms", "to": "+31612345678", "link": "https://x/a/t"}
EMAIL = {"channel": "email", "to": "client@example.nl", "link": "https://x/a/t", "title": "M"}


def _error(code):
    return ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "Send")


@pytest.fixture()
def clock(monkeypatch):
    monkeypatch.setenv("MAIL_WORKER_CONCURRENCY", "2")
    monkeypatch.setenv("SES_MAX_SEND_RATE", "10")  # 5 mails a second per worker
    monkeypatch.setenv("SMS_MAX_SEND_RATE", "2")  # 1 sms a second per worker
    return SendClock(monkeypatch)


class Service:
    """SNS and SES answering each send with the next of `answers` (an error code or "ok")."""

    def __init__(self, monkeypatch, *answers):
        self.answers, self.sent, self.calls = list(answers), [], 0
        service = self

        class Client:
            def publish(self, **request):
                service.answer(request["PhoneNumber"])

            def send_email(self, **request):
                service.answer(request["Destination"]["ToAddresses"][0])

        monkeypatch.setattr(invitations, "_sns", lambda: Client())
        monkeypatch.setattr(mail, "_client", lambda: Client())

    def answer(self, to):
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer != "ok":
            raise _error(answer)
        self.sent.append(to)


@pytest.fixture()
def counted(monkeypatch):
    outcomes = []
    monkeypatch.setattr(invitations, "_count", lambda job, outcome: outcomes.append(outcome))
    return outcomes


def test_a_client_s_e_mail_is_paced_once_by_ses_s_rate(monkeypatch, clock, aws):
    service = Service(monkeypatch)
    for _ in range(3):
        invitations._send(EMAIL)
    assert service.sent == [EMAIL["to"]] * 3
    assert clock.waits == {"ses": 3}  # not also the sms pacer, not SES's twice
    assert clock.slept == pytest.approx([0.2, 0.2])  # 5 a second, not the sms's 1


def test_the_helpdesk_s_mails_and_clients_share_ses_s_one_rate(monkeypatch, clock, aws):
    service = Service(monkeypatch)
    mail.deliver("iemand@groningen.nl", b"x", "personal_link")
    invitations._send(EMAIL)
    assert len(service.sent) == 2 and clock.waits == {"ses": 2}
    assert clock.slept == pytest.approx([0.2])


def test_an_sms_is_paced_once_by_the_sms_rate(monkeypatch, clock, aws):
    service = Service(monkeypatch)
    for _ in range(3):
        invitations._send(SMS)
    assert service.sent == [SMS["to"]] * 3
    assert clock.waits == {"sns-sms": 3}
    assert clock.slept == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("job,pacer", [(SMS, "sns-sms"), (EMAIL, "ses")], ids=["sms", "e-mail"])
def test_a_throttled_invitation_is_tried_again_and_counted_once(monkeypatch, clock, counted,
                                                                aws, job, pacer):
    service = Service(monkeypatch, "Throttling")
    invitations.perform(dict(job), "job-1")
    assert service.sent == [job["to"]] and counted == ["sent"]
    assert clock.waits == {pacer: 2}  # each try paced, by its own service only
    assert clock.slept[0] == 0.2  # the backoff, then what is left of the rate's second
    assert sum(clock.slept) == pytest.approx(1.0 if pacer == "sns-sms" else 0.2)


@pytest.mark.parametrize("job", [SMS, EMAIL], ids=["sms", "e-mail"])
def test_still_throttled_the_job_is_queued_again_as_a_new_message_uncounted(
        monkeypatch, clock, counted, aws, job):
    """A new message with a backoff, so SQS's receive count — and the dead-letter queue — never
    sees throttling (a long throttle would otherwise end in the dead letters after 5 receives)."""
    import json

    from chalicelib.platform import outbox

    backoffs: list[int] = []
    monkeypatch.setattr(outbox, "backoff_seconds",  # moto would hold a delayed message back
                        lambda throttled: backoffs.append(throttled) or 0)
    service = Service(monkeypatch, *["Throttling"] * 4)  # every one of THROTTLED_SEND_TRIES
    invitations.perform(dict(job), "job-1")  # no exception: SQS deletes the message it held
    assert service.calls == 4 and counted == []  # not "kon niet worden bereikt"
    [again] = outbox._sqs().receive_message(QueueUrl=outbox.queue_url()).get("Messages", [])
    assert json.loads(again["Body"]) == {**job, "throttled": 1} and backoffs == [1]


@pytest.mark.parametrize("job,code", [(SMS, "OptedOut"), (EMAIL, "MessageRejected")],
                         ids=["sms", "e-mail"])
def test_a_permanent_refusal_is_counted_once_and_not_retried(monkeypatch, clock, counted, aws,
                                                             job, code):
    service = Service(monkeypatch, code)
    invitations.perform(dict(job), "job-1")  # no exception: SQS does not try it again
    assert service.calls == 1 and counted == ["failed"]
