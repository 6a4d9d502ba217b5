"""The written answers to a measurement's own open questions, for the page beside the results:
per group — the whole measurement (or an inviter's team), each period, each team — the texts,
only where the group is at or above the privacy threshold, and only as of the figures on show.

"As of the figures on show": the group's responses by day of answering, oldest first, and the
texts of the whole days that fit in threshold.shown (10, 15, 20, ...). The last day a response
came in is shown only while the count stands exactly on a step, so one more response never
brings one more text; texts appear five (a step) at a time at least, and never with a day or in
the order they came (sorted as text). A team or period below the threshold shows none; its
texts stand in the totals without its name, as its figures count there.

Read on request from the responses table (collected.kept: one Query on the measurement's key,
paged, excluded days left out), not from the counters: a text is no count. It costs a read
unit per 4 KB (strongly consistent), about one per 4-8 responses, so it is a page of its own and
not the results page (whose reads stay constant, whatever the number of responses)."""
from __future__ import annotations

from collections import Counter

from ..platform.models import ClientResponse, Measurement
from ..platform.records import Record
from . import collected, definitions, measurements, results, threshold


class Texts(Record, frozen=True):
    question: str
    text: str
    answers: tuple[str, ...]


class WrittenGroup(Record, frozen=True):
    """One group's texts; `responses` (the figures' step, as the results page says it) None
    when the group is below the threshold; `waiting` when the last day's texts wait for the
    next step."""

    label: str
    responses: int | None
    questions: tuple[Texts, ...] = ()
    waiting: bool = False


def open_questions(measurement: Measurement) -> list[definitions.Question]:
    return [q for q in measurements.questionnaire(measurement).questions() if q.free_text]


def as_shown(group: list[ClientResponse], setting: int | None) -> list[ClientResponse] | None:
    """The group's responses whose texts may be shown: None below the threshold, else those of
    the oldest whole days that fit in the figures on show."""
    shown = threshold.shown(len(group), setting)
    if shown is None:
        return None
    per_day = Counter(r.day for r in group)
    days, total = set(), 0
    for day in sorted(per_day):
        if total + per_day[day] > shown:
            break
        total += per_day[day]
        days.add(day)
    return [r for r in group if r.day in days]


def _group(measurement: Measurement, label: str, group: list[ClientResponse],
           setting: int | None) -> WrittenGroup:
    shown = as_shown(group, setting)
    if shown is None:
        return WrittenGroup(label, None)
    texts = tuple(Texts(q.id, q.text["nl"], tuple(sorted(
        (str((r.answers or {}).get(q.id)) for r in shown if (r.answers or {}).get(q.id)),
        key=str.casefold))) for q in open_questions(measurement))
    return WrittenGroup(label, threshold.shown(len(group), setting), texts,
                        len(shown) < len(group))


def read(measurement: Measurement) -> list[WrittenGroup]:
    """The municipality's view (an inviter never sees written answers, issue 27): the whole
    measurement, each period, each team — each group on its own threshold."""
    if not open_questions(measurement):
        return []
    kept = collected.kept(measurement)
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    groups = [_group(measurement, "de hele meting", kept, setting)]
    groups += [_group(measurement, p.label, [r for r in kept if r.period == p.id], setting)
               for p in results.periods_of(measurement)]
    groups += [_group(measurement, t["name"], [r for r in kept if r.team == t["id"]], setting)
               for t in measurement.teams]
    return groups
