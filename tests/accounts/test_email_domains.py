"""Who passes the registration's domain check at once: an address on one of the
municipality's own mail domains (or a subdomain of one), and nobody else."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_municipality_has_a_known_mail_domain():
    from chalicelib.accounts import email_domains

    with (ROOT / "chalicelib" / "platform" / "data" / "gemeenten-2025.csv").open(
            encoding="utf-8") as handle:
        codes = [row["code"] for row in csv.DictReader(handle)]
    assert len(codes) == 342
    assert [code for code in codes if not email_domains.known_domains().get(code)] == []


@pytest.mark.parametrize("email,code,passes", [
    ("p.jansen@stadskanaal.nl", "GM0037", True),
    ("p.jansen@gemeente.stadskanaal.nl", "GM0037", True),      # a subdomain of its own
    ("evil@stadskanaal.xyz", "GM0037", False),                 # the name under another TLD
    ("evil@stadskanaal.nl.evil.com", "GM0037", False),
    ("evil@notstadskanaal.nl", "GM0037", False),
    ("iemand@groningen.nl", "GM0037", False),                   # another municipality's domain
    ("a@bergen-nh.nl", "GM0373", True),                        # Bergen (NH.)
    ("a@bergen.nl", "GM0373", False),                          # ... is not Bergen (L.)
    ("a@bergen.nl", "GM0893", True),
    ("a@s-hertogenbosch.nl", "GM0796", True),                  # used to wait in the queue
    ("a@sudwestfryslan.nl", "GM1900", True),
    ("a@denhaag.nl", "GM0518", True),
    ("a@voorneaanzee.nl", "GM1992", True),                     # formed 2023, added by hand
    ("a@gmail.com", "GM0014", False),
])
def test_domain_check(email, code, passes, monkeypatch, aws):
    from chalicelib.accounts import email_domains

    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    approved, held = email_domains.split(email, (code,))
    assert (approved, held) == (((code,), ()) if passes else ((), (code,)))
