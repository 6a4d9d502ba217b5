"""The official list of Dutch municipalities, per year (mergers take effect on 1 January)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
CODE = re.compile(r"^GM[0-9]{4}$")


def is_code(text: str) -> bool:
    """Shaped like a CBS municipality code (GM0014); says nothing about whether it exists."""
    return bool(CODE.match(text))


@dataclass(frozen=True)
class Municipality:
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
