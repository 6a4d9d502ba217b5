"""Veelgestelde vragen: one page, its content data in one file (accounts/data/faq.json) with
the stage's own sender, helpdesk and site filled in; linked from every footer (see
test_statements), the registration confirmation and the link mail."""
from __future__ import annotations

import html
import re
from pathlib import Path

from chalicelib.accounts import faq
from tests.support.flows import register

ROOT = Path(__file__).resolve().parents[2]
TOPICS = {  # what this service raises, by the anchor each answer has
    "geen-e-mail": "geen e-mail", "link-kwijt": "link kwijt",
    "meer-gemeenten": "meer dan één gemeente", "corrigeren": "verbeteren",
    "intrekken": "ingetrokken", "toestemming": "toestemming", "vier-ogen": "vier ogen",
    "publicatie": "gepubliceerd, wanneer en waar", "privacy": "mijn gegevens"}


def test_the_page_answers_the_questions_this_service_raises(browser):
    page = html.unescape(browser.get("/veelgestelde-vragen").text)
    assert "<h1>Veelgestelde vragen</h1>" in page
    for anchor, words in TOPICS.items():
        heading = re.search(f'<h3 id="{anchor}">([^<]+)</h3>', page)
        assert heading and words in heading.group(1).lower(), anchor
        assert f'<a href="#{anchor}">' in page  # the contents at the top
    # the sender to look for, the helpdesk and the privacy minimum, from the settings
    assert "Aanlevermodule CEO <noreply@aanlevermodule-ceo.nl>" in page
    assert "helpdesk@aanlevermodule-ceo.nl" in page and "minder dan 20 geldige" in page
    assert "{" not in page.split("<main")[1]  # no placeholder left


def test_the_stage_s_sender_and_site_are_named(browser, monkeypatch):
    from chalicelib.platform import config

    # MAIL_SENDER comes from the stage's settings (.chalice/config.json) on every request
    monkeypatch.setattr(config, "mail_sender", lambda: "CEO Wmo <post@ceo.example.nl>")
    monkeypatch.setenv("PUBLICATION_SITE_NAME", "wmo-uitkomsten.example.nl")
    page = html.unescape(browser.get("/veelgestelde-vragen").text)
    assert "CEO Wmo <post@ceo.example.nl>" in page
    assert "op de publicatiesite wmo-uitkomsten.example.nl" in page


def test_the_content_is_data_with_known_placeholders_only():
    used = set().union(*(faq.placeholders_in(text) for text in faq.texts()))
    assert used <= faq.PLACEHOLDERS
    template = (ROOT / "templates" / "faq.html").read_text(encoding="utf-8")
    assert "kwijt" not in template and "spam" not in template  # no prose in the template


def test_the_registration_confirmation_names_the_sender_and_links_the_faq(browser):
    response = register(browser, email="nieuw@groningen.nl")
    page = html.unescape(browser.get(response.headers["Location"]).text)
    assert "<h1>Controleer uw e-mail</h1>" in page
    assert "De e-mail komt van <strong>Aanlevermodule CEO</strong> (<span class=\"nr\">" \
           "noreply@aanlevermodule-ceo.nl</span>)" in page
    assert "spam" in page and "binnen twee minuten" in page
    assert 'href="/veelgestelde-vragen#geen-e-mail"' in page


def test_the_link_mail_links_the_faq(browser, mailbox):
    register(browser, email="nieuw@groningen.nl")
    [mail] = mailbox.to("nieuw@groningen.nl")
    assert re.search(r'href="https?://[^"]+/veelgestelde-vragen">veelgestelde vragen</a>',
                     mail.html)
    assert re.search(r"https?://\S+/veelgestelde-vragen", mail.text)
