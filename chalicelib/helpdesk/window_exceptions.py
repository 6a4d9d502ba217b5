"""The helpdesk's exception to the sending window: one municipality may still send until a
date after everyone else's last day (the delivery is marked late; delivery/window.py decides).
An exception is for one instrument (CEO Wmo or CEO Jeugd), as each has its own window and
state: a helpdesk asked to let a municipality finish its Jeugd delivery must not silently
reopen its Wmo one too; the page shows and grants each instrument's apart.
Granting, changing and withdrawing it write the (municipality, cycle) state and the audit
entries in one transaction, on the condition that the exception is still what the helpdesk's
page showed: a second employee acting on the same page is told, not obeyed twice."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..delivery.window import last_day
from ..platform import audit, instruments
from ..platform.formatting import amsterdam, date_text
from ..platform.models import ScopeState, connection, scope_key
from ..platform.records import Record

LONGEST = timedelta(days=366)  # an exception reaches at most a year ahead


class Refused(Exception):
    """Bad input or a stale page; the message is Dutch, for the helpdesk employee. `field`:
    what it is about ("tot", "reden", or "" for the exception as a whole)."""

    def __init__(self, message: str, field: str = "", stale: bool = False) -> None:
        super().__init__(message)
        self.field, self.stale = field, stale


STALE = ("De uitzondering is intussen door iemand anders gewijzigd; hieronder staat wat nu "
         "geldt. Er is niets opgeslagen.")


class Allowance(Record, frozen=True):
    """The exception in force: who allowed what until when, and why."""

    until: date
    reason: str
    by: str
    at: datetime | None


def of(state: ScopeState | None) -> Allowance | None:
    if state is None or not state.allowed_until:
        return None
    try:
        until = date.fromisoformat(state.allowed_until)
    except ValueError:
        return None
    return Allowance(until, state.allowed_reason or "", state.allowed_by or "",
                      state.allowed_at)


def parse_day(text: str) -> date | None:
    """ISO (what <input type=date> sends) or Dutch day-month-year."""
    from ..questionnaire.answers import parse_date

    return parse_date(text[:40])


def instrument_of_form(slug: str) -> str:
    """The instrument a form's `onderzoek` names ("" or "wmo": CEO Wmo, as before Jeugd)."""
    found = instruments.chosen(slug)
    if found is None:
        raise Refused("Kies CEO Wmo of CEO Jeugd")
    return found.id


def _seen_condition(seen: str) -> Any:
    return ScopeState.allowed_until.does_not_exist() if not seen else \
        ScopeState.allowed_until == seen


def grant(actor: str, code: str, cycle: int, until_text: str, reason: str, seen: str,
          now: datetime | None = None, instrument: str = instruments.WMO) -> date:
    """Allows `code` to send `instrument` in `cycle` until the day typed; `seen` is the
    exception's last day as the page showed it ("" for none)."""
    now = now or datetime.now(UTC)
    today = now.astimezone(amsterdam()).date()
    until = parse_day(until_text)
    if until is None:
        raise Refused("Vul een geldige datum in, zoals 15-11-2026", "tot")
    regular = last_day(instrument)
    if regular is None:
        raise Refused("Er is geen aanlevertermijn ingesteld voor "
                      f"{instruments.get(instrument).name}: iedereen kan altijd verzenden")
    if until <= regular:
        raise Refused(f"Tot en met {date_text(regular)} kan elke gemeente al verzenden; kies "
                      "een latere datum", "tot")
    if until < today:
        raise Refused("Die datum is al voorbij; kies vandaag of later", "tot")
    if until > today + LONGEST:
        raise Refused("Kies een datum binnen een jaar", "tot")
    reason = reason.strip()[:1000]
    if not reason:
        raise Refused("Geef een reden op; die komt in het logboek", "reden")
    entries = audit.writes(actor, "uitzondering op de termijn",
                                [audit.subject_municipality(code)], reason,
                                {"verzenden_tot_en_met": until.isoformat(),
                                 "verantwoordingsjaar": cycle, "onderzoek": instrument,
                                 "was": seen or "geen"}, now=now)
    _write(entries, scope_key(code, cycle, instrument), seen, [
        ScopeState.allowed_until.set(until.isoformat()), ScopeState.allowed_reason.set(reason),
        ScopeState.allowed_by.set(actor), ScopeState.allowed_at.set(now),
        # a municipality without a delivery gets its state here: what a send expects of it
        ScopeState.last_sequence.set(ScopeState.last_sequence | 0),
        ScopeState.revision.set(ScopeState.revision | 0)])
    return until


def withdraw(actor: str, code: str, cycle: int, reason: str, seen: str,
             now: datetime | None = None, instrument: str = instruments.WMO) -> None:
    reason = reason.strip()[:1000]
    if not seen:
        raise Refused("Er is geen uitzondering om in te trekken")
    if not reason:
        raise Refused("Geef een reden op; die komt in het logboek", "reden")
    entries = audit.writes(actor, "uitzondering ingetrokken",
                                [audit.subject_municipality(code)], reason,
                                {"was": seen, "verantwoordingsjaar": cycle,
                                 "onderzoek": instrument}, now=now)
    _write(entries, scope_key(code, cycle, instrument), seen, [
        ScopeState.allowed_until.remove(), ScopeState.allowed_reason.remove(),
        ScopeState.allowed_by.remove(), ScopeState.allowed_at.remove()])


def _write(entries: list, scope: str, seen: str, actions: list) -> None:
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, entries)
            transaction.update(ScopeState(scope), actions=actions,
                               condition=_seen_condition(seen))
    except TransactWriteError as error:
        reasons = {reason.code for reason in (error.cancellation_reasons or []) if reason}
        if "ConditionalCheckFailed" in reasons:
            raise Refused(STALE, stale=True) from error
        raise
