"""Whether an e-mail address belongs to a municipality: its domain is one of that
municipality's known mail domains (data/gemeente-domeinen.csv: every municipality's registered
website domain from the government almanac, plus additions; editable), or a subdomain of one;
or the domain of a shared service organisation that works for it (data/gedeelde-diensten.csv:
organisation, domain, the municipalities it serves, source); or a domain the helpdesk trusts
for it (trusted_domains.py: exactly that domain). Nothing else passes: a look-alike such as
stadskanaal.xyz, or another municipality's domain, waits for the helpdesk."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..platform import config
from . import trusted_domains

DATA_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=1)
def known_domains() -> dict[str, frozenset[str]]:
    """Per municipality code: its own domains and those of the shared services it uses."""
    listed: dict[str, set[str]] = {}
    with (DATA_DIR / "gemeente-domeinen.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            listed.setdefault(row["code"], set()).add(row["domein"].strip().lower())
    for service in shared_services():
        for code in service["gemeenten"]:
            listed.setdefault(code, set()).add(service["domein"])
    return {code: frozenset(domains) for code, domains in listed.items()}


@lru_cache(maxsize=1)
def shared_services() -> tuple[dict, ...]:
    """The shared service organisations: {"organisatie", "domein", "gemeenten", "bron"}."""
    with (DATA_DIR / "gedeelde-diensten.csv").open(encoding="utf-8", newline="") as handle:
        return tuple({**row, "domein": row["domein"].strip().lower(),
                      "gemeenten": tuple(row["gemeenten"].split())}
                     for row in csv.DictReader(handle))


def matches(email: str, code: str) -> bool:
    """Whether the address is on one of the municipality's known domains (no trusted ones:
    those need a read, see split)."""
    domain = trusted_domains.domain_of(email)
    return any(domain == known or domain.endswith("." + known)
               for known in known_domains().get(code, ()))


def check_enabled() -> bool:
    return config.env("REGISTRATION_DOMAIN_CHECK", "false").lower() == "true"


def split(email: str, codes: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(approved now, held for the helpdesk). Codes whose known domains do not match are
    looked up among the trusted domains, all in one read."""
    if not check_enabled():
        return codes, ()
    unknown = [code for code in codes if not matches(email, code)]
    trusted = trusted_domains.trusted_codes(email, unknown) if unknown else set()
    return (tuple(c for c in codes if c not in unknown or c in trusted),
            tuple(c for c in codes if c in unknown and c not in trusted))
