"""The season at a glance: where every municipality of the list stands in a cycle (not
registered, waiting for approval, registered, draft, sent, sent late, no survey, withdrawn),
counted, filtered and as CSV.

"No survey" (geen onderzoek) is a delivery that counts and says no survey was held this year
(the questionnaire's no-survey answer, `survey_held` false in the feed): delivered, but with
nothing to publish but that. It takes precedence over "sent late"; the row and the CSV still
say whether it was late.

What one overview reads, whatever the number of municipalities (the bench's "season overview"
line counts it):
- one Scan of the memberships table. It holds nothing but (municipality, registrant) key
  pairs and the overview needs every one of them, so a Scan reads exactly what 342 Queries
  would, in one request (a page holds 1 MB, some 15,000 pairs);
- one Query of the open approval queue;
- the (municipality, cycle) state of every municipality: BatchGetItem, 100 per request. It says
  which delivery counts, whether it was late and whether it says no survey was held (written
  in the transaction of each send, withdrawal and restore: delivery/history.counting_state),
  so no delivery is read; a state written before those fields existed costs one Query of that
  municipality's deliveries (before `counting_survey_held`: one GetItem of the delivery that
  counts), until its next send, withdrawal or restore rewrites it;
- whether a draft exists, only for municipalities that have representatives but no delivery:
  BatchGetItem by key (municipality#cycle), 100 per request.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from ..delivery import history
from ..platform import config
from ..platform.formatting import amsterdam
from ..platform.instruments import WMO
from ..platform.models import Draft, HeldRequest, Membership, ScopeState, parse_scope, scope_key
from ..platform.municipalities import municipalities
from ..platform.records import Record


class Status(StrEnum):
    NOT_REGISTERED = "niet-aangemeld"
    WAITING = "wacht-op-goedkeuring"
    REGISTERED = "aangemeld"
    DRAFT = "concept"
    SENT = "verzonden"
    LATE = "te-laat"
    NO_SURVEY = "geen-onderzoek"
    WITHDRAWN = "ingetrokken"
    APPROVAL = "ter-goedkeuring"  # four-eyes: sent, waits for a coordinator's approval

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {Status.NOT_REGISTERED: "Niet aangemeld",
          Status.WAITING: "Aanmelding wacht op de helpdesk",
          Status.REGISTERED: "Aangemeld, niet begonnen", Status.DRAFT: "Concept",
          Status.SENT: "Verzonden", Status.LATE: "Te laat verzonden",
          Status.NO_SURVEY: "Geen onderzoek gedaan",
          Status.WITHDRAWN: "Ingetrokken (telt niet meer)",
          Status.APPROVAL: "Verzonden, wacht op goedkeuring (vier ogen)"}
DELIVERED = frozenset({Status.SENT, Status.LATE, Status.NO_SURVEY})


class Row(Record, frozen=True):
    code: str
    name: str
    province: str
    status: Status
    registrants: tuple[str, ...]  # ids of who represents it
    counting: str | None  # the number of the delivery that counts
    draft_saved_at: datetime | None  # the newest draft's last save (no delivery yet)
    late: bool = False  # the delivery that counts was sent late

    @property
    def delivered(self) -> bool:
        return self.status in DELIVERED


def members() -> dict[str, set[str]]:
    """{municipality: registrant ids}: one Scan of key pairs (see the module's note)."""
    found: dict[str, set[str]] = {}
    for membership in Membership.scan():
        found.setdefault(str(membership.municipality), set()).add(str(membership.registrant_id))
    return found


def counting_now(codes: Iterable[str], cycle: int, read_deliveries: bool = True,
                 instrument: str = WMO) -> dict[str, tuple[int, bool, bool, bool, int]]:
    """{municipality: (sequence that counts or 0, late, ever delivered, survey held, sequence
    waiting for approval or 0)} for those with any delivery in `cycle`, from their states
    (BatchGetItem). Without `read_deliveries` a state from before counting was recorded is
    taken to have one that counts (who must not be reminded when in doubt), and one from before
    the survey was recorded to have held one."""
    found = {}
    for state in ScopeState.batch_get([scope_key(code, cycle, instrument) for code in codes]):
        parsed = parse_scope(state.scope)
        if parsed is None or not int(state.last_sequence or 0):
            continue
        code = parsed[0]
        if state.counting_sequence is None and not read_deliveries:
            found[code] = (int(state.last_sequence), False, True, True, 0)
        elif state.counting_sequence is None:  # recorded before counting was kept on the state
            current = history.counting(history.history(code, cycle, instrument))
            found[code] = (int(current.sequence) if current else 0,
                           bool(current and current.late), True,
                           history.survey_held(current) if current else True,
                           int(state.waiting_sequence or 0))
        else:
            sequence = int(state.counting_sequence)
            held = state.counting_survey_held
            if held is None and sequence and read_deliveries:  # recorded before it was kept
                current = history.get(code, cycle, sequence, instrument)
                held = history.survey_held(current) if current else True
            found[code] = (sequence, bool(state.counting_late), True, held is not False,
                           int(state.waiting_sequence or 0))
    return found


def _drafts(codes: list[str], cycle: int, instrument: str = WMO) -> dict[str, datetime]:
    """{municipality: last save} of the (shared) drafts these municipalities have in `cycle`:
    BatchGetItem by key, only the attributes needed."""
    keys = [scope_key(code, cycle, instrument) for code in codes]
    found = Draft.batch_get(keys, attributes_to_get=["key", "municipality", "updated_at"]) \
        if keys else []
    return {str(draft.municipality): draft.updated_at for draft in found}


def overview(cycle: int, instrument: str = WMO) -> list[Row]:
    """Every municipality of the list, in file order, with its status in `cycle` for one
    instrument (a municipality delivers CEO Wmo and CEO Jeugd apart)."""
    known = municipalities(config.municipality_year())
    representing = members()
    waiting = {code for held in HeldRequest.query("open") for code in held.codes}
    delivered = counting_now(known, cycle, instrument=instrument)
    drafts = _drafts([code for code in known if code not in delivered
                      and representing.get(code)], cycle, instrument)
    rows = []
    for code, municipality in known.items():
        sequence, late, ever, survey_held, waiting_approval = delivered.get(
            code, (0, False, False, True, 0))
        if sequence and not survey_held:
            status = Status.NO_SURVEY
        elif sequence:
            status = Status.LATE if late else Status.SENT
        elif waiting_approval:
            status = Status.APPROVAL
        elif ever:
            status = Status.WITHDRAWN
        elif code in drafts:
            status = Status.DRAFT
        elif representing.get(code):
            status = Status.REGISTERED
        elif code in waiting:
            status = Status.WAITING
        else:
            status = Status.NOT_REGISTERED
        rows.append(Row(code=code, name=municipality.name, province=municipality.province,
                        status=status, registrants=tuple(sorted(representing.get(code, ()))),
                        counting=history.delivery_id(code, cycle, sequence, instrument)
                        if sequence else None,
                        draft_saved_at=drafts.get(code), late=bool(sequence and late)))
    return rows


def delivered_count(counted: dict[Status, int]) -> int:
    """How many municipalities have a delivery that counts, from `counts`."""
    return sum(counted[status] for status in DELIVERED)


def counts(rows: Iterable[Row]) -> dict[Status, int]:
    """How many municipalities have each status, every status present (0 where none)."""
    found = Counter(row.status for row in rows)
    return {status: found.get(status, 0) for status in Status}


def provinces(rows: Iterable[Row]) -> list[tuple[str, int, int]]:
    """(province, municipalities, delivered) per province, by name."""
    total: Counter = Counter()
    done: Counter = Counter()
    for row in rows:
        total[row.province] += 1
        done[row.province] += row.delivered
    return [(province, total[province], done[province]) for province in sorted(total)]


SORTINGS = {"code": "CBS-code", "naam": "Naam"}


def sort_key_name(name: str) -> str:
    """Names as a person reads them in order: accents, case and a leading "'s-" ignored
    ('s-Gravenhage under G, Súdwest-Fryslân beside Sudwest)."""
    import unicodedata

    plain = "".join(c for c in unicodedata.normalize("NFD", name)
                    if unicodedata.category(c) != "Mn").casefold()
    return plain.removeprefix("'s-").removeprefix("’s-")


def sorted_rows(rows: Iterable[Row], by: str) -> list[Row]:
    """By CBS code (the list's own order) or by name."""
    if by == "naam":
        return sorted(rows, key=lambda row: (sort_key_name(row.name), row.code))
    return sorted(rows, key=lambda row: row.code)


def select(rows: Iterable[Row], province: str | None = None,
           status: Status | None = None) -> list[Row]:
    return [row for row in rows if (not province or row.province == province)
            and (status is None or row.status == status)]


def as_csv(rows: Iterable[Row], cycle: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["gemeente_code", "gemeente", "provincie", "status", "aanmelders",
                     "telt_nu", "te_laat", "concept_opgeslagen", "verantwoordingsjaar"])
    for row in rows:
        saved = row.draft_saved_at.astimezone(amsterdam()).strftime("%Y-%m-%d %H:%M") \
            if row.draft_saved_at else ""
        writer.writerow([row.code, row.name, row.province, row.status.label,
                         len(row.registrants), row.counting or "",
                         ("ja" if row.late else "nee") if row.counting else "", saved, cycle])
    return out.getvalue()
