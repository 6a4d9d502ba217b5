"""The privacy statement and the accessibility statement: public, in Dutch, saying what the
code does (retention, lifetimes, cookies), and linked from the footer of every page."""
from __future__ import annotations

import re

import pytest

STATEMENTS = ('href="/privacyverklaring">Privacyverklaring</a>',
              'href="/toegankelijkheidsverklaring">Toegankelijkheidsverklaring</a>')
FOOTER = (*STATEMENTS, 'href="/veelgestelde-vragen">Veelgestelde vragen</a>')
# The pages clients answer on (no account): both statements, not the municipalities' FAQ
CLIENT_PAGES = ("/a/", "/m/", "/code", "/antwoorden", "/tablet")


def test_both_statements_are_public_and_dutch(browser):
    privacy = browser.get("/privacyverklaring")
    assert privacy.status_code == 200 and "<h1>Privacyverklaring</h1>" in privacy.text
    for words in ("Wie is verantwoordelijk", "Hoe lang wij gegevens bewaren", "Cookies",
                  "Autoriteit Persoonsgegevens", "artikel 2.5.1", "helpdesk@aanlevermodule-ceo.nl",
                  "Frankfurt (Europese Unie)", "ceo-sessie", "ceo-csrf"):
        assert words in privacy.text, words
    accessible = browser.get("/toegankelijkheidsverklaring")
    assert accessible.status_code == 200
    for words in ("WCAG) 2.1 op niveau AA", "eerste maatregelen genomen", "Nationale ombudsman",
                  "070 123 45 67", "De beheerder van de Aanlevermodule CEO wil"):
        assert words in accessible.text, words


def test_the_privacy_statement_says_what_the_retention_settings_do(browser, monkeypatch):
    default = browser.get("/privacyverklaring").text
    assert "30 dagen na uw laatste activiteit" in default
    assert "volledige aanleverperiode" in default and "14 dagen" in default
    monkeypatch.setenv("RETENTION_UNATTACHED_DAYS", "45")
    monkeypatch.setenv("RETENTION_INACTIVE", "400")
    monkeypatch.setenv("PRIVACY_CONTROLLER", "het Ministerie van Voorbeelden")
    changed = browser.get("/privacyverklaring").text
    assert "45 dagen na uw laatste activiteit" in changed
    assert "als u 400 dagen niets" in changed
    assert "verantwoordelijk voor de verwerking van uw persoonsgegevens is het Ministerie" \
        in changed.replace("Verantwoordelijk", "verantwoordelijk")
    monkeypatch.setenv("RETENTION_INACTIVE", "off")
    assert "Uw gegevens worden ook gewist" not in browser.get("/privacyverklaring").text


def test_the_privacy_statement_says_how_long_a_client_s_contact_is_kept(browser, monkeypatch):
    default = browser.get("/privacyverklaring").text
    assert "één herinnering 7 dagen later" in default
    assert "zodra de uitnodigingen verstuurd zijn" in default  # an uploaded list
    assert "aan de gemeente die u uitnodigde" in default
    monkeypatch.setenv("MEASUREMENT_REMINDER_DAYS", "10")
    assert "één herinnering 10 dagen later" in browser.get("/privacyverklaring").text


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path).replace("/gemeente/x", "/gemeente/GM0014")


@pytest.mark.parametrize("who", ["anonymous", "representative", "helpdesk"])
def test_every_page_links_both_statements_in_its_footer(app_module, delivered, helpdesk, who):
    from tests.support.browser import Browser

    agent = {"anonymous": Browser(app_module.app), "representative": delivered,
             "helpdesk": helpdesk}[who]
    checked = 0
    for path, methods in app_module.app.routes.items():
        if "GET" not in methods:
            continue
        response = agent.get(_concrete(path))  # the page, or the Dutch error page
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue  # assets, CSV and JSON downloads
        wanted = STATEMENTS if path.startswith(CLIENT_PAGES) else FOOTER
        assert all(link in response.text for link in wanted), (who, path,
                                                               response.status_code)
        checked += 1
    assert checked > 15
