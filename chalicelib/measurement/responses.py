"""Storing a client's answers, anonymous by construction: a response holds the measurement,
period, channel, team, the day of answering and the answers — no token, address, IP, user
agent or time finer than a day. With a personal token, spending the token and storing the
response are one transaction (one write request): a second submit stores nothing."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform import config, rate_limits
from ..platform.formatting import amsterdam
from ..platform.models import (
    BurstRecord,
    ClientReminder,
    ClientResponse,
    Invitation,
    Inviter,
    KioskDevice,
    connection,
)
from ..platform.records import Record
from . import client_reminders, measurements

CHANNELS = {"sms": "sms", "email": "e-mail", "link": "link om te kopiëren",
            "generiek": "algemene link", "qr": "QR-code", "brief": "brief",
            "tablet": "tablet", "papier": "papier"}


class AlreadyAnswered(Exception):
    """The token was spent (or the device session ended): nothing was stored."""


class Closed(Exception):
    """The measurement or the invitation's period is over: nothing was stored."""


class Source(Record, frozen=True):
    """Where a response comes from: what the response may say about it, plus (never stored
    in the response) the invitation key or device session that must be spent or checked."""

    municipality: str
    measurement_id: str
    period: str
    channel: str
    team: str | None
    invitation_key: str | None = None
    device: str | None = None

    def as_dict(self) -> dict:
        return {"m": self.municipality, "i": self.measurement_id, "p": self.period,
                "c": self.channel, "t": self.team, "k": self.invitation_key, "d": self.device}

    @classmethod
    def from_dict(cls, data: object) -> Source | None:
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str)
                                                 for k in ("m", "i", "p", "c")):
            return None
        if data["c"] not in CHANNELS:
            return None
        optional = {k: data.get(k) if isinstance(data.get(k), str) else None
                    for k in ("t", "k", "d")}
        return cls(data["m"], data["i"], data["p"], data["c"], optional["t"], optional["k"],
                   optional["d"])


def _response(source: Source, answers: dict[str, str], day: date) -> ClientResponse:
    return ClientResponse(f"{source.municipality}#{source.measurement_id}",
                          secrets.token_hex(16), period=source.period, channel=source.channel,
                          team=source.team, day=day.isoformat(), answers=answers)


def submit(source: Source, answers: dict[str, str], inviter: Inviter | None = None,
           day: date | None = None, reminder: bool = False) -> ClientResponse:
    """One write request: the response, with the token spent (condition: not spent before)
    and the inviter's count raised, or the device session checked, in the same transaction;
    with `reminder` (the invitation has one waiting) the reminder and its contact go too."""
    day = day or measurements.today()
    response = _response(source, answers, day)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(response, condition=ClientResponse.id.does_not_exist())
            if source.invitation_key is not None:
                invitation = Invitation(source.invitation_key)
                transaction.update(invitation, actions=[Invitation.spent.set(True)],
                                   condition=Invitation.key.exists()
                                   & (Invitation.spent == False)  # noqa: E712
                                   & (Invitation.valid_until >= day.isoformat()))
                if reminder:
                    transaction.delete(ClientReminder(
                        client_reminders.key_of(source.invitation_key)))
            if source.device is not None:
                transaction.condition_check(KioskDevice, source.device,
                                            condition=(KioskDevice.ended == False)  # noqa: E712
                                            & (KioskDevice.day == day.isoformat()))
            if inviter is not None:
                transaction.update(inviter, actions=[Inviter.answered.add(1)],
                                   condition=Inviter.id.exists())
    except TransactWriteError as error:
        reasons = [getattr(r, "code", None) if r else None
                   for r in (error.cancellation_reasons or [])]
        if "ConditionalCheckFailed" in reasons:
            raise AlreadyAnswered() from None
        raise
    return response


BURST = "~burst#"  # sorts after every response id (hexadecimal)


def count(municipality: str, measurement_id: str) -> int:
    return ClientResponse.count(f"{municipality}#{measurement_id}",
                                range_key_condition=ClientResponse.id < "~")


def record_burst(municipality: str, measurement_id: str, day: date | None = None) -> None:
    """One more response refused today for coming too often from one network address."""
    day = day or measurements.today()
    BurstRecord(f"{municipality}#{measurement_id}", f"{BURST}{day.isoformat()}").update(
        actions=[BurstRecord.refused.add(1), BurstRecord.day.set(day.isoformat())])


def bursts(municipality: str, measurement_id: str) -> list[BurstRecord]:
    return list(BurstRecord.query(f"{municipality}#{measurement_id}",
                                  range_key_condition=BurstRecord.id.startswith(BURST)))


def limit_network_address(address: str, now: datetime | None = None,
                          scope: str = "meting-adres") -> None:
    """Counts a generic-link response of this network address; RateLimited past the limit.
    The address is kept only as a hash salted with a secret that changes every day."""
    import hashlib
    import hmac

    now = now or datetime.now(amsterdam())
    day = now.astimezone(amsterdam()).date().isoformat()
    salt = hmac.new(config.secret_key().encode(), f"meting-zout#{day}".encode(),
                    hashlib.sha256).hexdigest()
    rate_limits.hit(scope, f"{salt}#{address}",
                    config.env_int("MEASUREMENT_RESPONSES_PER_ADDRESS", 30), now)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=amsterdam())


def kiosk_expiry(day: date) -> datetime:
    return end_of_day(day) + timedelta(days=1)
