"""Counting clients' responses from the responses table's stream into the results table,
exactly once each, and keeping the figures on show at the threshold's steps.

Counting. Each response belongs to one of SHARDS write shards of its measurement (from its
random id), so no counter item is a hot key. Per shard, a batch's responses go in as few
transactions as fit (100 items each): a marker `r#<id>` put on the condition that it does not
exist, plus one ADD per counter for the sum of the chunk: responses `n#<period>#<team>#<day>`,
answers `a#<period>#<team>#<day>#<question>#<answer>` (choices only: written answers are not
counted), and responses counted after their period
had closed `l#...`. A record delivered twice, or a batch retried, finds its marker and adds
nothing (the transaction is cancelled whole and tried again without the counted ones). The
counters are per day, so that a day the municipality excluded (a burst) is left out by not
adding its counters.

Showing. The figures a page shows are snapshots (ResultSnapshot, all under the measurement's
key: one Query): per group — (period or all) × (team or all) — the counts at the moment the
group's count reached a step of threshold.shown (10, 15, 20, ...). After counting, the batch's
responses are walked in stream order on top of the counts without them; where a group's count
lands on a step, that state is its new snapshot. So the page never shows a count that is not
a step and one more response never changes a figure. A period that had closed when a response
of it is counted keeps its figures; the response goes into a "correction" snapshot (and the
totals) instead. A stream shard feeds one measurement's records in order to one invocation at
a time, which is what makes the walk exact."""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform import config
from ..platform.formatting import amsterdam
from ..platform.logs import logger
from ..platform.models import Measurement, ResultCounter, ResultSnapshot, connection
from ..platform.records import Record, field
from . import measurements, signals, threshold

ALL = "*"
NO_TEAM = "-"
MAX_ITEMS = 100  # DynamoDB's limit per transaction


class Counted(Record, frozen=True):
    """A response as the stream brings it."""

    scope: str  # "<municipality>#<measurement id>"
    id: str
    period: str
    team: str
    day: str
    answers: dict[str, str]


class Figures(Record):
    """A group's counts: responses and answers per question."""

    responses: int = 0
    late: int = 0
    answers: dict[str, Counter] = field(default_factory=dict)

    def add(self, other: Figures, sign: int = 1) -> None:
        self.responses += sign * other.responses
        self.late += sign * other.late
        for question, counts in other.answers.items():
            target = self.answers.setdefault(question, Counter())
            for answer, n in counts.items():
                target[answer] += sign * n

    def copy(self) -> Figures:
        copied = Figures()
        copied.add(self)
        return copied

    def plain(self) -> dict[str, dict[str, int]]:
        return {q: {a: n for a, n in sorted(c.items()) if n > 0}
                for q, c in sorted(self.answers.items())}


def shards() -> int:
    return max(1, config.env_int("RESULTS_SHARDS", 10))


def shard_of(response_id: str) -> int:
    return int(hashlib.sha256(response_id.encode()).hexdigest()[:8], 16) % shards()


def shard_key(scope: str, shard: int) -> str:
    return f"{scope}#{shard:02d}"


def snapshot_item(kind: str, period: str, team: str) -> str:
    return f"s#{kind}#{period}#{team}"


def today() -> date:
    return datetime.now(amsterdam()).date()


# --- reading the stream ---

def from_image(image: dict[str, Any]) -> Counted | None:
    """A response from a stream record's NewImage (low-level shape); None for anything else
    (a burst record, a malformed item)."""
    from boto3.dynamodb.types import TypeDeserializer

    try:
        item = {k: TypeDeserializer().deserialize(v) for k, v in image.items()}
        answers = item.get("answers")
        answers = json.loads(answers) if isinstance(answers, str) else answers
        if str(item["id"]).startswith("~") or not isinstance(answers, dict):
            return None
        return Counted(str(item["measurement"]), str(item["id"]), str(item["period"]),
                       str(item.get("team") or NO_TEAM), str(item["day"]),
                       {str(q): str(a) for q, a in answers.items()})
    except (KeyError, TypeError, ValueError):
        return None


def from_record(record: dict[str, Any]) -> Counted | None:
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage")
    return from_image(image) if isinstance(image, dict) else None


# --- counting exactly once ---

def _keys(response: Counted, late: bool) -> list[str]:
    base = f"{response.period}#{response.team}#{response.day}"
    keys = [f"n#{base}"] + [f"a#{base}#{q}#{a}" for q, a in sorted(response.answers.items())]
    return keys + ([f"l#{base}"] if late else [])


def _chunks(responses: list[Counted], late: dict[str, bool]) -> Iterable[list[Counted]]:
    chunk: list[Counted] = []
    keys: set[str] = set()
    for response in responses:
        mine = set(_keys(response, late[response.id]))
        if chunk and len(chunk) + 1 + len(keys | mine) > MAX_ITEMS:
            yield chunk
            chunk, keys = [], set()
        chunk.append(response)
        keys |= mine
    if chunk:
        yield chunk


