"""The helpdesk finds a person by what a caller says: any part of the name from its start
(case and accents do not matter), an e-mail address or its start, a phone number however it is
typed, the personal code — through look-up entries written with the registrant, never a scan."""
from __future__ import annotations

import re
from urllib.parse import quote_plus

import pytest

from tests.support import aws_calls
from tests.support.feed import make_registrant
from tests.support.tables import scan

PEOPLE = [
    ("Anna de Vries", "a.devries@groningen.nl", "050 367 91 11", ("GM0014",)),
    ("Ánne-Marie van 't Hof", "amhof@almere.nl", "06 12345678", ("GM0034",)),
    ("Jan Jansen", "jan.jansen@ede.nl", "+31 318 123 456", ("GM0228",)),
    ("Søren Ødegård", "soren@bergen.nl", "+45 32 12 34 56", ("GM0893",)),
]


@pytest.fixture()
def people(aws, app_module):
    return {name: make_registrant(email=email, codes=codes, name=name, phone=phone)
            for name, email, phone, codes in PEOPLE}


@pytest.fixture()
def operations(monkeypatch):
    seen: list[str] = []
    aws_calls.record(monkeypatch, lambda call: seen.append(call.operation))
    return seen


def _found(helpdesk, typed: str) -> list[str]:
    """Names of the people in the results."""
    page = helpdesk.get(f"/helpdesk?q={quote_plus(typed)}").text
    results = page.split("<h2>Resultaten</h2>")[1].split("<h2>Aanmeldingen ter controle")[0]
    if "<caption>Aanmelders</caption>" not in results:
        return []
    table = results.split("<caption>Aanmelders</caption>")[1].split("</table>")[0]
    return re.findall(r'href="/helpdesk/registrant/[0-9a-f]{32}">([^<]+)</a>', table)


@pytest.mark.parametrize("typed,expected", [
    ("anna", "Anna de Vries"),
    ("Anna de V", "Anna de Vries"),
    ("de vr", "Anna de Vries"),
    ("VRIES", "Anna de Vries"),
    ("anne marie", "Ánne-Marie van &#39;t Hof"),
    ("ANNE-MARIE VAN 'T HOF", "Ánne-Marie van &#39;t Hof"),
    ("van t", "Ánne-Marie van &#39;t Hof"),
    ("hof", "Ánne-Marie van &#39;t Hof"),
    ("soren", "Søren Ødegård"),
    ("odegard", "Søren Ødegård"),
    ("a.devries@", "Anna de Vries"),  # the start of an address
    ("A.DeVries@Groningen.NL", "Anna de Vries"),  # exact, any case
    ("050-3679111", "Anna de Vries"),
    ("+31 50 367 9111", "Anna de Vries"),
    ("0612345678", "Ánne-Marie van &#39;t Hof"),
    ("+45 32123456", "Søren Ødegård"),
])
def test_a_person_is_found_by_what_a_caller_says(helpdesk, people, operations, typed, expected):
    assert _found(helpdesk, typed) == [expected]
    assert "Scan" not in operations


def test_the_personal_code_finds_its_person(helpdesk, people, operations):
    code = people["Jan Jansen"].personal_code
    assert _found(helpdesk, code.lower().replace("-", " ")) == ["Jan Jansen"]
    assert "Scan" not in operations


def test_a_name_search_shows_people_and_municipalities_together(helpdesk, people, aws):
    make_registrant(email="p.bergen@groningen.nl", name="Piet Bergen", phone="0501234567")
    page = helpdesk.get("/helpdesk?q=bergen").text
    assert "Piet Bergen" in page and "Bergen (L.) (GM0893)" in page


@pytest.mark.parametrize("typed", ["a", "zz", "Annabel", "a.devries@ede.nl", "0201234567"])
def test_no_match_finds_nobody(helpdesk, people, typed):
    assert _found(helpdesk, typed) == []


