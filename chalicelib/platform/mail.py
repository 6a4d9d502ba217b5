"""Sending multipart (plain text + HTML) mails through SES, rendered from templates/mail/."""
from __future__ import annotations

import base64
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from typing import Any

from . import config
from .logs import logger
from .rendering import render

# SES's answers that mean "too fast" (the account's per-second rate), not "this mail failed"
THROTTLING = {"TooManyRequestsException", "Throttling", "ThrottlingException"}


class Throttled(Exception):
    """SES asked to slow down: the mail is fine, the moment was not (the worker queues it
    again later; it never counts towards the dead-letter queue)."""


class MailNotSent(Exception):
    """SES refused or could not be reached; unless a caller decides otherwise, the web layer
    answers with the Dutch 503 page (nothing was lost, try again later)."""


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3

    return boto3.client("sesv2", region_name=config.env("SES_REGION") or None)


def compose(to: str, subject: str, template: str, context: dict[str, Any]) -> EmailMessage:
    """The complete message; both parts come from `mail/<template>.txt` and `.html`."""
    context = {"subject": subject, **context}
    message = EmailMessage()
    message["From"] = config.mail_sender()
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config.mail_domain())
    message["Auto-Submitted"] = "auto-generated"
    message["Reply-To"] = config.helpdesk_email()  # a reply reaches people, not noreply
    message.set_content(render(f"mail/{template}.txt", **context))
    message.add_alternative(render(f"mail/{template}.html", **context), subtype="html")
    return message


def send(to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Renders the mail now (with the data as it is now) and queues it for the mail worker;
    MailNotSent only when the queue itself cannot be reached."""
    from . import outbox

    raw = compose(to, subject, template, context).as_bytes()
    try:
        outbox.enqueue({"kind": "mail", "to": to, "template": template,
                        "raw": base64.b64encode(raw).decode("ascii")})
    except outbox.NotQueued as failed:
        raise MailNotSent() from failed


_last_send = [0.0]
_pace_lock = threading.Lock()


def _pace() -> None:
    """Keeps this worker under its share of the account's SES rate (config.
    mail_sends_per_second): a reminder day's thousand queued mails go out at that pace."""
    rate = config.mail_sends_per_second()
    if rate <= 0:
        return
    with _pace_lock:
        wait = _last_send[0] + 1 / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        _last_send[0] = time.monotonic()


def deliver(to: str, raw: bytes, template: str) -> None:
    """Hands a composed mail to SES (the mail worker calls this); MailNotSent on refusal."""
    request: dict[str, Any] = {
        "FromEmailAddress": config.mail_sender(),
        "Destination": {"ToAddresses": [to]},
        "Content": {"Raw": {"Data": raw}},
    }
    if config.ses_configuration_set():
        request["ConfigurationSetName"] = config.ses_configuration_set()
    _pace()
    try:
        _client().send_email(**request)
    except Exception as error:  # botocore's ClientError and connection errors alike
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        if code in THROTTLING:
            logger.warning("mail throttled by SES", extra={"template": template})
            raise Throttled() from error
        logger.error("mail not sent", extra={"template": template,
                                              "error": type(error).__name__})
        raise MailNotSent() from error
    logger.info("mail sent", extra={"template": template, "to_domain": to.rsplit("@", 1)[-1]})
