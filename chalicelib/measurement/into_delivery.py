""""Gebruik deze uitkomsten in de aanlevering": a measurement's exact figures written into the
municipality's shared draft of the delivery — scores per statement in the five-answer format
with the number of valid answers ("weet niet" left out), respondents, approached, fieldwork
period, method, the standard questions used, and that a survey was held. CEO Jeugd asks two
lists (parents, youths 12+), each a measurement filling its own score table; the fields about
the survey as a whole then add up both measurements (respondents and approached summed, the
period from the earliest to the latest response, the channels and target groups joined). The
draft's provenance (`Draft.measured["uses"]`) names the measurement that filled the other
table, so a use of one list takes the other's current figures, or — when that measurement is
gone — the figures it gave last time, and the page says so. Each field is marked
"uit de meting" with the counts used (questionnaire/measured.py). Narrative answers and consent
stay the municipality's: nothing here writes them.

It lives here, on the measurement floor, because it reads both the responses and the delivery
questionnaire (which sits below). The figures satisfy the questionnaire's plausibility rules by
construction: respondents never exceed approached (each personal response spent an invitation
counted as sent; a tablet or paper response is one person approached in person), "onbekend"
comes only with the open-link method it requires, the fieldwork period is that of the
responses. A rule the figures would still break (a fieldwork period outside the cycle's years,
a population the municipality typed below the number approached) refuses the whole step."""
from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..platform import audit
from ..platform.formatting import format_number
from ..platform.models import ClientResponse, Draft, Measurement
from ..platform.records import Record
from ..questionnaire import answers, drafts, journey
from ..questionnaire import measured as measured_marks
from ..questionnaire.definitions import Definition, Question, score_inputs, unknown_input
from ..questionnaire.display import value_text
from . import collected, contacts, inviters, measurements, threshold

# the client scale's values → the delivery's five-answer categories (and yes/no)
CATEGORIES = {"5": "helemaal_mee_eens", "4": "mee_eens", "3": "neutraal", "2": "niet_mee_eens",
              "1": "helemaal_niet_mee_eens", "ja": "ja", "nee": "nee"}
DONT_KNOW = "0"
METHODS = {"sms": "online", "email": "online", "link": "online", "brief": "online",
           "tablet": "online", "generiek": "open_link", "qr": "open_link",
           "papier": "schriftelijk"}
OPEN = ("generiek", "qr")  # nobody knows whom a poster or a generic link reached
IN_PERSON = ("tablet", "papier")  # handed over by an inviter: one person approached each
HELD, METHOD, STANDARD = "onderzoek_uitgevoerd", "methode", "standaardvragen"
TARGETS = "doelgroepen"
RESPONDENTS, APPROACHED, PERIOD = "aantal_respondenten", "aantal_benaderd", "periode"


class Refused(Exception):
    """The figures cannot go into the delivery; `message` says why, in Dutch."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Part(Record, frozen=True):
    """One measurement's share of the fields about the survey as a whole (a CEO Jeugd
    delivery adds up the parents' and the youths' measurement), as it is also kept in the
    draft's provenance."""
    measurement: str
    name: str
    table: str  # the score table its list fills
    group: str  # whom its list asks ("ouders", "jongeren"; "" for CEO Wmo)
    responses: int
    first: str  # ISO day of the first and the last response ("" without responses)
    last: str
    approached: str  # a number, or answers.UNKNOWN
    approached_counts: dict[str, int]
    channels: dict[str, int]  # responses per channel
    used: int  # standard statements asked
    complete: bool  # every statement of its table asked
    found: bool = True  # False: the measurement is gone; these are the figures it gave last

    def stored(self, at: str) -> dict[str, Any]:
        """As the draft's provenance keeps it."""
        return {"measurement": self.measurement, "name": self.name, "table": self.table,
                "group": self.group, "responses": self.responses, "first": self.first,
                "last": self.last, "approached": self.approached,
                "approached_counts": self.approached_counts, "channels": self.channels,
                "used": self.used, "complete": self.complete, "at": at}

    @property
    def first_day(self) -> date | None:
        return date.fromisoformat(self.first) if self.first else None

    @property
    def last_day(self) -> date | None:
        return date.fromisoformat(self.last) if self.last else None

    @property
    def label(self) -> str:
        """How the page names its list: its target group, or its table."""
        return self.group or self.table


