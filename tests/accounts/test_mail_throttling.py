"""Issue 26 item 7: a reminder day's thousand mails go out within the account's SES rate, and
throttling that still happens is a retry with backoff (a few tries at once, then from the
queue), never a dead letter; the sender's domain is one setting (MAIL_SENDER), Message-IDs
included."""
from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError

from tests.support.flows import register
from tests.support.pacing import SendClock
from tests.support.tables import scan

TRIES = 4  # THROTTLED_SEND_TRIES' default: SES's "too fast" answers one send takes at once


def _ses_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, "SendEmail")


class Ses:
    """SES answering each send with the next of `answers` (an exception code or "ok")."""

    def __init__(self, monkeypatch, *answers: str) -> None:
        from chalicelib.platform import mail

        self.answers, self.sent = list(answers), 0

        class Client:
            def send_email(inner, **request):
                answer = self.answers.pop(0) if self.answers else "ok"
                if answer != "ok":
                    raise _ses_error(answer)
                self.sent += 1

        monkeypatch.setattr(mail, "_client", lambda: Client())


@pytest.fixture()
def requeued(monkeypatch):
    from chalicelib.platform import outbox

    seen: list[tuple[dict, int]] = []
    monkeypatch.setattr(outbox, "enqueue",
                        lambda job, delay_seconds=0: seen.append((job, delay_seconds)))
    return seen


def _mail_job(to: str = "a@groningen.nl") -> dict:
    import base64

    return {"kind": "mail", "to": to, "template": "link",
            "raw": base64.b64encode(b"Subject: x\r\n\r\nx").decode()}


def test_a_throttled_mail_is_tried_again_at_once_paced_by_ses_only(monkeypatch, requeued,
                                                                     aws):
    from chalicelib.accounts import mail_worker

    clock = SendClock(monkeypatch)
    ses = Ses(monkeypatch, *["TooManyRequestsException"] * (TRIES - 1))
    mail_worker.perform(_mail_job(), last_attempt=True)
    assert ses.sent == 1 and requeued == []
    assert clock.waits == {"ses": TRIES}  # every try paced once, by SES's pacer
    assert clock.slept == [0.2, 0.4, 0.8]


def test_throttling_queues_the_mail_again_later_even_on_the_last_attempt(monkeypatch,
                                                                       requeued, aws):
    from chalicelib.accounts import mail_worker

    SendClock(monkeypatch)
    Ses(monkeypatch, *["TooManyRequestsException"] * TRIES)
    mail_worker.perform(_mail_job(), last_attempt=True)  # no exception: not a failure
    [(job, delay)] = requeued
    assert job["throttled"] == 1 and job["to"] == "a@groningen.nl" and delay >= 2
    Ses(monkeypatch, *["TooManyRequestsException"] * TRIES)
    mail_worker.perform(job, last_attempt=True)
    assert requeued[1][0]["throttled"] == 2 and requeued[1][1] >= 4  # backs off further


def test_another_refusal_is_still_a_failure_that_sqs_retries(monkeypatch, requeued, aws):
    from chalicelib.accounts import mail_worker
    from chalicelib.platform import jobs

    Ses(monkeypatch, "MessageRejected")
    with pytest.raises(jobs.AddressNotSent):
        mail_worker.perform(_mail_job())
    assert requeued == []


def test_backoff_doubles_with_jitter_up_to_sqs_s_longest_delay():
    from chalicelib.platform.outbox import MAX_BACKOFF_SECONDS, backoff_seconds

    assert MAX_BACKOFF_SECONDS == 900
    for throttled, low, high in ((1, 2, 2), (3, 8, 10), (6, 64, 80), (12, 900, 900)):
        for _ in range(20):
            assert low <= backoff_seconds(throttled) <= high, throttled


def test_a_throttled_registration_mail_arrives_and_nothing_reaches_the_dead_letters(
        browser, mailbox, aws, monkeypatch):
    from chalicelib.platform import outbox

    monkeypatch.setattr(outbox, "backoff_seconds", lambda throttled: 0)  # moto's clock
    SendClock(monkeypatch)
    ses = Ses(monkeypatch, *["Throttling"] * (TRIES * 5 + 2))  # more than SQS's five receives
    register(browser)
    assert ses.sent == 1  # the link mail went out after 22 throttles, in six jobs
    dead = outbox._sqs().receive_message(QueueUrl=aws["MailDeadLetterQueueUrl"])
    assert not dead.get("Messages")
    assert "mail_problem" not in scan(aws, "RegistrantsTableName")[0]


def test_each_worker_keeps_to_its_share_of_the_account_s_rate(monkeypatch):
    from chalicelib.platform import mail

    Ses(monkeypatch)
    monkeypatch.setenv("SES_MAX_SEND_RATE", "20")
    monkeypatch.setenv("MAIL_WORKER_CONCURRENCY", "2")  # 10 per second per worker
    mail.deliver("a@b.nl", b"x", "t")
    started = time.monotonic()
    for _ in range(5):
        mail.deliver("a@b.nl", b"x", "t")
    assert time.monotonic() - started >= 0.45
    monkeypatch.setenv("SES_MAX_SEND_RATE", "0")  # local: no pacing
    started = time.monotonic()
    for _ in range(5):
        mail.deliver("a@b.nl", b"x", "t")
    assert time.monotonic() - started < 0.1


def test_the_sender_domain_is_one_setting_message_ids_included(monkeypatch):
    from pathlib import Path

    from chalicelib.platform import mail

    monkeypatch.setenv("MAIL_SENDER", "Aanlevermodule CEO <noreply@Gemeenten.Example>")
    monkeypatch.setattr(mail, "render", lambda template, **context: "tekst")
    message = mail.compose("a@b.nl", "Onderwerp", "personal_link", {})
    assert message["Message-ID"].endswith("@gemeenten.example>")
    source = (Path(mail.__file__)).read_text()
    assert "aanlevermodule-ceo.nl" not in source
    config = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json")
                        .read_text())
    assert "MAIL_SENDER" not in config["environment_variables"]
    for stage in ("local", "dev", "prod"):  # each stage names its sender (and domain) once
        assert "@" in config["stages"][stage]["environment_variables"]["MAIL_SENDER"]
