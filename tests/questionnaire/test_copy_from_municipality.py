"""A shared service delivering for several municipalities (issue 24 §4) starts one's answers
from another's draft or delivery of the same cycle: the page names what is copied; consent,
counts, scores and results never are; a draft that exists is written into only when asked,
and never when a colleague changed it after the page was shown."""
from __future__ import annotations

import html
import json
import re

from tests.support.answers import ALL, COMPLETE_RAW
from tests.support.browser import Browser
from tests.support.flows import fill_all, save, send, signed_in
from tests.support.tables import scan

PAGE = "/gemeente/GM0034/overnemen-van"


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text))


def answers_of(aws, code: str) -> dict:
    return next((json.loads(item["answers"]["S"]) for item in scan(aws, "DraftsTableName")
                 if item["municipality"]["S"] == code), {})


def copy(browser, source: str, confirm: bool = False, seen: str | None = None):
    page = browser.get(PAGE).text
    seen = seen or re.search(r'name="gezien" value="([^"]+)"', page).group(1)
    return browser.submit(PAGE, [("bron", source), ("gezien", seen),
                                 *([("vervangen", "ja")] if confirm else [])], form_page=PAGE)


def test_a_new_draft_starts_from_another_municipality_s_draft_without_its_own_answers(
        browser, mailbox, aws):
    signed_in(browser, mailbox, codes=("GM0014", "GM0034"))
    fill_all(browser)  # Groningen's draft, complete
    assert "Antwoorden overnemen van een andere gemeente" in text(browser.get("/start"))
    page = text(browser.get(PAGE))
    assert "Wat wordt overgenomen" in page and "Wat was het doel van het onderzoek?" in page
    never = page[page.index("Wat nooit wordt overgenomen"):]
    assert "Aantal benaderde personen" in never and "Aantal respondenten" in never
    assert "toestemming van het college" in never
    assert "Het concept van Groningen" in page
    done = copy(browser, "concept:GM0014")
    assert done.status_code == 303
    assert "De antwoorden van Groningen zijn overgenomen" in text(browser.get(done.headers[
        "Location"]))
    copied = answers_of(aws, "GM0034")
    assert copied["doel"] == COMPLETE_RAW["doel"]
    assert copied["methode"] == COMPLETE_RAW["methode"]
    assert copied["periode"] == COMPLETE_RAW["periode"]
    for own in ("toestemming_college", "aantal_benaderd", "aantal_respondenten", "populatie",
                "belangrijkste_uitkomsten", "rapport_url", "besproken_raad"):
        assert own not in copied, own
    assert not any(name.startswith("scores__") for name in copied)
    assert answers_of(aws, "GM0014")["toestemming_college"] == COMPLETE_RAW[
        "toestemming_college"]  # the source is untouched


def test_from_a_delivery_and_into_an_existing_draft_only_when_asked(browser, mailbox, aws,
                                                                      app_module):
    signed_in(browser, mailbox, codes=("GM0014", "GM0034"))
    fill_all(browser)
    send(browser)
    colleague = signed_in(Browser(app_module.app), mailbox, email="p.bakker@almere.nl",
                          codes=("GM0034",), naam="Piet Bakker")
    save(colleague, "opzet", [(n, v) for n, v in ALL["opzet"] if n != "doel"]
         + [("doel", "Piet begon hier.")], code="GM0034")
    page = text(browser.get(PAGE))
    assert "Aanlevering GM0014-2026-1 van Groningen (telt nu)" in page
    assert "Er is al een concept voor Almere, laatst gewijzigd door Piet Bakker" in page
    unasked = copy(browser, "aanlevering:GM0014")
    assert unasked.status_code == 400 and "Bevestig" in text(unasked)
    assert answers_of(aws, "GM0034")["doel"] == "Piet begon hier."
    stale = re.search(r'name="gezien" value="([^"]+)"', browser.get(PAGE).text).group(1)
    save(colleague, "uitvoering", ALL["uitvoering"], code="GM0034")  # Piet, meanwhile
    refused = copy(browser, "aanlevering:GM0014", confirm=True, seen=stale)
    assert refused.status_code == 409 and "Er is niets overgenomen" in text(refused)
    assert answers_of(aws, "GM0034")["doel"] == "Piet begon hier."
    asked = copy(browser, "aanlevering:GM0014", confirm=True)
    assert asked.status_code == 303
    copied = answers_of(aws, "GM0034")
    assert copied["doel"] == COMPLETE_RAW["doel"]
    assert copied["aantal_benaderd"] == COMPLETE_RAW["aantal_benaderd"]  # Piet's own, kept


def test_only_from_municipalities_one_represents(browser, mailbox, aws, app_module):
    signed_in(browser, mailbox, codes=("GM0014", "GM0034"))
    other = signed_in(Browser(app_module.app), mailbox, email="x@zwolle.nl",
                      codes=("GM0193",), naam="Ander")
    fill_all(other, code="GM0193")
    assert "waaruit iets over te nemen is" in text(browser.get(PAGE))  # no form to choose
    forged = copy(browser, "concept:GM0193", seen="0.0.")
    assert forged.status_code == 400 and answers_of(aws, "GM0034") == {}
    nothing = copy(browser, "concept:GM0014", seen="0.0.")  # Groningen has no draft yet
    assert nothing.status_code == 400 and answers_of(aws, "GM0034") == {}
