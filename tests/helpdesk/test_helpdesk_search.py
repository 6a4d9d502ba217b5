"""The helpdesk finds things by what people say on the phone: the delivery number from every
mail, and a municipality by the name people use — with one read at most, never a scan."""
from __future__ import annotations

import re

import pytest

from tests.support import aws_calls


@pytest.fixture()
def operations(monkeypatch):
    """Every AWS operation the app makes while the test runs."""
    seen: list[str] = []
    aws_calls.record(monkeypatch, lambda call: seen.append(call.operation))
    return seen


def _results(helpdesk, query: str) -> str:
    page = helpdesk.get(f"/helpdesk?q={query}").text
    return page.split("<h2>Resultaten</h2>")[1].split("<h2>Aanmeldingen ter controle")[0]


@pytest.mark.parametrize("typed", ["GM0014-2026-1", "gm0014-2026-1", " GM0014-2026-1 "])
def test_a_delivery_number_finds_the_delivery(helpdesk, delivered, operations, typed):
    results = _results(helpdesk, typed.replace(" ", "+"))
    assert "GM0014-2026-1" in results and "Groningen" in results and "geldig" in results
    assert re.search(r'href="/helpdesk/gemeente/GM0014">GM0014-2026-1', results)
    assert "Scan" not in operations


def test_an_unknown_delivery_number_still_names_its_municipality(helpdesk, delivered):
    results = _results(helpdesk, "GM0014-2026-9")
    assert "Aanleveringen" not in results and "Groningen (GM0014)" in results


@pytest.mark.parametrize("typed,expected", [
    ("Den+Haag", "&#39;s-Gravenhage (GM0518)"),
    ("den+bosch", "&#39;s-Hertogenbosch (GM0796)"),
    ("sudwest+fryslan", "Súdwest-Fryslân (GM1900)"),
    ("SÚDWEST", "Súdwest-Fryslân (GM1900)"),
    ("gravenhage", "&#39;s-Gravenhage (GM0518)"),
])
def test_a_municipality_is_found_by_the_name_people_use(helpdesk, operations, typed, expected):
    assert expected in _results(helpdesk, typed)
    assert "Scan" not in operations


def test_both_bergens_are_found_and_told_apart(helpdesk):
    results = _results(helpdesk, "Bergen")
    assert "Bergen (NH.) (GM0373)" in results and "Bergen (L.) (GM0893)" in results


def test_folding_ignores_case_accents_and_punctuation():
    from chalicelib.platform.municipalities import folded

    assert folded("Súdwest-Fryslân") == folded("sudwest fryslan") == "sudwest fryslan"
    assert folded("'s-Hertogenbosch") == "s hertogenbosch"
