"""Publishing at a chosen moment ("publiceren vanaf"): the sender (with four-eyes the approving
coordinator) may let the feed publish a delivery only from a moment of their choice, for
instance after the council has seen the results. The delivery counts at once for everything
else (the helpdesk, the season overview, reminders); the feed keeps what it published before
(history.published) until the moment has passed and the reconciler released it.

Release is the reconciler's (publication/reconcile.py, every 15 minutes from its schedule, and
whenever the helpdesk asks): for a scope with a passed moment among
ScopeState.publication_moments, one transaction moves `released_until` to now, bumps the
revision (on the condition that it is still the one read: exactly once, however many runs
overlap) and writes the audit entry; the same run then forwards the scope. A moment that
passes during an outage is released by the first run after it. Until it passes a moment can be
changed, or cancelled (the delivery is then published at once); taking the delivery back
(take_back.py) stops it altogether.
"""
from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime, time, timedelta

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from ..platform import audit, clock, config, cycles
from ..platform.formatting import amsterdam, date_text
from ..platform.instruments import WMO
from ..platform.logs import logger
from ..platform.models import (
    Delivery,
    DeliveryStatus,
    Membership,
    Registrant,
    ScopeState,
    connection,
    scope_key,
)
from ..platform.records import Record
from . import four_eyes, history

CHOICE_FIELD = "publiceren"
DATE_FIELD = "publiceren_datum"
TIME_FIELD = "publiceren_tijd"
AT_ONCE, LATER = "direct", "vanaf"
RELEASED_BY = "publicatiecontrole"  # the reconciler, in the audit trail

_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class Refused(Exception):
    """Changing a publication moment does not apply; Dutch. `status` as take_back.Refused."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


class Choice(Record, frozen=True):
    """What the form said, as typed (to show it again with an error)."""

    choice: str = AT_ONCE
    date: str = ""
    time: str = ""

    @property
    def later(self) -> bool:
        return self.choice == LATER


def read(first: dict[str, str]) -> Choice:
    """The choice from a form's fields (`first`: name -> the first value)."""
    return Choice(first.get(CHOICE_FIELD, "").strip() or AT_ONCE,
                  first.get(DATE_FIELD, "").strip()[:20], first.get(TIME_FIELD, "").strip()[:10])


def as_typed(moment: datetime) -> tuple[str, str]:
    """(date, time) of a moment as the form shows them, in Amsterdam time."""
    local = moment.astimezone(amsterdam())
    return f"{local:%d-%m-%Y}", f"{local:%H:%M}"


def fields(choice: Choice, cycle: int, instrument: str = WMO) -> dict[str, object]:
    """What the form's fieldset (macros.html publish_moment_fields) shows."""
    end = last_moment(cycle, instrument)
    return {"choice": choice, "choice_field": CHOICE_FIELD, "date_field": DATE_FIELD,
            "time_field": TIME_FIELD,
            "last_day": f"{date_text((end - timedelta(days=1)).date())} om 23:59" if end else ""}


def last_moment(cycle: int, instrument: str = WMO) -> datetime | None:
    """The end of the cycle's sending window (its last day, 24:00 in Amsterdam): no
    publication moment may lie later. None where sending is open any day (the local stage)."""
    last: date | None = None
    if cycle == config.current_cycle():  # the stage's window (none where sending is open)
        last = config.delivery_late_until(instrument) or config.delivery_deadline(instrument)
    elif config.delivery_window_mode() != "open":
        try:
            last = cycles.window_of(instrument, cycle).late_until
        except cycles.CycleSettingsError:
            return None
    if last is None:
        return None
    return datetime.combine(last + timedelta(days=1), time(0), amsterdam())


def _date(text: str) -> date | None:
    found = _ISO_DATE.match(text)
    parts = (found[1], found[2], found[3]) if found else None
    if parts is None:
        found = _DATE.match(text)
        parts = (found[3], found[2], found[1]) if found else None
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2])) if parts else None
    except ValueError:
        return None


def _time(text: str) -> time | None:
    found = _TIME.match(text)
    try:
        return time(int(found[1]), int(found[2])) if found else None
    except ValueError:
        return None


def moment(choice: Choice, cycle: int, now: datetime | None = None,
           instrument: str = WMO) -> tuple[datetime | None, dict[str, str]]:
    """(the moment in UTC or None for at once, {field: Dutch error})."""
    if choice.choice not in (AT_ONCE, LATER):
        return None, {CHOICE_FIELD: "Kies of de uitkomsten direct of vanaf een gekozen moment "
                                    "gepubliceerd mogen worden"}
    if not choice.later:
        return None, {}
    errors: dict[str, str] = {}
    day, hour = _date(choice.date), _time(choice.time)
    if not choice.date:
        errors[DATE_FIELD] = "Vul de datum in vanaf wanneer de uitkomsten gepubliceerd mogen worden"
    elif day is None:
        errors[DATE_FIELD] = "Vul een bestaande datum in, bijvoorbeeld 15-05-2026"
    if not choice.time:
        errors[TIME_FIELD] = "Vul het tijdstip in, bijvoorbeeld 09:00"
    elif hour is None:
        errors[TIME_FIELD] = "Vul een bestaand tijdstip in als uu:mm, bijvoorbeeld 09:00"
    if errors or day is None or hour is None:
        return None, errors
    chosen = datetime.combine(day, hour, amsterdam()).astimezone(amsterdam())
    now = now or clock.now()
    if chosen <= now:
        return None, {DATE_FIELD: "Kies een moment in de toekomst; wilt u nu publiceren, kies "
                                  "dan ‘direct’"}
    end = last_moment(cycle, instrument)
    if end is not None and chosen > end:
        last_day = (end - timedelta(days=1)).date()
        return None, {DATE_FIELD: "Kies een moment binnen de aanlevertermijn: uiterlijk "
                                  f"{date_text(last_day)} om 23:59"}
    return chosen.astimezone(UTC), {}


