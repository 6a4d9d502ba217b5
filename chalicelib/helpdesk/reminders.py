"""Reminders before the deadline, to the registrants of municipalities without a delivery that
counts: a selection the helpdesk makes in the season overview, or every such municipality on
the configured days before the deadline (REMINDER_DAYS_BEFORE; the daily `send_reminders`
schedule in app.py).

Planning only queues one job per person (the outbox, platform/outbox.py). The mail worker then
does each job: it checks again that the municipalities still have no delivery that counts,
writes the one record per person and day with attribute_not_exists (the audit entries in the
same transaction), and only then sends. So nobody gets two reminders for the same day, whoever
or whatever sends them and however often; a retry of the very job that claimed the day (the
mail could not be sent) may send again; and a municipality that delivered in the meantime is
left out, or the mail is not sent at all."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..accounts import registrants
from ..platform import audit, config, instruments, jobs, mail, outbox
from ..platform.formatting import amsterdam, date_text
from ..platform.instruments import WMO
from ..platform.logs import logger
from ..platform.models import Registrant, Reminder, connection
from ..platform.municipalities import municipalities, name_of
from ..platform.records import Record, field
from . import season

AUTOMATIC = "herinneringsschema"
KEEP = timedelta(days=400)


def key_of(cycle: int, day: date, registrant_id: str, instrument: str = WMO) -> str:
    """One reminder per person, day and instrument (Wmo's keys as before Jeugd existed)."""
    slug = instruments.get(instrument).slug
    return f"{slug + '#' if slug else ''}{cycle}#{day.isoformat()}#{registrant_id}"


def today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(amsterdam()).date()


class Plan(Record):
    """Who gets a reminder for a selection of municipalities on `day`."""

    cycle: int
    day: date
    instrument: str = WMO
    people: dict[str, list[str]] = field(default_factory=dict)  # registrant → municipalities
    delivered: list[str] = field(default_factory=list)  # chosen, but one counts: left out
    nobody: list[str] = field(default_factory=list)  # chosen, no delivery, nobody registered
    already: list[Reminder] = field(default_factory=list)  # reminded for this day already

    @property
    def municipalities(self) -> set[str]:
        return {code for codes in self.people.values() for code in codes}


def plan(codes: list[str], cycle: int, day: date, check_already: bool = True,
         read_deliveries: bool = True, instrument: str = WMO) -> Plan:
    """Groups the registrants of `codes` that have no delivery that counts, per person (one
    mail each, naming all their municipalities). With `check_already`, people who were
    reminded for `day` already are set apart (the worker's record would stop them anyway;
    this is for telling the helpdesk). A Scan of the memberships and BatchGetItems."""
    found = Plan(cycle, day, instrument)
    counted = season.counting_now(codes, cycle, read_deliveries=read_deliveries,
                                  instrument=instrument)
    representing = season.members()
    for code in codes:
        sequence, _, _, _, waiting_approval = counted.get(code, (0, False, False, True, 0))
        if sequence or waiting_approval:  # a delivery waiting for approval was sent: no nudge
            found.delivered.append(code)
        elif not representing.get(code):
            found.nobody.append(code)
        else:
            for registrant_id in sorted(representing[code]):
                found.people.setdefault(registrant_id, []).append(code)
    if check_already and found.people:
        keys = [key_of(cycle, day, registrant_id, instrument) for registrant_id in found.people]
        found.already = sorted(Reminder.batch_get(keys), key=lambda r: r.created_at)
        for reminder in found.already:
            found.people.pop(str(reminder.registrant_id), None)
    return found


def queue(found: Plan, actor: str) -> int:
    """One job per person for the mail worker; how many were queued."""
    outbox.enqueue_many([{"kind": "reminder", "registrant": registrant_id,
                          "municipalities": codes, "cycle": found.cycle,
                          "day": found.day.isoformat(), "actor": actor,
                          **({"instrument": found.instrument}
                             if found.instrument != WMO else {})}
                         for registrant_id, codes in sorted(found.people.items())])
    return len(found.people)


def scheduled(now: datetime | None = None) -> dict[str, Any]:
    """The daily schedule: on a configured number of days before the deadline, every
    municipality of the list without a delivery that counts."""
    day = today(now)
    deadline = config.delivery_deadline()
    days_left = (deadline - day).days if deadline else None
    if days_left is None or days_left not in config.reminder_days():
        return {"day": day.isoformat(), "days_left": days_left, "queued": 0}
    found = plan(list(municipalities(config.municipality_year())), config.current_cycle(), day,
                 check_already=False, read_deliveries=False)
    queued = queue(found, AUTOMATIC)
    logger.info("reminders queued", extra={"day": day.isoformat(), "days_left": days_left,
                                           "people": queued,
                                           "municipalities": len(found.municipalities)})
    return {"day": day.isoformat(), "days_left": days_left, "queued": queued}


def perform(job: dict[str, Any], job_id: str, now: datetime | None = None) -> str:
    """The mail worker's part (see the module's note); what happened, for logs and tests."""
    now = now or datetime.now(UTC)
    registrant = registrants.get(str(job.get("registrant", "")))
    if registrant is None:
        return "no registrant"
    cycle, day = int(job["cycle"]), date.fromisoformat(str(job["day"]))
    instrument = str(job.get("instrument") or WMO)
    if instrument not in instruments.IDS:
        return "unknown instrument"
    codes = [code for code in job.get("municipalities", []) if code in registrant.municipalities]
    counted = season.counting_now(codes, cycle, read_deliveries=False, instrument=instrument)
    open_codes = sorted(code for code in codes if not counted.get(code, (0, False, False))[0])
    if not open_codes:
        return "delivered"
    if not _claim(registrant, open_codes, cycle, day, str(job.get("actor") or AUTOMATIC),
                  job_id, now, instrument):
        return "already reminded"
    _send(registrant, open_codes, cycle, day, instrument)
    try:
        Reminder(key_of(cycle, day, registrant.id, instrument)).update(
            actions=[Reminder.sent_at.set(now)])
    except Exception:  # the mail went out; the time it did is only informative
        logger.warning("reminder sent but not marked", extra={"registrant_id": registrant.id})
    return "sent"


def _claim(registrant: Registrant, codes: list[str], cycle: int, day: date, actor: str,
           job_id: str, now: datetime, instrument: str = WMO) -> bool:
    """Writes this person's record for `day` and its audit entries in one transaction; False
    when another job holds the day."""
    key = key_of(cycle, day, registrant.id, instrument)
    record = Reminder(key, registrant_id=registrant.id, cycle=cycle, day=day.isoformat(),
                      municipalities=set(codes), actor=actor, job=job_id, created_at=now,
                      expires_at=now + KEEP)
    entries = audit.writes(
        actor, "herinnering verstuurd",
        [audit.subject_registrant(registrant.id), *map(audit.subject_municipality, codes)],
        details={"herinnering_voor": day.isoformat(), "gemeenten": ", ".join(codes),
                 **({"onderzoek": instruments.get(instrument).name}
                    if instrument != WMO else {})}, now=now)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(record, condition=Reminder.key.does_not_exist())
            audit.save_in(transaction, entries)
    except TransactWriteError as error:
        reasons = {reason.code for reason in (error.cancellation_reasons or []) if reason}
        if "ConditionalCheckFailed" not in reasons:
            raise
        held = Reminder.get(key, consistent_read=True)
        return str(held.job) == job_id  # a retry of the very job that claimed the day
    return True


def _send(registrant: Registrant, codes: list[str], cycle: int, day: date,
          instrument: str = WMO) -> None:
    year = config.municipality_year()
    names = [name_of(code, year) for code in codes]
    study = instruments.get(instrument)
    deadline = config.delivery_deadline(instrument)
    late_until = config.delivery_late_until(instrument)
    subject = (f"Herinnering: aanlevering {study.name} {cycle} voor {', '.join(names)}"
               if len(names) <= 3 else f"Herinnering: aanlevering {study.name} {cycle}")
    context = {"name": registrant.name, "personal_code": registrant.personal_code,
               "subject_of_survey": study.subject,
               "municipalities": names, "cycle": cycle,
               "deadline": date_text(deadline) if deadline else None,
               "days_left": (deadline - day).days if deadline else None,
               "late_until": date_text(late_until) if late_until and late_until != deadline
               else None,
               "start_url": f"{config.base_url()}/start",
               "new_link_url": f"{config.base_url()}/nieuwe-link"}
    raw = mail.compose(registrant.email, subject, "reminder", context).as_bytes()
    try:
        mail.deliver(registrant.email, raw, "reminder")
    except mail.MailNotSent as failed:
        raise jobs.AddressNotSent(registrant.email) from failed