def _stored_part(use: Mapping[str, Any]) -> Part | None:
    """The figures a measurement gave when the draft was last filled with it (None when the
    provenance predates them)."""
    try:
        return Part(str(use["measurement"]), str(use.get("name", "")), str(use["table"]),
                    str(use.get("group", "")), int(use["responses"]), str(use["first"]),
                    str(use["last"]), str(use["approached"]),
                    {k: int(v) for k, v in (use.get("approached_counts") or {}).items()},
                    {k: int(v) for k, v in (use.get("channels") or {}).items()},
                    int(use["used"]), bool(use["complete"]), found=False)
    except (KeyError, TypeError, ValueError):
        return None


class Proposal(Record, frozen=True):
    inputs: dict[str, Any]  # form field → raw value, as a page would post it
    marks: dict[str, dict[str, Any]]  # mark key → {"inputs": …, "counts": …}
    responses: int
    first: date
    last: date
    cleared: tuple[str, ...] = ()  # marks of an earlier use the figures no longer give
    table: str = ""  # the score table it fills (CEO Jeugd: the parents' or the youths')
    parts: tuple[Part, ...] = ()  # this measurement's share first, then the other list's


def fingerprint(proposal: Proposal) -> str:
    """Names exactly what a page showed would be written: a use is refused when the figures
    moved (more responses) after the page was shown, so nothing is written unseen."""
    return hashlib.sha256(json.dumps(proposal.inputs, sort_keys=True).encode()).hexdigest()[:32]


class Change(Record, frozen=True):
    label: str
    now: str  # what the draft says now ("" when empty)
    then: str  # what it will say


