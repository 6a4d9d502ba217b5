"""Sending multipart (plain text + HTML) mails through SES, rendered from templates/mail/."""
from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache
from typing import Any

from . import config, pacing
from .logs import logger
from .rendering import render


class MailNotSent(Exception):
    """SES refused or could not be reached; unless a caller decides otherwise, the web layer
    answers with the Dutch 503 page (nothing was lost, try again later)."""


@lru_cache(maxsize=1)
def _client() -> Any:
    import boto3

    return boto3.client("sesv2", region_name=config.env("SES_REGION") or None)


def compose(to: str, subject: str, template: str, context: dict[str, Any],
            reply_to_helpdesk: bool = True) -> EmailMessage:
    """The complete message; both parts come from `mail/<template>.txt` and `.html`. A mail to
    a client has no Reply-To: the helpdesk serves municipal staff, and a client's reply would
    carry their address and questions to people who cannot help them (the mail names their
    municipality instead)."""
    context = {"subject": subject, **context}
    message = EmailMessage()
    message["From"] = config.mail_sender()
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config.mail_domain())
    message["Auto-Submitted"] = "auto-generated"
    if reply_to_helpdesk:
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


def deliver(to: str, raw: bytes, template: str) -> None:
    """Hands a composed mail to SES (the mail worker calls this, for every mail), paced at
    this worker's share of SES's rate and retried while throttled (platform/pacing.py):
    pacing.Throttled when it stayed throttled (queue it again later), MailNotSent on refusal."""
    request: dict[str, Any] = {
        "FromEmailAddress": config.mail_sender(),
        "Destination": {"ToAddresses": [to]},
        "Content": {"Raw": {"Data": raw}},
    }
    if config.ses_configuration_set():
        request["ConfigurationSetName"] = config.ses_configuration_set()
    try:
        pacing.SES.send(lambda: _client().send_email(**request))
    except pacing.Throttled:
        logger.warning("mail throttled by SES", extra={"template": template})
        raise
    except Exception as error:  # botocore's ClientError and connection errors alike
        logger.error("mail not sent", extra={"template": template,
                                              "error": type(error).__name__})
        raise MailNotSent() from error
    logger.info("mail sent", extra={"template": template, "to_domain": to.rsplit("@", 1)[-1]})
