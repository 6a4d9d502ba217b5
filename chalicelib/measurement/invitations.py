"""Personal invitations: one single-use token per client. The record holds the token's hash,
the channel, team, period and day sent — never a phone number or address. The number or
address travels only in the queued job that sends the sms or mail (SQS, encrypted at rest)
and is gone once the job is done."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from pynamodb.transactions import TransactWrite

from ..accounts.contact_fields import clean_email
from ..platform import config, mail, outbox
from ..platform.formatting import amsterdam
from ..platform.logs import logger
from ..platform.models import Invitation, Inviter, Measurement, connection
from . import measurements, tokens

JOB_KIND = "meting-uitnodiging"
PERSONAL_CHANNELS = ("sms", "email", "link", "brief")


class NotSent(Exception):
    """SNS refused an sms or could not be reached: the job is retried."""


def clean_mobile(value: str) -> tuple[str, str | None]:
    """A Dutch mobile number as E.164, or a Dutch error."""
    import phonenumbers

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
    token, invitation = new_invitation(measurement, channel, team,
                                       inviter.id if inviter else None)
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(invitation, condition=Invitation.key.does_not_exist())
        if inviter is not None:
            transaction.update(inviter, actions=[Inviter.sent.add(1)],
                               condition=Inviter.id.exists())
    return token


def link(token: str) -> str:
    return f"{config.base_url()}/a/{token}"


def job(measurement: Measurement, channel: str, to: str, token: str) -> dict[str, Any]:
    return {"kind": JOB_KIND, "channel": channel, "to": to, "link": link(token),
            "title": measurement.name, "closes": measurement.closes}


def send(measurement: Measurement, channel: str, to: str, team: str | None,
         inviter: Inviter | None) -> None:
    """Issues an invitation and queues its sms or mail (outbox.NotQueued when SQS is out of
    reach: the invitation then exists unsent, harmless: nobody has its token)."""
    token = issue(measurement, channel, team, inviter)
    outbox.enqueue(job(measurement, channel, to, token))


@cache
def _sns() -> Any:
    import boto3

    return boto3.client("sns")


def sms_text(job: dict[str, Any]) -> str:
    return (f"Uw gemeente wil graag weten wat u vindt van de hulp die u kreeg. Vult u een "
            f"korte vragenlijst in? Het is anoniem. {job['link']}")


def perform(job: dict[str, Any], job_id: str) -> None:
    """The mail worker's handler: sends one invitation by sms (SNS) or e-mail (SES). Nothing
    here logs the number or address."""
    if job.get("channel") == "sms":
        try:
            _sns().publish(PhoneNumber=job["to"], Message=sms_text(job),
                           MessageAttributes={"AWS.SNS.SMS.SMSType": {
                               "DataType": "String", "StringValue": "Transactional"}})
        except Exception as error:  # botocore's ClientError and connection errors alike
            logger.error("sms not sent", extra={"error": type(error).__name__})
            raise NotSent() from None
        logger.info("sms sent")
    elif job.get("channel") == "email":
        message = mail.compose(job["to"], "Wat vindt u van de hulp van uw gemeente?",
                               "client_invitation",
                               {"link": job["link"], "title": job.get("title", ""),
                                "closes": job.get("closes", "")})
        mail.deliver(job["to"], message.as_bytes(), "client_invitation")
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


def now_utc() -> datetime:
    return datetime.now(UTC)
