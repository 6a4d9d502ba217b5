"""The helpdesk compares two deliveries of a municipality answer by answer, and the withdraw
confirmation says what will count afterwards, with a link to what would change."""
from __future__ import annotations

import html
import re

import pytest

from tests.support.answers import ALL, with_answer
from tests.support.flows import save, send

COMPARE = "/helpdesk/gemeente/GM0014/vergelijken"


@pytest.fixture()
def corrected(delivered):
    """GM0014-2026-1, then GM0014-2026-2 with two answers changed and one added."""
    save(delivered, "opzet", [*with_answer("opzet", "doel", "Inzicht in de wachttijden."),
                              ("doelgroepen", "anders"), ("doelgroepen_anders", "Jongeren")])
    save(delivered, "uitkomsten", with_answer("uitkomsten", "scores__q1__n", "399"))
    assert send(delivered).status_code == 303
    return delivered


def rows(page: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", page, flags=re.DOTALL).group(1)
    return [[" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.DOTALL)]


def test_the_comparison_lists_exactly_what_changed_by_question(corrected, helpdesk):
    page = helpdesk.get(f"{COMPARE}?van=GM0014-2026-1&naar=GM0014-2026-2")
    assert page.status_code == 200
    assert "GM0014-2026-1 vergeleken met GM0014-2026-2" in page.text
    changed = rows(page.text)
    labels = [row[0] for row in changed]
    assert len(changed) == 4, labels
    assert changed[0][1:] == ["Inzicht in de kwaliteit van de ondersteuning.",
                              "Inzicht in de wachttijden."]
    assert labels[0].startswith("Wat was het doel van het onderzoek?")
    assert changed[1][1:] == ["Gebruikers van een maatwerkvoorziening, Mantelzorgers",
                              "Gebruikers van een maatwerkvoorziening, Mantelzorgers, Anders"]
    assert labels[2].startswith("Andere doelgroep")
    assert changed[2][1:] == ["niet beantwoord", "Jongeren"]
    assert "398 geldige antwoorden" in changed[3][1] and "399 geldige" in changed[3][2]
    assert "4 antwoorden zijn anders" in page.text
    same = int(re.search(r"(\d+) antwoorden zijn gelijk", page.text).group(1))
    assert same > 20
    # the other way round: the same answers, old and new swapped
    back = rows(helpdesk.get(f"{COMPARE}?van=GM0014-2026-2&naar=GM0014-2026-1").text)
    assert sorted((r[0], r[2], r[1]) for r in back) == sorted(tuple(r) for r in changed)


def test_the_municipality_and_delivery_pages_lead_to_the_comparison(corrected, helpdesk):
    municipality = helpdesk.get("/helpdesk/gemeente/GM0014").text
    assert f'action="{COMPARE}"' in municipality
    assert '<option value="GM0014-2026-1" selected>' in municipality
    delivery = helpdesk.get("/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-2").text
    assert f'href="{COMPARE}?van=GM0014-2026-1&amp;naar=GM0014-2026-2"' in delivery


@pytest.mark.parametrize("query,status,message", [
    ("?van=GM0014-2026-1", 400, "Kies twee aanleveringen om te vergelijken"),
    ("?van=GM0014-2026-1&naar=gm0014-2026-1", 400, "Kies twee verschillende aanleveringen"),
    ("?van=GM0014-2026-1&naar=GM0014-2026-9", 400, "GM0014-2026-9 is geen aanlevering van"),
    ("?van=GM0034-2026-1&naar=GM0014-2026-2", 400, "GM0034-2026-1 is geen aanlevering van"),
    ("?van=%3Cscript%3E&naar=GM0014-2026-2", 400, "&lt;SCRIPT&gt; is geen aanlevering"),
    ("", 200, "Aanleveringen vergelijken"),
])
def test_bad_choices_get_a_dutch_message(corrected, helpdesk, query, status, message):
    page = helpdesk.get(f"{COMPARE}{query}")
    assert page.status_code == status
    assert message in page.text
    assert "<option" in page.text  # the form to choose again


def test_an_unknown_municipality_is_not_found(helpdesk):
    assert helpdesk.get("/helpdesk/gemeente/GM9999/vergelijken?van=a&naar=b").status_code == 404


def test_the_withdraw_confirmation_names_what_counts_afterwards(corrected, helpdesk):
    confirm = helpdesk.get("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-2").text
    assert "Daarna telt" in confirm and ">GM0014-2026-1</a>" in confirm
    assert f'href="{COMPARE}?van=GM0014-2026-2&amp;naar=GM0014-2026-1"' in confirm
    older = helpdesk.get("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1").text
    assert "alleen de aanlevering die nu telt (GM0014-2026-2)" in older
    path = "/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-2"
    helpdesk.submit(path, {"reden": "Fout"}, form_page=path)
    last = helpdesk.get("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1").text
    assert "Daarna telt er geen aanlevering meer" in last
    no_reason = helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                                {"reden": ""}, form_page=path)
    assert no_reason.status_code == 400 and "Daarna telt er geen aanlevering meer" in \
        no_reason.text


def test_comparing_two_identical_deliveries_says_so(delivered, helpdesk):
    save(delivered, "opzet", ALL["opzet"])
    send(delivered)
    page = helpdesk.get(f"{COMPARE}?van=GM0014-2026-1&naar=GM0014-2026-2").text
    assert "Geen verschillen" in page and "<tbody>" not in page


def test_a_derived_figure_is_filed_with_the_answer_it_is_computed_from(delivered, helpdesk):
    """Issue 24 §2: "Respons (berekend)" sat under "Toestemming voor publicatie" (the last
    section); it belongs after the count it is computed from, in that section."""
    save(delivered, "uitvoering", with_answer("uitvoering", "aantal_benaderd", "1.000"))
    assert send(delivered).status_code == 303
    changed = rows(helpdesk.get(f"{COMPARE}?van=GM0014-2026-1&naar=GM0014-2026-2").text)
    labels = [row[0] for row in changed]
    respons = next(label for label in labels if label.startswith("Respons (berekend)"))
    assert respons.endswith("Uitvoering en respons"), respons
    assert labels.index(respons) == labels.index(next(
        label for label in labels if "benaderd" in label)) + 1, labels


def test_the_choice_of_deliveries_is_never_cut_off(corrected, helpdesk):
    """The select boxes size to their longest option (a fixed 20ch cut the dates off); the
    browser test measures each box against its options on every page it visits."""
    page = helpdesk.get(COMPARE).text
    for select in re.findall(r"<select[^>]*>", page):
        assert "input--select" in select and "input--20" not in select
