"""The daily run that sends the clients' single reminders (app.py's schedule, mid-morning):
the reminders due today or yesterday (a failed run is made up the next day), each queued as
an sms or e-mail job for the mail worker unless the client answered, the invitation expired or
the measurement closed. Every reminder is deleted before its job is queued (a conditional
delete: two runs at once queue it once), so the contact leaves the table as it enters the
queue; a job SQS refuses is not retried (one reminder at most, never two)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError

from ..platform import outbox
from ..platform.logs import logger
from ..platform.models import ClientReminder, Invitation, get_together
from . import client_reminders, invitations, measurements


def _invitation_key(reminder_key: str) -> str:
    return "t#" + reminder_key.removeprefix(client_reminders.PREFIX)


def _job(reminder: ClientReminder, invitation: Invitation | None,
         day: date) -> dict[str, Any] | None:
    if invitation is None or invitation.spent or invitations.expired(invitation, day):
        return None
    try:
        measurement = measurements.get(invitation.municipality, invitation.measurement_id)
    except measurements.NotFound:
        return None
    if not measurements.is_open(measurement, day):
        return None
    return {"kind": invitations.JOB_KIND, "channel": reminder.channel, "to": reminder.to,
            "link": reminder.link, **invitations.about(measurement), "reminder": True}


def scheduled(day: date | None = None) -> dict[str, int]:
    """Queues the reminders due; counts (never contact data) for the log."""
    day = day or measurements.today()
    counts = {"queued": 0, "skipped": 0}
    for due in (day - timedelta(days=1), day):
        for found in ClientReminder.due.query(due.isoformat()):
            reminder, invitation = get_together(
                (ClientReminder, found.key, None), (Invitation, _invitation_key(found.key), None))
            if reminder is None:
                continue
            job = _job(reminder, invitation, day)
            try:
                reminder.delete(condition=ClientReminder.key.exists())
            except DeleteError:
                continue  # another run took it
            if job is None:
                counts["skipped"] += 1
                continue
            try:
                outbox.enqueue(job)
            except outbox.NotQueued:
                counts["skipped"] += 1
                continue
            counts["queued"] += 1
    logger.info("client reminders", extra=counts)
    return counts
