"""Whether an e-mail address plausibly belongs to a municipality: its known domains
(data/gemeente-domeinen.csv, editable) or, where none are listed, a domain named after it
(ede.nl for Ede). Registrations that do not match wait for the helpdesk."""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from ..platform import config
from ..platform.municipalities import municipalities

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def known_domains() -> dict[str, set[str]]:
    listed: dict[str, set[str]] = {}
    with (DATA_DIR / "gemeente-domeinen.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            listed.setdefault(row["code"], set()).add(row["domein"].strip().lower())
    return listed


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().split("(")[0])


def matches(email: str, code: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower()
    listed = known_domains().get(code)
    if listed:
        return any(domain == d or domain.endswith("." + d) for d in listed)
    municipality = municipalities(config.municipality_year()).get(code)
    return municipality is not None and domain.split(".")[-2:-1] == [_slug(municipality.name)]


def check_enabled() -> bool:
    return config.env("REGISTRATION_DOMAIN_CHECK", "false").lower() == "true"


def split(email: str, codes: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(approved now, held for the helpdesk)."""
    if not check_enabled():
        return codes, ()
    return (tuple(c for c in codes if matches(email, c)),
            tuple(c for c in codes if not matches(email, c)))
