"""SES bounce and complaint notifications (configuration set → SNS → this handler): the
address is marked on its registrant, so the helpdesk sees why mails do not arrive."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..platform.logs import logger
from ..platform.metrics import for_service
from ..platform.models import Registrant
from . import registrants


def recipients(notification: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(problem, addresses) of one SES notification; transient bounces are ignored."""
    kind = notification.get("notificationType") or notification.get("eventType")
    if kind == "Bounce":
        bounce = notification.get("bounce") or {}
        if bounce.get("bounceType") != "Permanent":
            return None, []
        return "bounce", [r.get("emailAddress", "") for r in bounce.get("bouncedRecipients", [])]
    if kind == "Complaint":
        complaint = notification.get("complaint") or {}
        return "complaint", [r.get("emailAddress", "")
                             for r in complaint.get("complainedRecipients", [])]
    return None, []


def handle(message: str) -> int:
    """Marks the registrants concerned; returns how many were marked."""
    metrics = for_service("mail-events")
    try:
        notification = json.loads(message)
    except (TypeError, ValueError):
        logger.warning("mail event that is not JSON skipped")
        return 0
    problem, addresses = recipients(notification if isinstance(notification, dict) else {})
    marked = 0
    for address in addresses:
        registrant = registrants.find_by_email(address.strip().lower())
        if problem is None or registrant is None:
            continue
        registrant.update(actions=[Registrant.mail_problem.set(problem),
                                   Registrant.mail_problem_at.set(datetime.now(UTC))])
        marked += 1
        metrics.add_metric(name="MailBounced" if problem == "bounce" else "MailComplaint",
                           unit="Count", value=1)
        logger.warning("mail problem recorded", extra={"registrant_id": registrant.id,
                                                       "problem": problem})
    metrics.flush_metrics(raise_on_empty_metrics=False)
    return marked