def _count_chunk(key: str, chunk: list[Counted], late: dict[str, bool]) -> None:
    """One transaction: the chunk's markers and its summed counters; responses found counted
    already are left out and the rest tried again."""
    for attempt in range(10):
        if not chunk:
            return
        sums: Counter = Counter()
        for response in chunk:
            sums.update(_keys(response, late[response.id]))
        try:
            with TransactWrite(connection=connection()) as transaction:
                for response in chunk:
                    transaction.save(ResultCounter(key, f"r#{response.id}", n=1),
                                     condition=ResultCounter.item.does_not_exist())
                for item, n in sorted(sums.items()):
                    transaction.update(ResultCounter(key, item),
                                       actions=[ResultCounter.n.add(n)])
            return
        except TransactWriteError as error:
            codes = {getattr(r, "code", None) for r in (error.cancellation_reasons or []) if r}
            if "ConditionalCheckFailed" in codes:
                counted = {c.item for c in ResultCounter.batch_get(
                    [(key, f"r#{r.id}") for r in chunk])}
                chunk = [r for r in chunk if f"r#{r.id}" not in counted]
            elif "TransactionConflict" in codes and attempt < 9:
                time.sleep(0.05 * (attempt + 1))
            else:
                raise
    raise RuntimeError("responses not counted after 10 attempts")


def count_once(responses: list[Counted], late: dict[str, bool]) -> None:
    """Each response into its shard's counters, exactly once however often it comes."""
    by_shard: dict[str, list[Counted]] = {}
    for response in responses:
        by_shard.setdefault(shard_key(response.scope, shard_of(response.id)), []).append(
            response)
    for key, mine in sorted(by_shard.items()):
        for chunk in _chunks(mine, late):
            _count_chunk(key, chunk, late)


# --- the counts and the figures on show ---

def _groups(period: str, team: str) -> list[tuple[str, str]]:
    teams = [ALL] if team == NO_TEAM else [ALL, team]
    return [(p, t) for p in (ALL, period) for t in teams]


def read_counts(scope: str) -> dict[tuple[str, str, str], Figures]:
    """Every counter of a measurement, per (period, team, day): one Query per shard, sized by
    days × teams × answers, never by the number of responses."""
    found: dict[tuple[str, str, str], Figures] = {}
    for shard in range(shards()):
        for counter in ResultCounter.query(shard_key(scope, shard),
                                           range_key_condition=ResultCounter.item < "r"):
            kind, period, team, day, *rest = counter.item.split("#")
            figures = found.setdefault((period, team, day), Figures())
            if kind == "n":
                figures.responses += int(counter.n)
            elif kind == "l":
                figures.late += int(counter.n)
            elif kind == "a" and len(rest) == 2:
                figures.answers.setdefault(rest[0], Counter())[rest[1]] += int(counter.n)
    return found


def totals(counts: dict[tuple[str, str, str], Figures],
           excluded: set[str]) -> dict[tuple[str, str], Figures]:
    """Group figures from per-day counts, the excluded days left out."""
    groups: dict[tuple[str, str], Figures] = {}
    for (period, team, day), figures in counts.items():
        if day in excluded:
            continue
        for group in _groups(period, team):
            groups.setdefault(group, Figures()).add(figures)
    return groups


def _one(response: Counted, late: bool) -> Figures:
    return Figures(responses=1, late=int(late),
                   answers={q: Counter({a: 1}) for q, a in response.answers.items()})


def _is_step(n: int, setting: int | None) -> bool:
    return threshold.shown(n, setting) == n


def _save(scope: str, item: str, figures: Figures, late: int | None = None,
          only_if_higher: bool = True) -> bool:
    snapshot = ResultSnapshot(scope, item, responses=figures.responses,
                              counts=figures.plain(), late=late,
                              written_at=datetime.now(amsterdam()).isoformat())
    condition = (ResultSnapshot.item.does_not_exist()
                 | (ResultSnapshot.responses < figures.responses)) if only_if_higher else None
    try:
        snapshot.save(condition=condition)
        return True
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise


