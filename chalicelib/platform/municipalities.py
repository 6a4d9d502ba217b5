"""The official list of Dutch municipalities, per year (mergers take effect on 1 January)."""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

from . import config
from .records import Record

DATA_DIR = Path(__file__).parent / "data"
CODE_PATTERN = "GM[0-9]{4}"  # a CBS municipality code; other patterns build on this one
CODE = re.compile(f"^{CODE_PATTERN}$")


def is_code(text: str) -> bool:
    """Shaped like a CBS municipality code (GM0014); says nothing about whether it exists."""
    return bool(CODE.match(text))


class Municipality(Record, frozen=True):
    code: str
    name: str
    province: str


@cache
def municipalities(year: int) -> dict[str, Municipality]:
    """All municipalities of `year` keyed by CBS code (e.g. GM0014), in file order."""
    path = DATA_DIR / f"gemeenten-{year}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        return {row["code"]: Municipality(row["code"], row["naam"], row["provincie"])
                for row in rows}


def by_province(year: int) -> list[tuple[str, list[Municipality]]]:
    """Municipalities grouped per province, both sorted by name, for pick lists."""
    groups: dict[str, list[Municipality]] = {}
    for item in municipalities(year).values():
        groups.setdefault(item.province, []).append(item)
    return [(province, sorted(items, key=lambda m: _sort_key(m.name)))
            for province, items in sorted(groups.items())]


def _sort_key(name: str) -> str:
    # "'s-Gravenhage" sorts under G, as people look for it.
    return name.lstrip("'").removeprefix("s-").casefold()


def name_of(code: str, year: int) -> str:
    item = municipalities(year).get(code)
    return item.name if item else code


def known_name(code: str | None) -> str | None:
    """The name of a municipality on this year's list; None for anything else (a client's page
    or mail then says "uw gemeente")."""
    known = municipalities(config.municipality_year()).get(code or "")
    return known.name if known else None


def folded(text: str) -> str:
    """How people type a name: no case, accents, apostrophes or punctuation ("Súdwest-Fryslân"
    and "sudwest fryslan" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters).split())


@cache
def _search_names(year: int) -> tuple[tuple[str, str], ...]:
    """(folded name, code) for every official name and every common name or alias."""
    names = [(folded(m.name), m.code) for m in municipalities(year).values()]
    with (DATA_DIR / "gemeente-aliassen.csv").open(encoding="utf-8", newline="") as handle:
        names += [(folded(row["alias"]), row["code"]) for row in csv.DictReader(handle)
                  if row["code"] in municipalities(year)]
    return tuple(names)


def search(text: str, year: int, limit: int = 20) -> list[Municipality]:
    """Municipalities whose official or common name contains the typed text (folded); names
    that start with it first."""
    wanted = folded(text)
    if not wanted:
        return []
    known = municipalities(year)
    starts = [code for name, code in _search_names(year) if name.startswith(wanted)]
    contains = [code for name, code in _search_names(year) if wanted in name]
    return [known[code] for code in dict.fromkeys(starts + contains)][:limit]
