"""Every mail gets out: requests only queue work, the mail worker does it with retries, a mail
that finally fails is shown to the helpdesk, and registering or asking a link does the same
work whether or not the address is known."""
from __future__ import annotations

import pytest

from tests.support import aws_calls
from tests.support.browser import deliver_queued
from tests.support.flows import register
from tests.support.tables import scan


class FlakySes:
    """SES refusing the first `failures` sends, then accepting (the real client behind it)."""

    def __init__(self, monkeypatch, failures: int) -> None:
        from chalicelib.platform import mail

        self.left = failures
        real = mail._client()

        class Client:
            def send_email(inner, **request):
                if self.left > 0:
                    self.left -= 1
                    raise RuntimeError("SES throttled")
                return real.send_email(**request)

        monkeypatch.setattr(mail, "_client", lambda: Client())


@pytest.fixture()
def operations(monkeypatch):
    seen: list[str] = []
    aws_calls.record(monkeypatch, lambda call: seen.append(f"{call.service}.{call.operation}"))
    return seen


def test_ses_down_for_a_while_delays_the_link_but_loses_nothing(browser, mailbox, aws,
                                                                monkeypatch):
    FlakySes(monkeypatch, failures=3)
    response = register(browser)
    assert response.status_code == 303  # no error page: the work is queued
    link = mailbox.last_link("a.devries@groningen.nl")  # the worker retried until SES took it
    assert browser.get(link).status_code == 303
    [registrant] = scan(aws, "RegistrantsTableName")
    assert "mail_problem" not in registrant


def test_a_mail_that_keeps_failing_is_shown_to_the_helpdesk(browser, mailbox, helpdesk, aws,
                                                             monkeypatch):
    register(browser)
    deliver_queued()  # the link mail went out
    FlakySes(monkeypatch, failures=100)
    assert browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"}).status_code == 303
    deliver_queued()
    [registrant] = scan(aws, "RegistrantsTableName")
    assert registrant["mail_problem"]["S"] == "niet verzonden"
    dead = scan_queue(aws, "MailDeadLetterQueueUrl")
    assert len(dead) == 1 and '"kind": "mail"' in dead[0]["Body"]
    page = helpdesk.get(f"/helpdesk/registrant/{registrant['id']['S']}").text
    assert "kon na herhaalde pogingen niet worden verzonden" in page


def scan_queue(aws, output: str) -> list[dict]:
    import boto3

    return boto3.client("sqs").receive_message(QueueUrl=aws[output],
                                               MaxNumberOfMessages=10).get("Messages", [])


def test_when_the_queue_is_unreachable_the_page_says_so_and_nothing_is_stored(
        browser, aws, monkeypatch):
    from chalicelib.platform import outbox

    class Down:
        def send_message(self, **_):
            raise ConnectionError("SQS unreachable")

        def get_queue_url(self, **_):
            raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(outbox, "_sqs", lambda: Down())
    monkeypatch.setenv("MAIL_QUEUE_URL", "https://sqs.invalid/ceo-local-mail")
    response = register(browser)
    assert response.status_code == 503 and "niets verloren gegaan" in response.text
    assert scan(aws, "RegistrantsTableName") == []


def _operations_of_post(browser, operations, form: str, fields: dict[str, str]) -> list[str]:
    """The AWS operations one form post makes, sorted."""
    from urllib.parse import urlencode

    body = urlencode({"csrf_token": browser.csrf_token(form), **fields}).encode()
    operations.clear()
    browser.post_raw(form, body)
    return sorted(operations)


def test_a_known_and_an_unknown_address_cost_the_same_work(browser, mailbox, aws, operations):
    register(browser)
    deliver_queued()
    for form, extra in (("/nieuwe-link", {}),
                        ("/", {"naam": "Els", "telefoon": "050 367 9111", "gemeente": "GM0014",
                               "namens": "ja"})):
        known = _operations_of_post(browser, operations, form,
                                    {"email": "a.devries@groningen.nl", **extra})
        unknown = _operations_of_post(browser, operations, form,
                                      {"email": "niemand@groningen.nl", **extra})
        assert known == unknown, form
        assert "sqs.SendMessage" in known and not any(o.startswith("sesv2.") for o in known)
    deliver_queued()
    assert mailbox.to("niemand@groningen.nl")  # the registration did go through, later


def test_a_reply_to_any_mail_reaches_the_helpdesk(browser, aws):
    import email
    from email import policy

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    register(browser)
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages
    raw = sent.raw_data.encode() if isinstance(sent.raw_data, str) else sent.raw_data
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Reply-To"] == "helpdesk@aanlevermodule-ceo.nl"
    assert message["From"].addresses[0].username == "noreply"
