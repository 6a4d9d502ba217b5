"""The publication document (docs/feed.md, docs/feed/document.schema.json): what the site
receives for one municipality and cycle, derived from the table, never from a stream event."""
from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from ..platform import config
from ..platform.instruments import WMO
from ..platform.models import Delivery
from ..platform.municipalities import municipalities, name_of
from ..questionnaire import privacy
from ..questionnaire.definitions import DEFINITIONS, DefinitionError, load
from . import paths
from .figures import agree_share

COMMON_NAMES = Path(__file__).parent / "data" / "roepnamen.csv"


@cache
def common_names() -> dict[str, str]:
    """{code: the name people use} where it differs from the official one ('s-Gravenhage is
    Den Haag to everyone): a site searching by name needs both."""
    with COMMON_NAMES.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["roepnaam"] for row in csv.DictReader(handle)}


def _municipality(code: str, name: str) -> dict[str, Any]:
    known = municipalities(config.municipality_year()).get(code)
    return {"code": code, "name": name, "common_name": common_names().get(code, name),
            "province": known.province if known else None}


@cache
def _section_ids(instrument: str, cycle: int) -> tuple[dict[str, str], dict[str, str]]:
    """({question id: section id}, {section title: section id}) of the cycle's definition:
    snapshots keep the section's title as it was sent; the id is what a site keys on."""
    try:
        definition = load(instrument, cycle)
    except DefinitionError:
        return {}, {}
    return ({q.id: s.id for s in definition.sections for q in s.questions},
            {s.title: s.id for s in definition.sections})


def _section_id(instrument: str, cycle: int, answer: dict[str, Any]) -> str:
    by_question, by_title = _section_ids(instrument, cycle)
    return (answer.get("section_id") or by_question.get(answer["question_id"])
            or by_title.get(answer["section"]) or answer["section"])

SCHEMA_ID = "https://aanlevermodule-ceo.nl/feed/v1/document.schema.json"


def _scores(answer: dict[str, Any], minimum: int) -> list[dict[str, Any]]:
    rows = []
    for row_id, row in answer["value"].items():
        withheld = privacy.withheld(row["valid_answers"], minimum)
        rows.append({
            "question_id": row_id, "label": row["label"],
            "format": row.get("format", "vijf"), "complete": row.get("complete", True),
            "agree_label": row.get("agree_label", "(helemaal) mee eens"),
            "valid_answers": int(row["valid_answers"]), "withheld": withheld,
            "agree": None if withheld else agree_share(row),
            "categories": [{"value": c["value"], "label": c["label"],
                            "percentage": None if withheld else c["percentage"]}
                           for c in row["categories"]],
            **_source(row, withheld),
        })
    return rows


def _source(item: dict[str, Any], withheld: bool = False) -> dict[str, Any]:
    """`source: "measurement"` and the counts used, on a field a measurement filled (added in
    v1; absent on what the municipality typed). A withheld score shows no counts either: they
    would give away the percentages the privacy rule holds back."""
    if not item.get("source"):
        return {}
    return {"source": item["source"], "counts": {} if withheld else item["counts"],
            **({"by_list": item["by_list"]} if item.get("by_list") else {})}


def document(municipality: str, cycle: int, revision: int, current: Delivery | None,
             now: datetime | None = None, instrument: str = WMO) -> dict[str, Any]:
    """The latest valid delivery of this instrument as a document, or a retraction when none
    is valid."""
    instrument = str(current.instrument) if current else instrument
    base: dict[str, Any] = {
        "$schema": SCHEMA_ID,
        "instrument": instrument,
        "municipality": _municipality(
            municipality, current.municipality_name if current
            else name_of(municipality, config.municipality_year())),
        "cycle": cycle, "measurement_year": cycle - 1, "revision": revision,
        "generated_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    if current is None:
        return {**base, "status": "retracted", "late": None, "survey_held": None,
                "delivery": None, "headline": None,
                "answers": [], "scores": [], "derived": []}
    snapshot = current.snapshot
    minimum = privacy.minimum_valid_answers()
    answers, scores = [], []
    headline = None
    for answer in snapshot["answers"]:
        if answer["type"] == "score_table":
            scores.extend(_scores(answer, minimum))
            continue
        item = {k: answer[k] for k in ("question_id", "section", "label", "type", "value", "text")}
        item["section_id"] = _section_id(instrument, cycle, answer)
        item["caption"] = answer.get("caption", answer["label"])
        item.update(_source(answer))
        answers.append(item)
        if answer["question_id"] == snapshot["headline"]:
            headline = {"question_id": answer["question_id"], "label": answer["label"],
                        "text": answer["text"]}
    return {**base, "status": "published", "late": bool(current.late),
            "survey_held": bool(snapshot.get("survey_held", True)),
            "delivery": {"id": current.delivery_id, "sequence": int(current.sequence),
                         "sent_at": current.sent_at.isoformat(timespec="seconds"),
                         "late": bool(current.late),
                         "questionnaire": {"id": current.instrument,
                                           "version": current.definition_version,
                                           "definition": paths.questionnaire(
                                               instrument, cycle, current.definition_version)},
                         "consent": bool(current.consent)},
            "headline": headline, "answers": answers, "scores": scores,
            "privacy_minimum_valid_answers": minimum,
            "derived": snapshot.get("derived", [])}


def definitions(instrument: str, cycle: int) -> dict[str, dict[str, Any]]:
    """{version: definition as data} of every version on disk for this instrument and cycle:
    what a site needs to read the answers (ids, order, sections, types, options)."""
    found = {}
    for path in sorted((DEFINITIONS / instrument).glob(f"{cycle}*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        if int(raw["cycle"]) == cycle:
            found[str(raw["version"])] = raw
    return found


def index_entry(doc: dict[str, Any]) -> dict[str, Any]:
    """One municipality's line in the cycle index."""
    code, instrument, cycle = doc["municipality"]["code"], doc["instrument"], doc["cycle"]
    return {"name": doc["municipality"]["name"],
            "common_name": doc["municipality"]["common_name"],
            "province": doc["municipality"]["province"], "revision": doc["revision"],
            "status": doc["status"], "late": doc["late"],
            "document": paths.document(instrument, cycle, code),
            "report": paths.report(instrument, cycle, code), "generated_at": doc["generated_at"]}


def root_entry(instrument: str, cycle: int) -> dict[str, Any]:
    """One cycle's line in the root index: where its index and definitions are."""
    return {"index": paths.cycle_index(instrument, cycle),
            "national": paths.national(instrument, cycle),
            "questionnaires": {version: paths.questionnaire(instrument, cycle, version)
                               for version in definitions(instrument, cycle)}}
