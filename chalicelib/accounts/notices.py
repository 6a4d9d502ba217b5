"""Mails to everyone who represents a municipality (a delivery was made, withdrawn,
restored). Best effort: a notice that cannot be sent is logged, never undoes the action."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ..platform import mail
from ..platform.logs import logger
from . import registrants


def notify_municipality(code: str, subject: str, template: str, context: dict[str, Any],
                        exclude: Collection[str] = ()) -> int:
    """Mails every registrant of `code` but those in `exclude`; returns how many mails went
    out."""
    sent = 0
    for registrant in registrants.of_municipality(code):
        if registrant.id in exclude:
            continue
        try:
            mail.send(registrant.email, subject=subject, template=template,
                      context={"name": registrant.name,
                               "personal_code": registrant.personal_code, **context})
            sent += 1
        except mail.MailNotSent:
            logger.error("notice not sent", extra={"template": template,
                                                   "registrant_id": registrant.id})
    return sent