def change(code: str, cycle: int, sequence: int, new: datetime | None,
           registrant: Registrant, now: datetime | None = None,
           instrument: str = WMO) -> Delivery:
    """Moves the publication moment of a valid delivery that still waits for it to `new`, or
    (None) cancels it: then the delivery is published at once. Who may: as for taking back
    (four-eyes: a coordinator; else any representative). One transaction with its audit
    entries, on the conditions that the moment and the scope did not change meanwhile."""
    now = now or clock.now()
    refusal = four_eyes.only_coordinator(code, registrant, "het publicatiemoment wijzigen")
    if refusal:
        raise Refused(refusal, 403)
    key = scope_key(code, cycle, instrument)
    delivery = history.get(code, cycle, sequence, instrument)
    try:
        state = ScopeState.get(key, consistent_read=True)
    except ScopeState.DoesNotExist:
        state = None
    if delivery is None or state is None:
        raise Refused("Deze aanlevering bestaat niet.", 404)
    old = history.waiting_for_moment(delivery, state)
    if delivery.status != DeliveryStatus.VALID or old is None:
        raise Refused(f"Aanlevering {delivery.delivery_id} wacht niet (meer) op een "
                      "publicatiemoment. Vernieuw de pagina.")
    if old <= now:
        raise Refused("Het gekozen moment is al voorbij: de aanlevering wordt nu gepubliceerd "
                      "en het moment kan niet meer worden gewijzigd.")
    if new is not None and new <= now:
        raise Refused("Kies een moment in de toekomst.", 400)
    revision = int(state.revision)
    what = "publicatiemoment gewijzigd" if new else "publicatiemoment geschrapt: direct publiceren"
    entries = audit.writes(four_eyes.actor_name(registrant), what,
                           [audit.subject_municipality(code), audit.subject_registrant(
                               registrant.id)],
                           details={"aanlevering": delivery.delivery_id,
                                    "was": history.moment_key(old),
                                    "wordt": history.moment_key(new) if new else "direct"},
                           now=now)
    on = four_eyes.required(code)
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, entries)
            transaction.update(delivery, actions=[
                Delivery.publish_at.set(new) if new else Delivery.publish_at.remove()],
                condition=(Delivery.publish_at == old)
                & (Delivery.status == DeliveryStatus.VALID))
            # a new moment is looked at by the reconciler; cancelling publishes now (a new
            # revision: the stream forwards it); either way only on the state that was read
            transaction.update(state, actions=[
                ScopeState.publication_moments.add({history.moment_key(new)})] if new else [
                ScopeState.revision.set(revision + 1)],
                condition=ScopeState.revision == revision)
            transaction.condition_check(
                Membership, code, registrant.id,
                condition=(Membership.coordinator == True) if on  # noqa: E712
                else Membership.registrant_id.exists())
    except TransactWriteError as error:
        raise Refused("De aanlevering is intussen gewijzigd (of gepubliceerd). Vernieuw de "
                      "pagina en probeer het opnieuw.") from error
    delivery.publish_at = new
    return delivery


def due(state: ScopeState, now: datetime) -> bool:
    """Whether a publication moment of this scope has passed (cheap: the state alone)."""
    return any(datetime.fromisoformat(m) <= now for m in state.publication_moments or ())


def release(municipality: str, cycle: int, instrument: str = WMO,
            now: datetime | None = None) -> str | None:
    """Releases every publication moment of this scope that has passed: the feed may publish
    those deliveries from now on. Returns the number of the delivery the feed publishes now,
    or None when there was nothing to release (moments of deliveries withdrawn, replaced or
    moved meanwhile are forgotten). Exactly once: the revision moves on the condition that it
    is still the one read."""
    now = now or clock.now()
    try:
        state = ScopeState.get(scope_key(municipality, cycle, instrument), consistent_read=True)
    except ScopeState.DoesNotExist:
        return None
    passed = {m for m in state.publication_moments or () if datetime.fromisoformat(m) <= now}
    if not passed:
        return None
    revision = int(state.revision)
    sent = history.history(municipality, cycle, instrument)
    waiting = [d for d in history.scheduled(sent, state)
               if d.publish_at is not None and d.publish_at <= now]
    if not waiting:
        with contextlib.suppress(UpdateError):  # changed meanwhile: the next run looks again
            state.update(actions=[ScopeState.publication_moments.delete(passed)],
                         condition=ScopeState.revision == revision)
        return None
    shown = waiting[0]  # newest first: the one the feed publishes now
    entries = audit.writes(RELEASED_BY, "gepubliceerd op het gekozen moment",
                           [audit.subject_municipality(municipality)],
                           details={"aanlevering": shown.delivery_id,
                                    "moment": history.moment_key(shown.publish_at or now),
                                    "revisie_voor": revision, "revisie_na": revision + 1},
                           now=now)
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, entries)
            transaction.update(state, actions=[
                ScopeState.revision.set(revision + 1), ScopeState.released_until.set(now),
                ScopeState.publication_moments.delete(passed)],
                condition=ScopeState.revision == revision)
    except TransactWriteError:
        logger.info("release skipped: scope changed meanwhile",
                    extra={"municipality": municipality, "cycle": cycle})
        return None
    logger.info("publication released", extra={"delivery_id": shown.delivery_id,
                                               "revision": revision + 1})
    return str(shown.delivery_id)
