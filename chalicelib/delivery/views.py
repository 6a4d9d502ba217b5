"""Looking at sent deliveries: one delivery with its answers as the review page showed them,
who sent it and when, and where it stands (counts, replaced, withdrawn); the document and
report the publication site gets for it; its data as a file; and what changed between two
deliveries of a municipality, answer by answer."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from ..accounts import registrants
from ..platform.formatting import amsterdam
from ..platform.instruments import WMO
from ..platform.models import Delivery, DeliveryStatus, Registrant, ScopeState, get_together
from ..platform.records import Record
from ..questionnaire import answers, display
from ..questionnaire.definitions import Definition, DefinitionError, load
from . import history
from .four_eyes import HELPDESK_PREFIX
from .four_eyes import REPRESENTATIVE_PREFIX as TAKEN_BACK_BY
from .history import parse_number


class Standing(StrEnum):
    COUNTS = "telt"
    REPLACED = "vervangen"
    WITHDRAWN = "ingetrokken"
    WAITING = "wacht"  # four-eyes: waits for a coordinator's approval
    RETURNED = "teruggestuurd"  # four-eyes: sent back, never counts
    UNAPPROVED = "niet-goedgekeurd"  # four-eyes: a newer delivery came before approval


STANDING_TEXT = {Standing.COUNTS: "Telt nu: dit is wat de publicatiesite toont",
                 Standing.REPLACED: "Vervangen door een nieuwere aanlevering",
                 Standing.WITHDRAWN: "Ingetrokken door de helpdesk",
                 Standing.WAITING: "Wacht op goedkeuring door een coördinator (vier ogen); "
                                   "telt nog niet",
                 Standing.RETURNED: "Teruggestuurd; telt niet",
                 Standing.UNAPPROVED: "Vervangen door een nieuwere aanlevering voordat ze "
                                      "werd goedgekeurd; telt niet"}


TAKEN_BACK_TEXT = "Teruggenomen door de gemeente"


def taken_back_by_municipality(delivery: Delivery) -> bool:
    """Whether a withdrawn delivery was taken back by its municipality (take_back.py), not
    withdrawn by the helpdesk: its status was changed by a representative."""
    return delivery.status == DeliveryStatus.WITHDRAWN and \
        str(delivery.status_changed_by or "").startswith(TAKEN_BACK_BY)


class DeliveryView(Record):
    """One delivery and the facts around it, read with one query of its cycle's history and
    one read of the sender."""

    delivery: Delivery
    standing: Standing
    counting: Delivery | None  # what counts now in the delivery's cycle
    sender: Registrant | None  # None once the registrant no longer exists
    deliveries: list[Delivery]  # every delivery of the cycle, newest first
    decided_by: str | None = None  # four-eyes: who approved or sent it back (name)
    # "publiceren vanaf": the moment before which the feed does not show it (None: no moment,
    # or it has passed and was released)
    publish_pending: datetime | None = None

    @property
    def number(self) -> str:
        return str(self.delivery.delivery_id)

    @property
    def instrument(self) -> str:
        return history.instrument_of(self.delivery)

    @property
    def standing_text(self) -> str:
        if self.standing == Standing.WITHDRAWN and taken_back_by_municipality(self.delivery):
            return TAKEN_BACK_TEXT
        if self.standing == Standing.COUNTS and self.publish_pending is not None:
            return "Telt nu; de publicatiesite toont haar pas vanaf het gekozen moment"
        return STANDING_TEXT[self.standing]

    @property
    def sender_name(self) -> str:
        """Who sent it: their name, or the personal code once the registrant is gone."""
        return self.sender.name if self.sender else str(self.delivery.personal_code)

    @property
    def summaries(self) -> list[display.SectionSummary]:
        return display.snapshot_summaries(self.delivery.snapshot or {},
                                          _definition(self.delivery))

    @property
    def acknowledged_warnings(self) -> list[tuple[str, str]]:
        """(question, message) for every warning its sender confirmed before sending (a send
        with a warning needs that confirmation), as on the sender's review page that day: a
        coordinator reads them before approving."""
        definition = _definition(self.delivery)
        if definition is None:
            return []
        sent_on = self.delivery.sent_at.astimezone(amsterdam()).date()
        try:
            found = answers.warnings(definition, dict(self.delivery.raw or {}), today=sent_on)
        except (KeyError, ValueError):  # answers of an older definition that no longer fit
            return []
        names = {name: question.name for section in definition.sections
                 for question in section.questions for name in question.input_names()}
        return [(names.get(anchor, ""), message) for anchor, message in found.items()]


def _definition(delivery: Delivery) -> Definition | None:
    try:
        return load(str(delivery.instrument), int(delivery.cycle))
    except DefinitionError:
        return None


def standing_of(delivery: Delivery, counting: Delivery | None,
                newest: Delivery | None = None) -> Standing:
    """Where a delivery stands; `newest`: the municipality's newest delivery of that cycle
    (only the newest can wait for approval: any newer send ends a wait)."""
    if delivery.status == DeliveryStatus.WITHDRAWN:
        return Standing.WITHDRAWN
    if delivery.status == DeliveryStatus.RETURNED:
        return Standing.RETURNED
    if delivery.status == DeliveryStatus.PENDING:
        newest_sequence = int(newest.sequence) if newest is not None else -1
        return Standing.WAITING if newest_sequence == int(delivery.sequence) \
            else Standing.UNAPPROVED
    if counting is not None and int(counting.sequence) == int(delivery.sequence):
        return Standing.COUNTS
    return Standing.REPLACED


def open_delivery(code: str, number: str) -> DeliveryView | None:
    """The delivery `number` of municipality `code` (any cycle), or None when there is none
    (also when the number names another municipality)."""
    parsed = parse_number(number)
    if parsed is None or parsed[0] != code:
        return None
    _, cycle, sequence, instrument = parsed
    sent = history.history(code, cycle, instrument)
    delivery = next((d for d in sent if int(d.sequence) == sequence), None)
    if delivery is None:
        return None
    counting = history.counting(sent)
    decider = delivery.approved_by or (delivery.status_changed_by
                                       if delivery.status == DeliveryStatus.RETURNED else None)
    people = {r.id: r for r in registrants.by_ids(
        [str(delivery.registrant_id)] + ([str(decider)] if decider else []))}
    decided_by = None
    if decider:
        decided_by = people[str(decider)].name if str(decider) in people else \
            "de helpdesk" if str(decider).startswith(HELPDESK_PREFIX) else "een voormalige collega"
    pending = None
    if delivery.publish_at is not None and delivery.status == DeliveryStatus.VALID:
        [state] = get_together((ScopeState, delivery.scope, None))
        pending = history.waiting_for_moment(delivery, state)
    return DeliveryView(delivery, standing_of(delivery, counting, sent[0]), counting,
                        people.get(str(delivery.registrant_id)), sent, decided_by, pending)


def as_data(view: DeliveryView) -> dict[str, Any]:
    """The delivery as a file for the municipality's own records: what was sent, complete
    (scores under the privacy minimum included: the site withholds those, the sender may
    keep them), with who sent it and where it stands."""
    delivery = view.delivery
    snapshot = delivery.snapshot or {}
    return {
        "delivery": {
            "id": delivery.delivery_id, "sequence": int(delivery.sequence),
            "municipality": {"code": delivery.municipality, "name": delivery.municipality_name},
            "cycle": int(delivery.cycle),
            "sent_at": delivery.sent_at.isoformat(timespec="seconds"),
            "late": bool(delivery.late),
            "sent_by": {"name": view.sender.name if view.sender else None,
                        "personal_code": delivery.personal_code},
            "standing": view.standing.name.lower(),
            "withdrawn": ({"at": delivery.status_changed_at.isoformat(timespec="seconds")
                           if delivery.status_changed_at else None,
                           "reason": delivery.status_reason}
                          if view.standing == Standing.WITHDRAWN else None),
            "counting_now": view.counting.delivery_id if view.counting else None,
            "questionnaire": {"id": delivery.instrument,
                              "version": delivery.definition_version},
        },
        "title": snapshot.get("title"),
        "answers": snapshot.get("answers", []),
        "derived": snapshot.get("derived", []),
    }


class Change(Record, frozen=True):
    """One answer that differs between two deliveries; None where it was not answered."""

    section: str
    label: str
    before: str | None
    after: str | None


def _entries(snapshot: dict[str, Any], definition: Definition | None = None
             ) -> dict[str, tuple[str, str, str]]:
    """{key: (section, label, text)} of every answer, one per score row and derived figure,
    read as the delivery page shows them. A derived figure (Respons) follows the answer it is
    computed from, in that answer's section (`definition` says which), never the last
    section's."""
    found: dict[str, tuple[str, str, str]] = {}
    after: dict[str, list[tuple[str, tuple[str, str]]]] = {}  # question id -> its figures
    for figure in snapshot.get("derived", []):
        spec = definition and next((d for d in definition.derived if d.id == figure["id"]),
                                   None)
        shown = (f"{figure['label']} (berekend)", display.percent_text(figure["value"]))
        after.setdefault(spec.numerator if spec else "", []).append(
            (f"berekend.{figure['id']}", shown))
    for answer in snapshot.get("answers", []):
        section = str(answer.get("section", ""))
        if answer.get("type") == "score_table":
            for row_id, row in (answer.get("value") or {}).items():
                cells = "; ".join(f"{c['label']}: {display.percent_text(c['percentage'])}"
                                  for c in row["categories"])
                found[f"{answer['question_id']}.{row_id}"] = (
                    section, f"{answer['label']} – {row['label']}",
                    f"{cells} ({display.count_text(row['valid_answers'])} geldige antwoorden)")
        else:
            found[str(answer["question_id"])] = (section, str(answer["label"]),
                                                  str(answer.get("text") or answer.get("value")))
        for key, (label, text) in after.pop(str(answer["question_id"]), []):
            found[key] = (section, label, text)
    for key, (label, text) in (left for figures in after.values() for left in figures):
        found[key] = ("Berekend", label, text)  # its question is not in this delivery
    return found