def test_more_matches_than_one_search_shows_are_said(helpdesk, aws, app_module, monkeypatch):
    from chalicelib.accounts import people as search

    for n in range(3):
        make_registrant(email=f"p{n}@groningen.nl", name=f"Pieter Post {n}",
                        phone="0501234567")
    monkeypatch.setattr(search, "LIMIT", 2)
    page = helpdesk.get("/helpdesk?q=pieter").text
    assert len(_found(helpdesk, "pieter")) == 2
    assert "meer aanmelders gevonden dan hier staan" in page


def test_search_entries_are_written_with_the_registrant(aws, app_module, monkeypatch, people):
    from pynamodb.connection.base import Connection

    from chalicelib.accounts import people as search

    anna = people["Anna de Vries"]
    stored = {item["key"]["S"] for item in scan(aws, "Lookups")}
    assert search.entry_keys(anna) <= stored
    assert "zoek#naam#vries#" + anna.id in stored and f"zoek#telefoon#+31503679111#{anna.id}" \
        in stored

    def failing(*args, **kwargs):
        raise ConnectionError("injected")

    before = len(scan(aws, "Lookups"))
    monkeypatch.setattr(Connection, "transact_write_items", failing)
    with pytest.raises(ConnectionError):
        make_registrant(email="nieuw@ede.nl", name="Nieuw Persoon")
    assert len(scan(aws, "Lookups")) == before  # nothing of it, search entries included


def test_the_cli_makes_people_stored_before_search_existed_findable(helpdesk, people, aws,
                                                                      capsys):
    import boto3

    from chalicelib.cli import main as cli

    client = boto3.client("dynamodb")
    for item in scan(aws, "Lookups"):
        if item["key"]["S"].startswith("zoek#"):
            client.delete_item(TableName=aws["LookupsTableName"], Key={"key": item["key"]})
    assert _found(helpdesk, "anna") == []
    assert cli.main(["reindex-people"]) == 0
    assert "4 aanmelders" in capsys.readouterr().out
    assert _found(helpdesk, "anna") == ["Anna de Vries"]


def test_reindexing_while_people_change_brings_no_old_name_back(helpdesk, people, aws,
                                                                 monkeypatch, capsys):
    """The scan is a snapshot: a registrant corrected or erased after it was read keeps the
    entries its own change wrote (or deleted); the reindex skips it."""
    import boto3

    from chalicelib.accounts import personal_data
    from chalicelib.cli import main as cli
    from chalicelib.platform.models import Registrant

    client = boto3.client("dynamodb")
    for item in scan(aws, "Lookups"):
        if item["key"]["S"].startswith("zoek#"):
            client.delete_item(TableName=aws["LookupsTableName"], Key={"key": item["key"]})
    snapshot = list(Registrant.scan())  # what the reindex reads ...
    anna, jan = people["Anna de Vries"], people["Jan Jansen"]
    personal_data.correct(anna, personal_data.version_of(anna), personal_data.Correction(
        "Anna Visser", anna.email, anna.phone))  # ... before these two change
    personal_data.erase(jan)
    monkeypatch.setattr(Registrant, "scan", classmethod(lambda cls, *a, **k: iter(snapshot)))
    assert cli.main(["reindex-people"]) == 0
    assert "2 aanmelders doorzoekbaar gemaakt; 2 intussen gewijzigd of verwijderd" \
        in capsys.readouterr().out
    assert _found(helpdesk, "visser") == ["Anna Visser"]  # her correction wrote these
    assert _found(helpdesk, "vries") == [] and _found(helpdesk, "jansen") == []
    assert "jansen" not in str(scan(aws, "Lookups")).lower()
    assert _found(helpdesk, "hof") == ["Ánne-Marie van &#39;t Hof"]


def test_folding():
    from chalicelib.accounts.people import fold, name_terms

    assert fold("Ánne-Marie van 't Hof") == "anne marie van t hof"
    assert fold("Søren Ødegård") == "soren odegard"
    assert fold("STRAßE") == "strasse"
    assert fold("Łukasz") == "lukasz"
    assert fold("李 小龍") == "李 小龍"  # other scripts stay searchable
    assert name_terms("Anna de Vries") == ["anna de vries", "de vries", "vries"]
    assert len(name_terms(" ".join("abcdefghij"))) == 6