def refresh(measurement: Measurement, batch: list[Counted], late: dict[str, bool]) -> None:
    """The snapshots the batch's responses move, and the signals of the periods they reach."""
    scope = measurements.scope_key(measurement)
    excluded = set(measurement.excluded_days or ())
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    groups = totals(read_counts(scope), excluded)
    walking = [r for r in batch if r.day not in excluded]
    state = {group: figures.copy() for group, figures in groups.items()}
    for response in walking:
        for group in _groups(response.period, response.team):
            state.setdefault(group, Figures()).add(_one(response, late[response.id]),
                                                             -1)
    steps: dict[tuple[str, str, str], Figures] = {}
    for response in walking:
        one = _one(response, late[response.id])
        for period, team in _groups(response.period, response.team):
            figures = state[(period, team)]
            figures.add(one)
            if _is_step(figures.responses, setting):
                kind = "correction" if period != ALL and late[response.id] else "shown"
                steps[(kind, period, team)] = figures.copy()
    for (kind, period, team), figures in sorted(steps.items()):
        late_count = figures.late if kind == "correction" else None
        written = _save(scope, snapshot_item(kind, period, team), figures, late_count)
        if written and kind == "shown" and period != ALL and team == ALL:
            label = measurements.period_of(
                measurement, _first_day(batch, period)).label
            signals.mail_once(measurement, period, label, figures.plain(), figures.responses)
    late_groups = {(r.period, t) for r in walking if late[r.id]
                   for _, t in _groups(r.period, r.team)}
    for period, team in sorted(late_groups):  # every late one so far, a step or not
        ResultSnapshot(scope, snapshot_item("correction", period, team)).update(
            actions=[ResultSnapshot.late.set(groups[(period, team)].late)])


def _first_day(batch: list[Counted], period: str) -> date:
    return date.fromisoformat(next(r.day for r in batch if r.period == period))


def rebuild(measurement: Measurement) -> None:
    """Every snapshot again from the counters, after the municipality excluded or included a
    day: a group's figures are then those of its remaining responses (documented in
    docs/measurement.md: the one time a snapshot may stand for a count that is not a step)."""
    scope = measurements.scope_key(measurement)
    groups = totals(read_counts(scope), set(measurement.excluded_days or ()))
    existing = {s.item for s in ResultSnapshot.query(
        scope, range_key_condition=ResultSnapshot.item.startswith("s#shown#"))}
    for (period, team), figures in groups.items():
        _save(scope, snapshot_item("shown", period, team), figures, only_if_higher=False)
        existing.discard(snapshot_item("shown", period, team))
    for item in existing:
        ResultSnapshot(scope, item).delete()


def late_for(measurement: Measurement, batch: list[Counted]) -> dict[str, bool]:
    """Per response: was its period closed (its last day passed) when it was counted?"""
    now = today()
    return {r.id: measurements.period_of(measurement, date.fromisoformat(r.day)).last < now
            for r in batch}


def only_choices(measurement: Measurement, batch: list[Counted]) -> list[Counted]:
    """The responses without their written answers: a text is no answer to count, and in a
    counter's key it would be kept for good where nobody reviews it (and could pass the key's
    1 KB). The results page reads written answers from the responses themselves."""
    written = {q.id for q in measurements.questionnaire(measurement).questions() if q.free_text}
    if not written:
        return batch
    return [Counted(r.scope, r.id, r.period, r.team, r.day,
                    {q: a for q, a in r.answers.items() if q not in written}) for r in batch]


def count_measurement(scope: str, batch: list[Counted]) -> None:
    municipality, _, measurement_id = scope.partition("#")
    try:
        measurement = measurements.get(municipality, measurement_id)
    except measurements.NotFound:
        logger.warning("responses of an unknown measurement skipped", extra={"scope": scope})
        return
    batch = only_choices(measurement, batch)
    late = late_for(measurement, batch)
    count_once(batch, late)
    refresh(measurement, batch, late)


def count_all(responses: Iterable[Counted | None]) -> dict[str, Exception | None]:
    """Counts a batch, measurement by measurement (each in stream order, duplicates once);
    per measurement None or the error that left it (partly) uncounted."""
    per_scope: dict[str, dict[str, Counted]] = {}
    for response in responses:
        if response is not None:
            per_scope.setdefault(response.scope, {}).setdefault(response.id, response)
    outcomes: dict[str, Exception | None] = {}
    for scope, batch in per_scope.items():
        try:
            count_measurement(scope, list(batch.values()))
            outcomes[scope] = None
        except Exception as error:  # retried through the batch item failure
            logger.error("counting failed", exc_info=error, extra={"scope": scope})
            outcomes[scope] = error
    return outcomes


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The responses stream's handler: counts the batch, then reports the records of each
    measurement that failed, so that the stream retries from there (markers make it safe)."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    records = event.get("Records", [])
    if not records:
        return {"batchItemFailures": []}
    outcomes = count_all(from_record(r) for r in records)

    def record_handler(record: Any) -> None:
        response = from_record(record.raw_event)
        failure = outcomes.get(response.scope) if response is not None else None
        if failure is not None:
            raise failure

    return dict(process_partial_response(
        event=event, record_handler=record_handler, context=context,
        processor=BatchProcessor(EventType.DynamoDBStreams,
                                 raise_on_entire_batch_failure=False)))