def compare(before: Delivery, after: Delivery) -> tuple[list[Change], int]:
    """What changed from `before` to `after`, answer by answer in the order of the newer
    delivery (answers only the older one had follow), and how many answers are the same."""
    old = _entries(before.snapshot or {}, _definition(before))
    new = _entries(after.snapshot or {}, _definition(after))
    changes, same = [], 0
    for key in [*new, *(k for k in old if k not in new)]:
        was, now = old.get(key), new.get(key)
        if was and now and was[2] == now[2]:
            same += 1
            continue
        section, label, _ = now or was or ("", "", "")
        changes.append(Change(section, label, was[2] if was else None, now[2] if now else None))
    return changes, same


def find(code: str, numbers: list[str]) -> list[Delivery | None]:
    """The deliveries of `code` with these numbers (any cycles and instruments; one query per
    cycle and instrument), None for a number that is not one of its deliveries."""
    parsed = [parse_number(number) for number in numbers]
    scopes = {(p[1], p[3]) for p in parsed if p and p[0] == code}
    by_key = {(int(d.cycle), int(d.sequence), history.instrument_of(d)): d
              for cycle, instrument in sorted(scopes)
              for d in history.history(code, cycle, instrument)}
    return [by_key.get((p[1], p[2], p[3])) if p and p[0] == code else None for p in parsed]


def numbered(code: str, number: str) -> Delivery | None:
    """The delivery of `code` with this number, None when there is none (a mistyped or made-up
    number, or one of another municipality)."""
    parsed = parse_number(number)
    if parsed is None or parsed[0] != code:
        return None
    return history.get(code, parsed[1], parsed[2], parsed[3])


def after_withdrawal(code: str, cycle: int,
                     instrument: str = WMO) -> tuple[Delivery | None, Delivery | None]:
    """(the delivery that counts now, the one that would count once it is withdrawn)."""
    sent = history.history(code, cycle, instrument)
    current = history.counting(sent)
    if current is None:
        return None, None
    return current, history.counting([d for d in sent if d.sequence != current.sequence])
