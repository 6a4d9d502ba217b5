"""National figures per cycle (`<instrument>/<cycle>/national.json`): per standard question
the share that agrees, weighted by valid answers, over the documents that count now and only
their rows above the privacy minimum. Kept as one contribution per municipality inside the
object, so every forward can merge its own and recompute the totals without reading the rest
of the feed; the helpdesk export computes the same figures from the table."""
from __future__ import annotations

from typing import Any

from ..questionnaire.definitions import DefinitionError, load

SCHEMA_ID = "https://aanlevermodule-ceo.nl/feed/v1/national.schema.json"

#: the answer categories that count as agreeing: (helemaal) mee eens, or ja
AGREE = ("helemaal_mee_eens", "mee_eens", "ja")

METHOD = ("Per standaardvraag het percentage cliënten dat het (helemaal) eens is met de "
          "stelling (bij de ja/nee-vraag: ja), gewogen naar het aantal geldige antwoorden per "
          "gemeente, over de aanleveringen die nu tellen. Vragen met minder geldige antwoorden "
          "dan het privacyminimum tellen niet mee, ingetrokken aanleveringen ook niet.")


def agree_share(row: dict[str, Any]) -> float:
    """% (helemaal) mee eens, or % ja for the yes/no question, to one decimal, of a delivered
    score row: whatever format the report gave, the share that agrees is always there (rows
    sent before formats existed carry the full distribution)."""
    if row.get("agree") is not None:
        return round(float(row["agree"]), 1)
    return round(sum(float(c["percentage"]) for c in row["categories"]
                     if c["value"] in AGREE), 1)


def contribution(document: dict[str, Any]) -> dict[str, Any]:
    """What one municipality's document adds to the national figures."""
    scores = {row["question_id"]: {"label": row["label"], "valid_answers": row["valid_answers"],
                                   "agree": row["agree"]}
              for row in document["scores"] if not row["withheld"]}
    return {"revision": document["revision"], "scores": scores}


def _order(instrument: str, cycle: int, found: set[str]) -> list[str]:
    try:
        definition = load(instrument, cycle)
        ids = [row.id for q in definition.questions() if q.type == "score_table"
               for row in q.rows]
    except DefinitionError:
        ids = []
    return [q for q in ids if q in found] + sorted(found - set(ids))


def totals(instrument: str, cycle: int,
           contributions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """{question: {label, municipalities, valid_answers, agree}} over the contributions."""
    found = {q for c in contributions.values() for q in c["scores"]}
    result = {}
    for question in _order(instrument, cycle, found):
        counted = [c["scores"][question] for _, c in sorted(contributions.items())
                   if question in c["scores"]]
        total = sum(s["valid_answers"] for s in counted)
        result[question] = {
            "label": counted[-1]["label"], "municipalities": len(counted),
            "valid_answers": total,
            "agree": round(sum(s["agree"] * s["valid_answers"] for s in counted) / total, 1)
            if total else None}
    return result
