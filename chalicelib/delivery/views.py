"""Looking at sent deliveries: one delivery with its answers as the review page showed them,
who sent it and when, and where it stands (counts, replaced, withdrawn); the document and
report the publication site gets for it; its data as a file; and what changed between two
deliveries of a municipality, answer by answer."""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..accounts import registrants
from ..platform.models import Delivery, DeliveryStatus, Registrant, ScopeState, scope_key
from ..platform.municipalities import CODE_PATTERN
from ..platform.rendering import render
from ..publication import document
from ..questionnaire import display
from ..questionnaire.definitions import Definition, DefinitionError, load
from . import history

_NUMBER = re.compile(f"^({CODE_PATTERN})-([0-9]{{4}})-([0-9]{{1,6}})$")


def parse_number(text: str) -> tuple[str, int, int] | None:
    """(municipality, cycle, sequence) of a delivery number such as GM0014-2026-3."""
    match = _NUMBER.match(text.strip().upper()) if isinstance(text, str) else None
    return (match[1], int(match[2]), int(match[3])) if match else None


class Standing(StrEnum):
    COUNTS = "telt"
    REPLACED = "vervangen"
    WITHDRAWN = "ingetrokken"


STANDING_TEXT = {Standing.COUNTS: "Telt nu: dit is wat de publicatiesite toont",
                 Standing.REPLACED: "Vervangen door een nieuwere aanlevering",
                 Standing.WITHDRAWN: "Ingetrokken door de helpdesk"}


@dataclass
class DeliveryView:
    """One delivery and the facts around it, read with one query of its cycle's history and
    one read of the sender."""

    delivery: Delivery
    standing: Standing
    counting: Delivery | None  # what counts now in the delivery's cycle
    sender: Registrant | None  # None once the registrant no longer exists
    deliveries: list[Delivery]  # every delivery of the cycle, newest first

    @property
    def number(self) -> str:
        return str(self.delivery.delivery_id)

    @property
    def standing_text(self) -> str:
        return STANDING_TEXT[self.standing]

    @property
    def sender_name(self) -> str:
        """Who sent it: their name, or the personal code once the registrant is gone."""
        return self.sender.name if self.sender else str(self.delivery.personal_code)

    @property
    def summaries(self) -> list[display.SectionSummary]:
        return display.snapshot_summaries(self.delivery.snapshot or {},
                                          _definition(self.delivery))


def _definition(delivery: Delivery) -> Definition | None:
    try:
        return load(str(delivery.instrument), int(delivery.cycle))
    except DefinitionError:
        return None


def standing_of(delivery: Delivery, counting: Delivery | None) -> Standing:
    if delivery.status == DeliveryStatus.WITHDRAWN:
        return Standing.WITHDRAWN
    if counting is not None and int(counting.sequence) == int(delivery.sequence):
        return Standing.COUNTS
    return Standing.REPLACED


def open_delivery(code: str, number: str) -> DeliveryView | None:
    """The delivery `number` of municipality `code` (any cycle), or None when there is none
    (also when the number names another municipality)."""
    parsed = parse_number(number)
    if parsed is None or parsed[0] != code:
        return None
    _, cycle, sequence = parsed
    sent = history.history(code, cycle)
    delivery = next((d for d in sent if int(d.sequence) == sequence), None)
    if delivery is None:
        return None
    counting = history.counting(sent)
    return DeliveryView(delivery, standing_of(delivery, counting), counting,
                        registrants.get(str(delivery.registrant_id)), sent)


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


def report(view: DeliveryView) -> str:
    """The HTML report the publication site gets for this delivery, rendered as the forwarder
    renders it. For the delivery that counts it carries the revision the site has; for another
    one, the revision it had when it was sent (the site no longer shows it)."""
    delivery = view.delivery
    revision = int(delivery.revision)
    if view.standing == Standing.COUNTS:
        with contextlib.suppress(ScopeState.DoesNotExist):
            revision = int(ScopeState.get(scope_key(str(delivery.municipality),
                                                    int(delivery.cycle))).revision)
    doc = document.document(str(delivery.municipality), int(delivery.cycle), revision,
                            delivery)
    return render("report.html", doc=doc)


FILES = ("json", "html", "rapport")


def file_of(view: DeliveryView, kind: str) -> tuple[str, str, str | None] | None:
    """(body, content type, file name) of the delivery's JSON or HTML file to keep, or of the
    site's report (no file name: shown, not saved); None for an unknown kind."""
    import json

    if kind == "json":
        return (json.dumps(as_data(view), ensure_ascii=False, indent=1),
                "application/json; charset=utf-8", f"aanlevering-{view.number}.json")
    if kind == "html":
        return (render("delivery_file.html", view=view, saved_at=datetime.now(UTC)),
                "text/html; charset=utf-8",
                f"aanlevering-{view.number}.html")
    if kind == "rapport":
        return report(view), "text/html; charset=utf-8", None
    return None
