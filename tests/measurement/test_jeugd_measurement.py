"""A CEO Jeugd measurement: the municipality chooses the parents' or the youths' list when it
sets one up (Wmo stays the default); clients then answer that list, the youths' in words a
12-year-old reads; a choice that is not on the list is a Dutch 400 and stores nothing."""
from __future__ import annotations

import html

from tests.support import measurement as m
from tests.support.browser import Browser
from tests.support.flows import signed_in
from tests.support.tables import scan


def test_a_jeugd_measurement_asks_the_youths_list_in_their_words(browser, mailbox, aws,
                                                                 app_module):
    signed_in(browser, mailbox)
    form = html.unescape(browser.get("/gemeente/GM0014/metingen").text)
    assert "CEO Jeugd: jongeren van 12 jaar en ouder" in form and "CEO Jeugd: ouders" in form
    path = m.measurement_path(m.create(browser, vragenlijst="jeugd-jongeren",
                                       naam="Jeugdhulp jongeren 2027"))
    [stored] = scan(aws, "Measurements")
    assert stored["instrument"]["S"] == "ceo-jeugd"
    assert stored["questionnaire_version"]["S"] == "jongeren-2026.1"
    client = Browser(app_module.app)  # a youth following the generic link
    started = client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    assert started.status_code == 303
    pages = html.unescape(client.get(started.headers["Location"]).text)
    assert "Wat vind jij van de hulp die je krijgt?" in pages
    assert "Ik werd snel geholpen" not in pages


def test_wmo_stays_the_default_and_an_unknown_list_is_refused(browser, mailbox, aws):
    signed_in(browser, mailbox)
    refused = m.create(browser, vragenlijst="zorg")
    assert refused.status_code == 400 and "Kies een vragenlijst uit de lijst" in refused.text
    assert scan(aws, "Measurements") == []
    m.measurement_path(m.create(browser))  # no choice posted: CEO Wmo, as before
    [stored] = scan(aws, "Measurements")
    assert (stored["instrument"]["S"], stored["questionnaire_version"]["S"]) == (
        "ceo-wmo", "2026.1")
