"""The complete answers a representative types, from the single source
`tests/data/complete-answers.json` (CEO Jeugd: `complete-answers-jeugd.json`), grouped per page
in the order of the current definition."""
from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "complete-answers.json"
DATA_JEUGD = DATA.with_name("complete-answers-jeugd.json")

#: the complete answers as the form posts them (a list for a question with several values)
COMPLETE_RAW: dict[str, str | list[str]] = json.loads(DATA.read_text(encoding="utf-8"))


#: CEO Jeugd's complete answers (a score table per MCJO list)
COMPLETE_RAW_JEUGD: dict[str, str | list[str]] = json.loads(DATA_JEUGD.read_text(encoding="utf-8"))


def _by_section(instrument: str = "ceo-wmo", complete: dict | None = None
                ) -> dict[str, list[tuple[str, str]]]:
    from chalicelib.questionnaire.definitions import load

    complete = COMPLETE_RAW if complete is None else complete
    definition = load(instrument, 2026)
    grouped: dict[str, list[tuple[str, str]]] = {}
    for section in definition.sections:
        pairs: list[tuple[str, str]] = []
        for question in section.questions:
            for name in question.input_names():
                value = complete.get(name)
                if value is None:
                    continue
                pairs += [(name, v) for v in value] if isinstance(value, list) \
                    else [(name, value)]
        grouped[section.id] = pairs
    placed = {name for pairs in grouped.values() for name, _ in pairs}
    assert placed == set(complete), f"not on any page: {set(complete) - placed}"
    return grouped


#: section id -> the (field, value) pairs a complete page posts
ALL = _by_section()
#: the same for CEO Jeugd's questionnaire
ALL_JEUGD = _by_section("ceo-jeugd", COMPLETE_RAW_JEUGD)
#: the pages of the questionnaire proper, after the first page's "was there a survey?"
SECTION_1, SECTION_2, SECTION_3, SECTION_4, SECTION_5 = (
    ALL[s] for s in ("opzet", "uitvoering", "uitkomsten", "opvolging", "toestemming"))


def with_answer(section: str, name: str, value: str) -> list[tuple[str, str]]:
    """The complete pairs of `section` with one answer replaced."""
    return [(n, v) for n, v in ALL[section] if n != name] + [(name, value)]
