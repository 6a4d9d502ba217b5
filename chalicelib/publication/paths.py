"""Where each object of the feed lives (docs/feed.md): one place, so the target, the
reconciler and the documents' own links never disagree. The instrument leads, so that a
second instrument (CEO Jeugd) never collides with the first."""
from __future__ import annotations

ROOT_INDEX = "index.json"


def cycle_prefix(instrument: str, cycle: int) -> str:
    return f"{instrument}/{cycle}"


def document(instrument: str, cycle: int, code: str) -> str:
    return f"{cycle_prefix(instrument, cycle)}/{code}.json"


def report(instrument: str, cycle: int, code: str) -> str:
    return f"{cycle_prefix(instrument, cycle)}/{code}.html"


def cycle_index(instrument: str, cycle: int) -> str:
    return f"{cycle_prefix(instrument, cycle)}/index.json"


def questionnaire(instrument: str, cycle: int, version: str) -> str:
    return f"{cycle_prefix(instrument, cycle)}/questionnaire-{version}.json"


def national(instrument: str, cycle: int) -> str:
    return f"{cycle_prefix(instrument, cycle)}/national.json"
