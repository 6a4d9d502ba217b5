"""The anonymised data file for the municipality's analyst: one row per response (CSV or JSON),
made on request and handed over in the response itself, or, when it is too large for one (see
`max_bytes`), as a private object with a link for a few minutes (`platform/private_files.py`,
the same way as the helpdesk's large exports), never in a public place. What could
single a person out is coarsened first: teams, periods and channels with fewer responses than
the threshold are merged into "overig" (and, while "overig" is itself below it, the smallest
other groups with it, up to the whole), the day becomes its ISO week (left out where the period
was merged, since the week would name it), and written answers are left out until the
municipality marked them reviewed. Responses carry no contact data by construction."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform import audit, config, private_files
from ..platform.models import ClientResponse, Measurement, connection
from ..platform.records import Record
from . import collected, measurements, responses, threshold

MERGED = "overig"
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


class BelowThreshold(Exception):
    """Fewer responses than the threshold: no file at all."""

    def __init__(self, responses: int, minimum: int) -> None:
        super().__init__()
        self.responses = responses
        self.minimum = minimum


class Stale(Exception):
    """The measurement changed after the page was read: nothing stored."""


class DataFile(Record, frozen=True):
    body: str
    content_type: str
    filename: str
    rows: int
    free_text: bool
    size: int  # as a Lambda response would carry it (`response_size`)


def max_bytes() -> int:
    """The largest file handed over in the response itself: DATA_FILE_MAX_BYTES (tests lower
    it), else the private files' limit (5 MB, below Lambda's 6 MB with room for headers)."""
    return config.env_int("DATA_FILE_MAX_BYTES", private_files.inline_limit())


def response_size(body: str) -> int:
    """A Lambda behind API Gateway answers at most 6 MB of JSON payload, in which the body is
    one escaped string (a non-ASCII letter takes up to six bytes): measured the same way."""
    return len(json.dumps(body))


def fits_in_response(made: DataFile) -> bool:
    return made.size <= max_bytes()


def merge_small(values: Iterable[str], setting: int | None) -> dict[str, str]:
    """{group: the group shown}: groups below the threshold become MERGED; while MERGED itself
    is below it, the smallest remaining groups join, until it is not or all are one group."""
    counts = Counter(values)
    merged = {v for v, n in counts.items() if threshold.below(n, setting)}
    named = sorted((v for v in counts if v not in merged), key=lambda v: (counts[v], v))
    while merged and named and threshold.below(sum(counts[v] for v in merged), setting):
        merged.add(named.pop(0))
    return {v: MERGED if v in merged else v for v in counts}


def iso_week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def _columns(measurement: Measurement, with_free_text: bool) -> list[dict[str, object]]:
    questionnaire = measurements.questionnaire(measurement)
    columns: list[dict[str, object]] = [
        {"id": "nummer", "label": "Volgnummer van de rij (zegt niets over de persoon)"},
        {"id": "periode", "label": f"Periode (‘{MERGED}’: periodes met te weinig reacties)"},
        {"id": "team", "label": f"Team (‘{MERGED}’: teams met te weinig reacties)"},
        {"id": "kanaal", "label": f"Manier van uitnodigen (‘{MERGED}’: te weinig reacties)"},
        {"id": "week", "label": "ISO-week van het antwoord (leeg bij ‘overig’ als periode)"},
    ]
    for question in questionnaire.questions():
        if question.free_text and not with_free_text:
            continue
        column: dict[str, object] = {"id": question.id, "label": question.text["nl"]}
        if not question.free_text:
            column["values"] = {o.value: o.label["nl"]
                                for o in questionnaire.scales[question.scale]}
        columns.append(column)
    return columns


def rows(measurement: Measurement, kept: list[ClientResponse],
         with_free_text: bool) -> list[dict[str, str]]:
    """The file's rows, coarsened as the module says; ordered by week, never by arrival."""
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    periods = merge_small((r.period for r in kept), setting)
    teams = merge_small((r.team or "" for r in kept), setting)
    channels = merge_small((r.channel for r in kept), setting)
    questions = [str(c["id"]) for c in _columns(measurement, with_free_text)[5:]]
    ordered = sorted(kept, key=lambda r: (iso_week(r.day), r.id))  # ids are random
    made = []
    for number, response in enumerate(ordered, start=1):
        period = periods[response.period]
        team = teams[response.team or ""]
        channel = channels[response.channel]
        row = {"nummer": str(number), "periode": period,
               "team": team if team in (MERGED, "") else
               measurements.team_name(measurement, team) or team,
               "kanaal": channel if channel == MERGED else responses.CHANNELS.get(channel,
                                                                                  channel),
               "week": "" if period == MERGED else iso_week(response.day)}
        answers = response.answers or {}
        row.update({q: str(answers.get(q, "")) for q in questions})
        made.append(row)
    return made


def make(measurement: Measurement, fmt: str, now: datetime | None = None) -> DataFile:
    """The file in `fmt` ("csv" or "json"), whatever its size; BelowThreshold instead of a
    file below the threshold."""
    kept = collected.kept(measurement)
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    if threshold.below(len(kept), setting):
        raise BelowThreshold(len(kept), threshold.minimum(setting))
    with_free_text = measurement.free_text_reviewed_at is not None
    columns = _columns(measurement, with_free_text)
    made = rows(measurement, kept, with_free_text)
    if fmt == "json":
        body = json.dumps({
            "measurement": {"id": measurement.id, "name": measurement.name,
                            "municipality": measurement.municipality,
                            "instrument": measurement.instrument,
                            "questionnaire_version": measurement.questionnaire_version},
            "made_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            "responses": len(made), "free_text": with_free_text,
            "columns": columns, "rows": made}, ensure_ascii=False, indent=1)
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, [str(c["id"]) for c in columns], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(made)
        body = "\ufeff" + out.getvalue()  # the BOM lets a spreadsheet read it as UTF-8
    return DataFile(body, FORMATS[fmt], f"meting-{measurement.id}.{fmt}", len(made),
                    with_free_text, response_size(body))


def has_free_text(measurement: Measurement) -> bool:
    return any(q.free_text for q in measurements.questionnaire(measurement).questions())


def mark_free_text_reviewed(measurement: Measurement, actor: str,
                            now: datetime | None = None) -> None:
    """The municipality read the written answers and lets the data file hold them: stored with
    its audit entry in one transaction (pynamodb adds the measurement's version condition)."""
    now = now or datetime.now(UTC)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(measurement,
                               actions=[Measurement.free_text_reviewed_at.set(now)])
            audit.save_in(transaction, audit.writes(
                actor, "vrije tekst van meting nagekeken",
                [audit.subject_municipality(measurement.municipality)],
                details={"meting": measurement.id}, now=now))
    except TransactWriteError as error:
        reasons = {r.code for r in (error.cancellation_reasons or []) if r}
        if "ConditionalCheckFailed" in reasons:
            raise Stale() from None
        raise
