"""The citizen's report: one municipality's published document as a page for inhabitants and
council members — their words (captions), Dutch dates, no form questions, no bookkeeping
(versions, consent) — rendered from the feed document alone."""
from __future__ import annotations

from typing import Any

from ..platform import instruments
from ..platform.rendering import render
from ..questionnaire.definitions import DefinitionError, load


def _not_for_citizens(instrument: str, cycle: int) -> set[str]:
    """The consent question and what hangs on it — a precondition of publishing, not news —
    and the "was there a survey" question, which the report says in its own words."""
    try:
        definition = load(instrument, cycle)
    except DefinitionError:
        return set()
    hidden = {definition.consent} | {q.id for q in definition.questions()
                                     if q.show_if and q.show_if.question == definition.consent}
    return hidden | ({definition.no_survey} if definition.no_survey else set())


def _sentences(instrument: str, cycle: int) -> dict[str, str]:
    """{derived id: its sentence for readers, "{value}" where the percentage goes}."""
    try:
        return {d.id: d.sentence for d in load(instrument, cycle).derived if d.sentence}
    except DefinitionError:
        return {}


def html(doc: dict[str, Any], national: dict[str, Any] | None = None) -> str:
    """The report; with `national` ({question: {agree, municipalities, …}}, figures.totals)
    each statement shows the national share beside the municipality's."""
    hidden = _not_for_citizens(doc["instrument"], doc["cycle"])
    headline = (doc.get("headline") or {}).get("question_id")
    answers = [a for a in doc.get("answers", [])
               if a["question_id"] not in hidden and a["question_id"] != headline]
    known = doc["instrument"] in instruments.IDS
    return render("report.html", doc=doc, answers=answers, national=national or {},
                  sentences=_sentences(doc["instrument"], doc["cycle"]),
                  study=instruments.get(doc["instrument"]).short if known else "Wmo")
