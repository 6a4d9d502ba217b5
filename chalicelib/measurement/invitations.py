"""Personal invitations: one single-use token per client. The record holds the token's hash,
the channel, team, period and day sent — never a phone number or address. The number or
address travels only in the queued job that sends the sms or mail (SQS, encrypted at rest)
and is gone once the job is done."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from pynamodb.transactions import TransactWrite

from ..accounts.contact_fields import clean_email
from ..platform import config, mail, outbox, pacing
from ..platform.formatting import amsterdam
from ..platform.logs import logger
from ..platform.models import Invitation, Inviter, Measurement, connection
from ..platform.municipalities import known_name
from . import client_reminders, measurements, tokens

JOB_KIND = "meting-uitnodiging"
PERSONAL_CHANNELS = ("sms", "email", "link", "brief")


class NotSent(Exception):
    """SNS or SES refused or could not be reached: retried unless `permanent`."""

    def __init__(self, permanent: bool = False) -> None:
        super().__init__()
        self.permanent = permanent


_COMPACT = re.compile(r"[\s().-]")
_PLAIN_MOBILE = re.compile(r"^(?:\+31|0031|0)(6\d{8})$")


@cache
def _mobile_range(prefix: str) -> bool:
    """Whether Dutch numbers 06-<prefix>… are mobile numbers (libphonenumber's metadata decides
    per range; asked once per range instead of once per line of a 100,000-line list)."""
    import phonenumbers

    number = phonenumbers.parse(f"0{prefix}{'0' * (9 - len(prefix))}", "NL")
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def clean_mobile(value: str) -> tuple[str, str | None]:
    """A Dutch mobile number as E.164, or a Dutch error. The usual ways of writing one (06…,
    +316…, 00316…, with spaces, dashes or dots) are read directly; anything else by
    phonenumbers, which is 50 times slower."""
    import phonenumbers

    plain = _PLAIN_MOBILE.match(_COMPACT.sub("", value))
    if plain and _mobile_range(plain[1][:3]):
        return f"+31{plain[1]}", None
    text = value.strip()
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return text, "Dit is geen telefoonnummer. Typ een mobiel nummer, zoals 06 12345678"
    if not phonenumbers.is_valid_number(number):
        return text, "Dit telefoonnummer bestaat niet. Typ een mobiel nummer, zoals 06 12345678"
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return text, "Dit is geen mobiel nummer: een sms kan alleen naar een 06-nummer"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def clean_contact(value: str) -> tuple[str, str, str | None]:
    """(channel, cleaned contact, error): an address when it has an @, else a mobile number."""
    text = value.strip()
    if not text:
        return "", text, "Typ een mobiel nummer of een e-mailadres"
    if "@" in text:
        address, error = clean_email(text)
        return "email", address, error and "Dit is geen geldig e-mailadres, zoals naam@voorbeeld.nl"
    number, error = clean_mobile(text)
    return "sms", number, error


def _valid_until(period: measurements.Period) -> tuple[str, datetime]:
    end = datetime.combine(period.last, time(23, 59, 59), tzinfo=amsterdam())
    return period.last.isoformat(), end + timedelta(days=7)


def new_invitation(measurement: Measurement, channel: str, team: str | None,
                   inviter_id: str | None, day: date | None = None) -> tuple[str, Invitation]:
    """A token and its (unsaved) invitation record."""
    day = day or measurements.today()
    period = measurements.period_of(measurement, day)
    valid_until, expires = _valid_until(period)
    token = tokens.new()
    return token, Invitation(tokens.invitation_key(token), municipality=measurement.municipality,
                             measurement_id=measurement.id, period=period.id, channel=channel,
                             team=team, day=day.isoformat(), inviter_id=inviter_id, spent=False,
                             valid_until=valid_until, expires_at=expires)


def issue(measurement: Measurement, channel: str, team: str | None,
          inviter: Inviter | None) -> str:
    """Stores one invitation (and counts it for its inviter) in one transaction; the token."""
    return _issue(measurement, channel, team, inviter, None)[0]


def _issue(measurement: Measurement, channel: str, team: str | None, inviter: Inviter | None,
           remind_to: str | None) -> tuple[str, bool]:
    """With `remind_to` (the number or address) the invitation's single reminder is kept in
    the same transaction (client_reminders.py); the token and whether a reminder was kept."""
    token, invitation = new_invitation(measurement, channel, team,
                                       inviter.id if inviter else None)
    reminder = client_reminders.for_invitation(invitation, channel, remind_to, link(token)) \
        if remind_to else None
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(invitation, condition=Invitation.key.does_not_exist())
        if reminder is not None:
            transaction.save(reminder)
        if inviter is not None:
            transaction.update(inviter, actions=[Inviter.sent.add(1)],
                               condition=Inviter.id.exists())
    return token, reminder is not None


def link(token: str) -> str:
    return f"{config.base_url()}/a/{token}"


def job(measurement: Measurement, channel: str, to: str, token: str) -> dict[str, Any]:
    return {"kind": JOB_KIND, "channel": channel, "to": to, "link": link(token),
            **about(measurement)}


def about(measurement: Measurement) -> dict[str, Any]:
    """What a job says of its measurement: the mail's title and last day, and the keys the
    worker looks it up by before it sends."""
    return {"title": measurement.name, "closes": measurement.closes,
            "municipality": measurement.municipality, "measurement": measurement.id}


def _ended(job: dict[str, Any]) -> bool:
    """Whether the measurement closed (early, or past its last day) or went away after the job
    was queued: its link would only say "gesloten", so the client gets no message at all."""
    if "measurement" not in job:
        return False
    try:
        measurement = measurements.get(job["municipality"], job["measurement"])
    except measurements.NotFound:
        return True
    return measurement.closed_at is not None or \
        measurements.today() > date.fromisoformat(measurement.closes)


def send(measurement: Measurement, channel: str, to: str, team: str | None,
         inviter: Inviter | None, remind: bool = False) -> None:
    """Issues an invitation and queues its sms or mail (outbox.NotQueued when SQS is out of
    reach: the invitation then exists unsent, harmless: nobody has its token)."""
    token, kept = _issue(measurement, channel, team, inviter, to if remind else None)
    outbox.enqueue({**job(measurement, channel, to, token), **({"remind": True} if kept else {})})


@cache
def _sns() -> Any:
    import boto3

    return boto3.client("sns")


def sms_text(job: dict[str, Any]) -> str:
    if job.get("reminder"):
        return (f"Herinnering: uw gemeente wil graag weten wat u vindt van de hulp die u kreeg. "
                f"U kunt de korte vragenlijst nog invullen. Het is anoniem. {job['link']}")
    return (f"Uw gemeente wil graag weten wat u vindt van de hulp die u kreeg. Vult u een "
            f"korte vragenlijst in? Het is anoniem. {job['link']}")


def _token_for(reference: str) -> str:
    """A contact list's invitation gets its token when the worker takes the job: derived with
    the app's secret from the job's random reference (the same on every retry and after a
    redrive from the dead letters, unlike the message id), 128 bits."""
    import base64
    import hashlib
    import hmac

    mac = hmac.new(config.secret_key().encode(), f"uitnodiging#{reference}".encode(),
                   hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _from_list(job: dict[str, Any], job_id: str) -> dict[str, Any] | None:
    """Makes the invitation of a contact list's job (once, also when the job is retried);
    the job with its link, or None when the measurement is gone or closed."""
    from pynamodb.exceptions import TransactWriteError

    try:
        measurement = measurements.get(job["municipality"], job["measurement"])
    except measurements.NotFound:
        return None
    if not measurements.is_open(measurement):
        return None
    token = _token_for(str(job.get("ref") or job_id))
    _, invitation = new_invitation(measurement, job["channel"], job.get("team"),
                                   job.get("inviter"))
    invitation.key = tokens.invitation_key(token)
    reminder = client_reminders.for_invitation(invitation, job["channel"], job["to"],
                                               link(token)) if job.get("remind") else None
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(invitation, condition=Invitation.key.does_not_exist())
            if reminder is not None:
                transaction.save(reminder)
            if job.get("inviter"):
                transaction.update(Inviter(job["inviter"]), actions=[Inviter.sent.add(1)],
                                   condition=Inviter.id.exists())
    except TransactWriteError:
        if find(token) is None:  # not a retry of a job whose invitation exists: fail loudly
            raise
    return {**job, "link": link(token), **about(measurement), "remind": reminder is not None}


def _count(job: dict[str, Any], outcome: str) -> None:
    from ..platform.models import ContactUpload

    if job.get("upload"):
        attribute = ContactUpload.sent if outcome == "sent" else ContactUpload.failed
        ContactUpload(job["upload"]).update(actions=[attribute.add(1)])


PERMANENT = ("InvalidParameter", "InvalidParameterValue", "OptedOut", "MessageRejected")


def perform(job: dict[str, Any], job_id: str) -> None:
    """The mail worker's handler: sends one invitation by sms (SNS) or e-mail (SES). Nothing
    here logs the number or address. A contact list's job makes its invitation first; a
    refusal that no retry will change is counted as failed on its upload, others are retried."""
    if "link" not in job:
        made = _from_list(job, job_id)
        if made is None:
            _count(job, "failed")
            return
        job = made
    elif _ended(job):
        logger.info("invitation not sent: the measurement closed after it was queued")
        return
    try:
        _send(job)
    except pacing.Throttled:
        outbox.later(job)  # as a new message: throttling never ends in the dead letters
        return
    except NotSent as failed:
        if failed.permanent:
            _count(job, "failed")
            return
        raise
    _count(job, "sent")


def _send(job: dict[str, Any]) -> None:
    if job.get("channel") == "sms":
        try:
            pacing.SMS.send(lambda: _sns().publish(
                PhoneNumber=job["to"], Message=sms_text(job),
                MessageAttributes={"AWS.SNS.SMS.SMSType": {
                    "DataType": "String", "StringValue": "Transactional"}}))
        except pacing.Throttled:
            raise  # perform() queues it again for later
        except Exception as error:  # botocore's ClientError and connection errors alike
            code = pacing.error_code(error)
            logger.error("sms not sent", extra={"error": type(error).__name__, "code": code})
            raise NotSent(permanent=code in PERMANENT) from None
        logger.info("sms sent")
    elif job.get("channel") == "email":
        subject = "Wat vindt u van de hulp van uw gemeente?"
        message = mail.compose(job["to"], f"Herinnering: {subject[0].lower()}{subject[1:]}"
                               if job.get("reminder") else subject, "client_invitation",
                               {"link": job["link"], "title": job.get("title", ""),
                                "closes": job.get("closes", ""),
                                "reminder": bool(job.get("reminder")),
                                "remind": bool(job.get("remind")),
                                "municipality": known_name(job.get("municipality"))},
                               reply_to_helpdesk=False)
        try:  # paced and retried while throttled by mail.deliver, as every mail
            mail.deliver(job["to"], message.as_bytes(), "client_invitation")
        except mail.MailNotSent as failed:
            raise NotSent(permanent=pacing.error_code(failed) in PERMANENT) from None
    else:
        logger.warning("invitation job of unknown channel skipped")


def find(token: str) -> Invitation | None:
    if not tokens.looks_like(token):
        return None
    try:
        return Invitation.get(tokens.invitation_key(token), consistent_read=True)
    except Invitation.DoesNotExist:
        return None


def expired(invitation: Invitation, day: date | None = None) -> bool:
    return (day or measurements.today()) > date.fromisoformat(invitation.valid_until)
