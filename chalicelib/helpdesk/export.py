"""National export per cycle: the deliveries that count now, one row per municipality, plus
standard-question aggregates weighted by valid answers. One instrument per export (CEO Wmo
or CEO Jeugd: their questions differ, and a national figure never mixes them); each row and the
file say which. Scores under the privacy minimum are
withheld per municipality and left out of the national figures."""
from __future__ import annotations

import csv
import io
from typing import Any

from ..delivery.history import counting, history
from ..platform import config
from ..platform.instruments import WMO
from ..platform.models import ScopeState, scope_key
from ..platform.municipalities import municipalities
from ..publication.figures import agree_share
from ..questionnaire import privacy
from ..questionnaire.definitions import DefinitionError, load


def standard_questions(cycle: int, found: list[dict[str, Any]],
                       instrument: str = WMO) -> list[str]:
    """The score rows of this cycle's definition (data, like every question), followed by
    any that only earlier definition versions had and a delivery carries."""
    try:
        definition = load(instrument, cycle)
        ids = [row.id for q in definition.questions() if q.type == "score_table"
               for row in q.rows]
    except DefinitionError:
        ids = []
    for row in found:
        ids += [question for question in row["scores"] if question not in ids]
    return ids


def rows(cycle: int, instrument: str = WMO) -> list[dict[str, Any]]:
    codes = list(municipalities(config.municipality_year()))
    keys = [scope_key(code, cycle, instrument) for code in codes]
    touched = sorted(state.scope.split("#")[0] for state in ScopeState.batch_get(keys))
    minimum = privacy.minimum_valid_answers()
    result = []
    for code in touched:
        current = counting(history(code, cycle, instrument))
        if current is None:
            continue
        scores = {}
        for answer in current.snapshot["answers"]:
            if answer["type"] == "score_table":
                for row_id, row in answer["value"].items():
                    withheld = privacy.withheld(row["valid_answers"], minimum)
                    scores[row_id] = {"n": int(row["valid_answers"]), "withheld": withheld,
                                      "agree": None if withheld else agree_share(row)}
        derived = {d["id"]: d["value"] for d in current.snapshot.get("derived", [])}
        result.append({"instrument": instrument, "code": code,
                       "name": current.municipality_name,
                       "delivery": current.delivery_id,
                       "sent_at": current.sent_at.isoformat(timespec="seconds"),
                       "late": bool(current.late), "revision": int(current.revision),
                       "respons": derived.get("respons"), "scores": scores})
    return result


def national(rows_: list[dict[str, Any]], questions: list[str]) -> dict[str, Any]:
    aggregate = {}
    for question in questions:
        counted = [r["scores"][question] for r in rows_
                   if question in r["scores"] and not r["scores"][question]["withheld"]]
        total = sum(s["n"] for s in counted)
        aggregate[question] = {
            "municipalities": len(counted), "valid_answers": total,
            "agree": round(sum(s["agree"] * s["n"] for s in counted) / total, 1) if total else None}
    return aggregate


def as_json(cycle: int, instrument: str = WMO) -> dict[str, Any]:
    found = rows(cycle, instrument)
    return {"instrument": instrument, "cycle": cycle,
            "privacy_minimum_valid_answers": privacy.minimum_valid_answers(),
            "municipalities": found,
            "national": national(found, standard_questions(cycle, found, instrument))}


def as_csv(cycle: int, instrument: str = WMO) -> str:
    found = rows(cycle, instrument)
    questions = standard_questions(cycle, found, instrument)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["gemeente_code", "gemeente", "aanlevering", "verzonden", "te_laat", "revisie",
              "respons_pct"]
    for question in questions:
        header += [f"{question}_pct_eens", f"{question}_geldig"]
    writer.writerow([*header, "onderzoek"])  # last: earlier columns keep their places
    for row in found:
        line = [row["code"], row["name"], row["delivery"], row["sent_at"],
                "ja" if row["late"] else "nee", row["revision"], row["respons"] or ""]
        for question in questions:
            score = row["scores"].get(question)
            line += ["" if not score else ("afgeschermd" if score["withheld"] else score["agree"]),
                     "" if not score else score["n"]]
        writer.writerow([*line, instrument])
    aggregate = national(found, questions)
    line = ["NL", "Nederland (gewogen)", "", "", "", "", ""]
    for question in questions:
        line += [aggregate[question]["agree"] if aggregate[question]["agree"] is not None else "",
                 aggregate[question]["valid_answers"]]
    writer.writerow([*line, instrument])
    return out.getvalue()
