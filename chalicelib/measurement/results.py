"""What the results pages show: the figures on show (counting.py's snapshots, all read in one
Query however many responses there are) per group — the whole measurement, each period, each
team — as rows per statement with the share of each answer, the statements that give a signal,
and for a closed period the correction late responses brought. Also the municipality's
exclusion of a day (a burst through a generic link): audited, reversible, and the figures
rebuilt from the per-day counters."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pynamodb.transactions import TransactWrite

from ..platform import audit
from ..platform.models import Measurement, ResultSnapshot, connection
from ..platform.records import Record
from . import counting, measurements, signals, threshold
from .counting import ALL


class Share(Record, frozen=True):
    label: str
    count: int
    percent: float  # of the valid answers ("weet niet" apart)
    x: float  # where its bar starts (0-100)
    colour: str


class Row(Record, frozen=True):
    question: str
    text: str
    valid: int
    dont_know: int
    shares: tuple[Share, ...]
    signal: bool


class Group(Record, frozen=True):
    """One group's figures; `responses` None when it is below the threshold."""

    label: str
    responses: int | None
    rows: tuple[Row, ...] = ()
    late: int = 0
    correction: Group | None = None


class Results(Record, frozen=True):
    total: Group
    periods: tuple[Group, ...]
    teams: tuple[Group, ...]
    signalled: int


COLOURS = {"5": "#00703c", "4": "#85b64a", "3": "#b1b4b6", "2": "#f47738", "1": "#d4351c",
           "ja": "#00703c", "nee": "#d4351c"}


def _rows(measurement: Measurement, counts: dict[str, dict[str, int]]) -> tuple[Row, ...]:
    questionnaire = measurements.questionnaire(measurement)
    agree = signals.agree_questions(measurement)
    rows = []
    for question in questionnaire.questions():
        if question.free_text:
            continue  # not counted: written_answers.py shows them on their own page
        answers = counts.get(question.id, {})
        options = [o for o in questionnaire.scales[question.scale]
                   if o.value != signals.DONT_KNOW]
        valid = sum(answers.get(o.value, 0) for o in options)
        shares, x = [], 0.0
        for option in options:
            n = answers.get(option.value, 0)
            percent = round(100 * n / valid, 1) if valid else 0.0
            shares.append(Share(option.label["nl"], n, percent, x,
                                COLOURS.get(option.value, "#505a5f")))
            x += percent
        rows.append(Row(question.id, question.text["nl"], valid,
                        answers.get(signals.DONT_KNOW, 0), tuple(shares),
                        question.id in signals.signalled({question.id: answers}, agree)))
    return tuple(rows)


def _group(measurement: Measurement, label: str, snapshot: ResultSnapshot | None,
           setting: int | None, correction: ResultSnapshot | None = None) -> Group:
    responses = int(snapshot.responses or 0) if snapshot is not None else 0
    if snapshot is None or threshold.shown(responses, setting) is None:
        shown: Group = Group(label, None)
    else:
        shown = Group(label, responses, _rows(measurement, snapshot.counts or {}))
    if correction is None:
        return shown
    fixed = int(correction.responses or 0)
    corrected = Group("met de late reacties", fixed, _rows(measurement, correction.counts)) \
        if fixed and threshold.shown(fixed, setting) is not None else None
    return Group(shown.label, shown.responses, shown.rows, int(correction.late or 0), corrected)


def periods_of(measurement: Measurement, today: date | None = None) -> list[measurements.Period]:
    """The periods of a continuous measurement from its first day up to today."""
    today = today or measurements.today()
    if measurement.mode != "continu":
        return []
    found: list[measurements.Period] = []
    day = date.fromisoformat(measurement.opens)
    last = min(date.fromisoformat(measurement.closes), today)
    while day <= last:
        period = measurements.period_of(measurement, day)
        found.append(period)
        day = period.last + timedelta(days=1)
    return found


def snapshots(measurement: Measurement) -> dict[str, ResultSnapshot]:
    """Everything on show of a measurement: one Query."""
    return {s.item: s for s in ResultSnapshot.query(measurements.scope_key(measurement))}


def read(measurement: Measurement, team: str | None = None, with_teams: bool = True) -> Results:
    """The figures on show; with `team`, that team's only (an inviter of that team); without
    `with_teams`, no team's figures apart (an inviter of no team sees the totals)."""
    found = snapshots(measurement)
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    own = team or ALL

    def group(label: str, period: str, team_id: str) -> Group:
        return _group(measurement, label, found.get(counting.snapshot_item("shown", period,
                                                                           team_id)),
                      setting, found.get(counting.snapshot_item("correction", period,
                                                                team_id)))

    total = group("de hele meting" if team is None else
                  f"team {measurements.team_name(measurement, team)}", ALL, own)
    periods = tuple(group(p.label, p.id, own) for p in periods_of(measurement))
    teams = () if team is not None or not with_teams else tuple(group(t["name"], ALL, t["id"])
                                              for t in measurement.teams)
    signalled = sum(1 for row in total.rows if row.signal)
    return Results(total, periods, teams, signalled)


class Status(Record, frozen=True):
    """What the helpdesk sees of a measurement: no answers, only whether it runs and how many
    responses it has."""

    id: str
    name: str
    mode: str
    opens: str
    closes: str
    is_open: bool
    responses: int


def status_of_municipality(code: str) -> list[Status]:
    from . import responses

    return [Status(m.id, m.name, measurements.MODES.get(m.mode, m.mode), m.opens, m.closes,
                   measurements.is_open(m), responses.count(code, m.id))
            for m in measurements.of_municipality(code)]


def set_day_excluded(measurement: Measurement, day: str, excluded: bool, actor: str) -> None:
    """Leaves a day out of the results (or takes it back in): the set changed atomically with
    its audit entry, then the figures rebuilt from the per-day counters."""
    now = datetime.now(UTC)
    action = Measurement.excluded_days.add({day}) if excluded \
        else Measurement.excluded_days.delete({day})
    with TransactWrite(connection=connection()) as transaction:
        transaction.update(measurement, actions=[action],
                           condition=Measurement.id.exists())
        audit.save_in(transaction, audit.writes(
            actor, "dag uitgesloten van de resultaten" if excluded
            else "dag weer meegeteld in de resultaten",
            [audit.subject_municipality(measurement.municipality)],
            details={"meting": measurement.id, "dag": day}, now=now))
    counting.rebuild(measurements.get(measurement.municipality, measurement.id))
