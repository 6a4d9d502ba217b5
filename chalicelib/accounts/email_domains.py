"""Whether an e-mail address belongs to a municipality: its domain is one of that
municipality's known mail domains (data/gemeente-domeinen.csv: every municipality's registered
website domain from the government almanac, plus additions; editable), or a subdomain of one.
Nothing else passes: a look-alike such as stadskanaal.xyz, or another municipality's domain,
waits for the helpdesk."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..platform import config

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def known_domains() -> dict[str, frozenset[str]]:
    listed: dict[str, set[str]] = {}
    with (DATA_DIR / "gemeente-domeinen.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            listed.setdefault(row["code"], set()).add(row["domein"].strip().lower())
    return {code: frozenset(domains) for code, domains in listed.items()}


def matches(email: str, code: str) -> bool:
    domain = email.rsplit("@", 1)[-1].lower().rstrip(".")
    return any(domain == known or domain.endswith("." + known)
               for known in known_domains().get(code, ()))


def check_enabled() -> bool:
    return config.env("REGISTRATION_DOMAIN_CHECK", "false").lower() == "true"


def split(email: str, codes: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(approved now, held for the helpdesk)."""
    if not check_enabled():
        return codes, ()
    return (tuple(c for c in codes if matches(email, c)),
            tuple(c for c in codes if not matches(email, c)))
