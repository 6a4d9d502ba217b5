"""The single reminder to a client who has not answered. Asked for when inviting (by sms or
e-mail), it is the one place a phone number or address rests: an item beside the invitation
holding the contact and the link, gone when the client answers (deleted in the answer's
transaction), when the reminder is queued, or by TTL the day after it was due. A reminder that
would fall after the invitation's last day is not kept at all."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from ..platform import config
from ..platform.formatting import amsterdam
from ..platform.models import ClientReminder, Invitation

PREFIX = "r#"


def days_after() -> int:
    """Days between the invitation and its reminder (MEASUREMENT_REMINDER_DAYS, default 7)."""
    return max(1, config.env_int("MEASUREMENT_REMINDER_DAYS", 7))


def key_of(invitation_key: str) -> str:
    """The reminder's key beside its invitation's ("t#<hash>" → "r#<hash>")."""
    return PREFIX + invitation_key.partition("#")[2]


def for_invitation(invitation: Invitation, channel: str, to: str,
                   link: str) -> ClientReminder | None:
    """The (unsaved) reminder of a new invitation, or None when it would fall after the
    invitation's last day; marks the invitation so that answering deletes the reminder."""
    due = date.fromisoformat(invitation.day) + timedelta(days=days_after())
    if due > date.fromisoformat(invitation.valid_until):
        return None
    invitation.reminder = True
    gone = datetime.combine(due + timedelta(days=1), time(23, 59, 59), tzinfo=amsterdam())
    return ClientReminder(key_of(invitation.key), remind_on=due.isoformat(), channel=channel,
                          to=to, link=link, expires_at=gone)
