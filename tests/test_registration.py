"""Registration as a municipal representative experiences it."""
from __future__ import annotations

import re

import pytest

VALID = {"naam": "Anna de Vries", "email": "a.devries@groningen.nl", "telefoon": "050 367 91 11",
         "namens": "ja"}


def register(browser, email="a.devries@groningen.nl", codes=("GM0014",), **overrides):
    fields = [(k, v) for k, v in {**VALID, "email": email, **overrides}.items()]
    fields += [("gemeente", code) for code in codes]
    return browser.submit("/", fields)


def test_registration_page_lists_all_342_municipalities(browser):
    page = browser.get("/")
    assert page.status_code == 200
    assert len(re.findall(r'type="checkbox" name="gemeente"', page.text)) == 342
    assert "'s-Gravenhage" in page.text or "&#39;s-Gravenhage" in page.text
    assert "namens" in page.text


def test_registration_mails_a_link_that_opens_the_start_page(browser, mailbox):
    response = register(browser, codes=("GM0014", "GM0034"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/aangemeld"
    assert "Controleer uw e-mail" in browser.get("/aangemeld").text

    [mail] = mailbox.to("a.devries@groningen.nl")
    code = re.search(r"persoonlijke code is: ([A-Z0-9]{4}-[A-Z0-9]{4})", mail.text).group(1)
    assert code in mail.subject and code in mail.html
    link = mailbox.last_link("a.devries@groningen.nl")
    assert link in mail.html
    assert "Groningen" in mail.text and "Almere" in mail.text

    landing = browser.get(link)
    assert landing.status_code == 303
    assert landing.headers["Location"] == "/start"
    start = browser.get("/start")
    assert start.status_code == 200
    assert "Groningen" in start.text and "Almere" in start.text
    assert "Nog niet begonnen" in start.text
    assert code in start.text
