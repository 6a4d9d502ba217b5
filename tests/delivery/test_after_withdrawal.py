"""After the helpdesk withdraws a delivery, the shared draft still holds its answers (issue 24
§2): the start and review pages say which delivery was withdrawn and offer, in one click, to
start again from the delivery that counts now, or to keep the withdrawn answers as a draft."""
from __future__ import annotations

import html
import re

from tests.support.answers import with_answer
from tests.support.browser import Browser
from tests.support.flows import fill_all, save, send, signed_in
from tests.support.tables import scan

WITHDRAWN_TEXT = "De helpdesk heeft aanlevering GM0014-2026-2"


def text(response) -> str:
    """What the page says, without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.text))


def withdraw(helpdesk, number: str) -> None:
    page = f"/helpdesk/gemeente/GM0014/intrekken/{number}"
    done = helpdesk.submit(page, {"reden": "Verkeerde cijfers"}, form_page=page)
    assert done.status_code == 200 and "is ingetrokken" in done.text


def choose(browser, choice: str, page: str = "/gemeente/GM0014/controleren"):
    seen = re.search(r'name="gezien" value="([^"]+)"', browser.get(page).text).group(1)
    return browser.submit("/gemeente/GM0014/na-intrekking",
                          [("gezien", seen), ("keuze", choice)], form_page=page)


def draft(aws) -> dict:
    [item] = scan(aws, "DraftsTableName")
    return item


def two_sent_then_the_second_withdrawn(browser, mailbox, helpdesk):
    signed_in(browser, mailbox)
    fill_all(browser)
    send(browser)
    save(browser, "opzet", with_answer("opzet", "doel", "Het doel van de tweede."))
    send(browser)
    withdraw(helpdesk, "GM0014-2026-2")


def test_start_again_from_the_delivery_that_counts_in_one_click(browser, mailbox, helpdesk,
                                                                aws):
    two_sent_then_the_second_withdrawn(browser, mailbox, helpdesk)
    start = text(browser.get("/start"))
    assert "Aanlevering GM0014-2026-2 is ingetrokken" in start
    assert WITHDRAWN_TEXT in start and "(reden: Verkeerde cijfers)" in start
    assert "Nu telt aanlevering GM0014-2026-1" in start
    review = text(browser.get("/gemeente/GM0014/controleren"))
    assert "Aanlevering GM0014-2026-2 is ingetrokken" in review
    assert "Opnieuw beginnen met aanlevering GM0014-2026-1" in review
    assert draft(aws)["answers"]["S"].count("Het doel van de tweede.") == 1

    done = choose(browser, "geldige")
    assert done.status_code == 303
    after = text(browser.get(done.headers["Location"]))
    assert "De antwoorden zijn nu die van de aanlevering die telt" in after
    assert "is ingetrokken" not in after
    assert "Het doel van de tweede." not in after
    assert "Inzicht in de kwaliteit van de ondersteuning." in after
    stored = draft(aws)
    assert "Het doel van de tweede." not in stored["answers"]["S"]
    assert stored["status"]["S"] == "verzonden" and stored["sent_sequence"]["N"] == "1"
    assert "is ingetrokken" not in text(browser.get("/start"))
    assert len(scan(aws, "DeliveriesTableName")) == 2  # no delivery made or changed


def test_keep_the_withdrawn_answers_to_change_and_send_again(browser, mailbox, helpdesk, aws):
    two_sent_then_the_second_withdrawn(browser, mailbox, helpdesk)
    done = choose(browser, "houden", page="/start")
    assert done.status_code == 303
    after = text(browser.get(done.headers["Location"]))
    assert "U houdt de ingetrokken antwoorden als concept" in after
    assert "Het doel van de tweede." in after and "is ingetrokken" not in after
    assert draft(aws)["status"]["S"] == "concept"
    assert send(browser).headers["Location"].endswith("/gemeente/GM0014/verzonden/3")


def test_a_colleague_s_save_after_the_page_was_shown_is_never_replaced(browser, mailbox,
                                                                      helpdesk, aws,
                                                                      app_module):
    two_sent_then_the_second_withdrawn(browser, mailbox, helpdesk)
    page = browser.get("/gemeente/GM0014/controleren").text
    seen = re.search(r'name="gezien" value="([^"]+)"', page).group(1)
    colleague = signed_in(Browser(app_module.app), mailbox, email="e.jansen@groningen.nl",
                          naam="Els Jansen")
    save(colleague, "opzet", with_answer("opzet", "doel", "Els typte dit."))
    refused = browser.submit("/gemeente/GM0014/na-intrekking",
                             [("gezien", seen), ("keuze", "geldige")],
                             form_page="/gemeente/GM0014/controleren")
    assert refused.status_code == 409
    assert "Els typte dit." in draft(aws)["answers"]["S"]


def test_with_nothing_counting_only_keeping_is_offered(browser, mailbox, helpdesk, aws):
    signed_in(browser, mailbox)
    fill_all(browser)
    send(browser)
    withdraw(helpdesk, "GM0014-2026-1")
    start = text(browser.get("/start"))
    assert "Aanlevering GM0014-2026-1 is ingetrokken" in start
    assert "Er telt nu geen aanlevering" in start and "Opnieuw beginnen met" not in start
    forged = choose(browser, "geldige")  # nothing to start from: back to the page, unchanged
    assert forged.status_code == 303 and draft(aws)["status"]["S"] == "verzonden"
    bad = choose(browser, "iets")
    assert bad.status_code == 400