def _percent(count: int, valid: int) -> str:
    value = (Decimal(100 * count) / Decimal(valid)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return format_number(value)


def delivery_definition(measurement: Measurement) -> Definition:
    """The delivery a measurement's figures go into: that of its own instrument (a CEO Jeugd
    measurement fills the Jeugd draft, never the Wmo one), for the cycle delivered now."""
    return journey.current_definition(measurement.instrument)


def _same_statement(label: str, text: str) -> bool:
    return " ".join(label.split()).casefold() == " ".join(text.split()).casefold()


def score_table(definition: Definition, measurement: Measurement) -> Question | None:
    """The delivery's score table the measurement's list maps onto: the one whose rows are
    the statements it asked (CEO Jeugd: the parents' o1–o6 or the youths' j1–j6). Refused when
    a row and the client's statement share an id but not the words, or a list would fill two
    tables: a figure is only written where it answers exactly the statement asked."""
    asked = {q.id: q for q in measurements.questionnaire(measurement).questions()}
    tables = [q for q in definition.questions() if q.type == "score_table"
              and any(row.id in asked for row in q.rows)]
    if len(tables) > 1:
        raise Refused("De stellingen van deze meting horen bij meer dan één tabel van de "
                      "aanlevering. Er is niets ingevuld; vul de scores zelf in.")
    if not tables:
        return None
    for row in tables[0].rows:
        question = asked.get(row.id)
        if question is not None and not _same_statement(row.label, question.text["nl"]):
            raise Refused(
                f"De stelling ‘{question.text['nl']}’ van deze meting is niet dezelfde als "
                f"‘{row.label}’ in de aanlevering. Er is niets ingevuld, zodat er geen cijfers "
                "bij een andere vraag komen te staan; vul de scores zelf in.")
    return tables[0]


def _scores(question: Question, measurement: Measurement, kept: list[ClientResponse],
            inputs: dict[str, Any], marks: dict[str, dict]) -> int:
    """Fills each statement the measurement asked; how many standard statements it asked."""
    asked = {q.id for q in measurements.questionnaire(measurement).questions()}
    used = 0
    for row in question.rows:
        if row.id not in asked:
            continue
        used += 1
        given = Counter(str((r.answers or {}).get(row.id, "")) for r in kept)
        counts = {CATEGORIES[v]: n for v, n in given.items() if v in CATEGORIES}
        score_format = next((f for f in row.formats if f.complete and {
            o.value for o in f.categories} >= set(counts)), None)
        valid = sum(counts.values())
        if score_format is None or valid == 0:
            continue
        names = score_inputs(question.id, row)
        written = dict.fromkeys(names, "")  # other formats' boxes emptied: one format only
        for option in score_format.categories:
            written[f"{question.id}__{row.id}__{option.value}"] = _percent(
                counts.get(option.value, 0), valid)
        written[answers.count_input(question.id, row)] = str(valid)
        inputs.update(written)
        marks[measured_marks.key(question.id, row.id)] = {
            "inputs": written, "counts": {**{o.value: counts.get(o.value, 0)
                                             for o in score_format.categories},
                                          "weet_niet": given.get(DONT_KNOW, 0)}}
    return used


def _approached(measurement: Measurement, kept: list[ClientResponse]) -> tuple[str, dict]:
    """Invitations sent (by inviters, the municipality's own contact lists, letters) plus the
    people handed a tablet or paper form; "onbekend" once a generic link or QR code was used."""
    channels = Counter(r.channel for r in kept)
    generic = sum(channels[c] for c in OPEN)
    if generic:
        return answers.UNKNOWN, {"algemene_link": generic}
    sent = sum(int(i.sent or 0) for i in inviters.of_measurement(measurement))
    listed = sum(int(u.sent or 0) for u in contacts.of_measurement(measurement)
                 if not u.inviter_id)  # an inviter's list counts in their own `sent`
    letters = int(measurement.letters_made or 0)
    in_person = sum(channels[c] for c in IN_PERSON)
    return str(sent + listed + letters + in_person), {
        "uitnodigingen": sent + listed, "brieven": letters, "ter_plaatse": in_person}


def _mark(question: Question, inputs: dict[str, Any], counts: dict[str, Any],
          marks: dict[str, dict], written: Mapping[str, Any],
          by_list: Mapping[str, dict[str, Any]] | None = None) -> None:
    full = {name: written.get(name, "") for name in question.input_names()}
    inputs.update(full)
    marks[measured_marks.key(question.id)] = {"inputs": full, "counts": counts,
                                              **({"by_list": dict(by_list)} if by_list else {})}


def _asked_rows(table: Question, measurement: Measurement) -> int:
    asked = {q.id for q in measurements.questionnaire(measurement).questions()}
    return sum(1 for row in table.rows if row.id in asked)


def _part(measurement: Measurement, table: Question, kept: list[ClientResponse],
          used: int) -> Part:
    days = sorted(r.day for r in kept)
    approached, approached_counts = _approached(measurement, kept)
    return Part(measurement.id, str(measurement.name), table.id,
                measurements.questionnaire(measurement).target_group, len(kept),
                days[0] if days else "", days[-1] if days else "", approached,
                approached_counts, dict(sorted(Counter(r.channel for r in kept).items())),
                used, used == len(table.rows))


def _recorded(definition: Definition, draft: Draft) -> dict[str, dict[str, Any]]:
    """{score table: which measurement filled it, with its figures then}. A draft filled
    before the provenance was kept per table names only the last measurement used; its table
    is found from its list."""
    uses = measured_marks.uses(draft.measured)
    last = (draft.measured or {}).get("last") or {}
    if uses or not last.get("measurement"):
        return uses
    try:
        other = measurements.get(str(draft.municipality), str(last["measurement"]))
        table = score_table(definition, other)
    except (measurements.NotFound, Refused):
        return {}
    return {table.id: {"measurement": other.id}} if table else {}


def _others(definition: Definition, draft: Draft | None, own: Part) -> list[Part]:
    """The other lists' measurements that fed this draft and still do (at least one row of
    their table still holds their figures), with their current figures; a measurement since
    gone with the figures it gave last time (`found` False)."""
    if draft is None:
        return []
    holding = measured_marks.holding(draft.answers or {}, draft.measured)
    tables = {q.id: q for q in definition.questions() if q.type == "score_table"}
    found = []
    for table_id, use in sorted(_recorded(definition, draft).items()):
        if table_id == own.table or table_id not in tables or not any(
                key.startswith(f"{table_id}__") for key in holding):
            continue
        try:
            other = measurements.get(str(draft.municipality), str(use.get("measurement", "")))
        except measurements.NotFound:
            stored = _stored_part(use)
            if stored is not None:
                found.append(stored)
            continue
        table = tables[table_id]
        found.append(_part(other, table, collected.kept(other), _asked_rows(table, other)))
    return found


def _whole(definition: Definition, parts: tuple[Part, ...], draft: Draft | None,
           inputs: dict[str, Any], marks: dict[str, dict]) -> None:
    """The fields about the survey as a whole, from every list's measurement together: each
    satisfies the plausibility rules when every part does (sums of respondents stay within
    sums of approached; "onbekend" comes with the open-link method of the part that used a
    generic link; the period spans the parts' periods)."""
    by_id = {q.id: q for q in definition.questions()}
    responses = sum(p.responses for p in parts)
    days = sorted(d for p in parts for d in (p.first, p.last) if d)
    channels: Counter[str] = Counter()
    approached_counts: Counter[str] = Counter()
    for part in parts:
        channels.update(part.channels)
        approached_counts.update(part.approached_counts)
    methods = {METHODS.get(c, "anders") for c in channels}
    unknown = any(p.approached == answers.UNKNOWN for p in parts)
    groups = {p.group for p in parts if p.group}
    raw = (draft.answers or {}) if draft else {}
    chosen = raw.get(TARGETS) or []
    chosen = {chosen} if isinstance(chosen, str) else set(chosen)

    def each(counts: Any) -> dict[str, dict[str, Any]] | None:
        return {p.label: counts(p) for p in parts} if len(parts) > 1 else None

    fields: list[tuple[str, dict[str, Any], dict[str, Any], dict | None]] = [
        (HELD, {HELD: "ja"}, {"reacties": responses},
         each(lambda p: {"reacties": p.responses})),
        (METHOD, {METHOD: [o.value for o in by_id[METHOD].options if o.value in methods]}
         if METHOD in by_id else {}, dict(sorted(channels.items())), each(lambda p: p.channels)),
        (TARGETS, {TARGETS: [o.value for o in by_id[TARGETS].options
                             if o.value in groups | chosen]}
         if TARGETS in by_id and groups and groups <= {o.value for o in by_id[TARGETS].options}
         else {}, {p.group: p.responses for p in parts if p.group}, None),
        (STANDARD, {STANDARD: "ja" if all(p.complete for p in parts) else "deels"},
         {"standaardvragen": sum(p.used for p in parts)},
         each(lambda p: {"standaardvragen": p.used})),
        (PERIOD, {PERIOD: days[0], f"{PERIOD}__tot": days[-1]}, {"reacties": responses},
         each(lambda p: {"reacties": p.responses})),
        (RESPONDENTS, {RESPONDENTS: str(responses)}, {"reacties": responses},
         each(lambda p: {"reacties": p.responses})),
        (APPROACHED, {unknown_input(APPROACHED): "ja"} if unknown
         else {APPROACHED: str(sum(int(p.approached) for p in parts))},
         dict(approached_counts), each(lambda p: p.approached_counts)),
    ]
    for question_id, written, counts, by_list in fields:
        if question_id in by_id and written:
            _mark(by_id[question_id], inputs, counts, marks, written, by_list)


def propose(measurement: Measurement, definition: Definition,
            kept: list[ClientResponse] | None = None, draft: Draft | None = None) -> Proposal:
    """What the measurement would write now (into `draft`: with the figures of the other
    list's measurement that fed it); Refused below the threshold (or with no statement of the
    delivery's questionnaire asked)."""
    kept = collected.kept(measurement) if kept is None else kept
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    if threshold.below(len(kept), setting):
        raise Refused(
            f"Deze meting heeft nog te weinig reacties om in de aanlevering te gebruiken: "
            f"{len(kept)}, en er zijn er minstens {threshold.minimum(setting)} nodig. Zo blijft "
            "niemand herkenbaar. Probeer het opnieuw als er meer reacties zijn.")
    inputs: dict[str, Any] = {}
    marks: dict[str, dict] = {}
    table = score_table(definition, measurement)
    used = _scores(table, measurement, kept, inputs, marks) if table else 0
    if not table or not used:
        raise Refused("Deze meting stelt geen van de standaardvragen van deze aanlevering.")
    own = _part(measurement, table, kept, used)
    parts = (own, *_others(definition, draft, own))
    _whole(definition, parts, draft, inputs, marks)
    return Proposal(inputs, marks, own.responses, date.fromisoformat(own.first),
                    date.fromisoformat(own.last), table=table.id, parts=parts)


def clearing_stale(proposal: Proposal, draft: Draft | None) -> Proposal:
    """The proposal that also empties what an earlier use wrote (unchanged since) and the
    figures no longer give, e.g. a statement left with only "weet niet" once a day was
    excluded: never a stale figure presented as measured. Another table's rows (the other
    CEO Jeugd list, filled by its own measurement) are not this measurement's to empty."""
    raw = (draft.answers or {}) if draft else {}
    earlier = ((draft.measured or {}).get("fields") or {}) if draft else {}
    stale = [key for key in measured_marks.holding(raw, draft.measured if draft else None)
             if key not in proposal.marks and _ours(key, proposal)]
    if not stale:
        return proposal
    inputs = dict(proposal.inputs)
    for key in stale:
        inputs.update(dict.fromkeys(earlier[key].get("inputs") or {}, ""))
    return copy.replace(proposal, inputs=inputs, cleared=tuple(stale))


def _ours(key: str, proposal: Proposal) -> bool:
    """A mark this proposal answers for: a question, or a row of its own score table."""
    question_id, _, row_id = key.partition("__")
    return not row_id or question_id == proposal.table


def check(definition: Definition, proposal: Proposal, draft: Draft | None) -> None:
    """Refused when the draft with these figures would break a rule at one of them, or one
    it kept before at another answer (CEO Jeugd: the other list's valid answers against the
    summed respondents)."""
    before = (draft.answers or {}) if draft else {}
    _, kept = answers.evaluate(definition, before)
    _, errors = answers.evaluate(definition, {**before, **proposal.inputs})
    ours = {name.split("__")[0] for name in proposal.inputs}
    problems = sorted({message for anchor, message in errors.items()
                       if anchor.split("__")[0] in ours or kept.get(anchor) != message})
    if problems:
        raise Refused("Deze uitkomsten passen zo niet in de aanlevering: "
                      + "; ".join(problems) + ". Er is niets ingevuld.")


def _text(definition: Definition, question_id: str, row_id: str | None,
          raw: answers.Raw) -> str:
    question = definition.question(question_id)
    value, _ = answers.parse_question(question, raw)
    if row_id is not None:
        figures = (value or {}).get(row_id)
        if not figures:
            return ""
        row = next(r for r in question.rows if r.id == row_id)
        score_format = next(f for f in row.formats if f.id == figures["format"])
        cells = " · ".join(f"{o.label} {format_number(figures['percentages'][o.value])}%"
                           for o in score_format.categories)
        return f"{cells} ({figures['valid_answers']} geldige antwoorden)"
    if value is None:
        return ""
    return value_text(question, value)


def changes(definition: Definition, proposal: Proposal, draft: Draft | None) -> list[Change]:
    """What using the figures would change in the draft, field by field (unchanged ones left
    out): shown before anything is written."""
    before = (draft.answers or {}) if draft else {}
    after = {**before, **proposal.inputs}
    found = []
    for name in [*proposal.marks, *proposal.cleared]:
        question_id, _, row_id = name.partition("__")
        question = definition.question(question_id)
        row = next((r for r in question.rows if r.id == row_id), None)
        label = f"{question.name}, {answers.score_label(row)}" if row else question.name
        now, then = (_text(definition, question_id, row_id or None, raw)
                     for raw in (before, after))
        if now != then:
            found.append(Change(label, now, then))
    return found


def apply(registrant_id: str, measurement: Measurement, definition: Definition,
          proposal: Proposal, seen: drafts.Seen, draft: Draft | None, based_on: int,
          now: datetime | None = None) -> Draft | drafts.Changed:
    """Writes the proposal into the draft with its audit entry, in one transaction; a
    drafts.Changed (nothing written) when a section it touches changed since `seen`."""
    now = now or datetime.now(UTC)
    check(definition, proposal, draft)
    actor = f"registrant#{registrant_id}"
    at = now.isoformat(timespec="seconds")
    about = {"measurement": measurement.id, "responses": proposal.responses, "at": at,
             "uses": {p.table: p.stored(at) for p in proposal.parts if p.found}}
    together = [p.measurement for p in proposal.parts[1:]]
    entries = audit.writes(actor, "aanlevering gevuld uit meting",
                           [audit.subject_municipality(measurement.municipality)],
                           details={"meting": measurement.id, "reacties": proposal.responses,
                                    "velden": sorted(proposal.marks),
                                    **({"samen_met": together} if together else {})}, now=now)
    marks: dict[str, dict | None] = {**proposal.marks, **dict.fromkeys(proposal.cleared)}
    return drafts.fill(registrant_id, measurement.municipality, definition, proposal.inputs,
                       marks, about, seen, draft, based_on=based_on, extra=entries, now=now)
