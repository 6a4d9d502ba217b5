"""One municipality, one draft, many hands: colleagues fill in one shared draft, see who did
what by name, never lose each other's work, and are asked before replacing a newer delivery."""
from __future__ import annotations

import html
import re

import pytest

from tests.support.answers import ALL
from tests.support.browser import Browser
from tests.support.flows import fill_all, page_path, save, send, signed_in, version_on
from tests.support.tables import scan

ELS = "e.jansen@groningen.nl"


@pytest.fixture()
def anna(browser, mailbox):
    return signed_in(browser, mailbox, codes=("GM0014",))


@pytest.fixture()
def els(anna, app_module, mailbox):
    colleague = Browser(app_module.app)
    signed_in(colleague, mailbox, email=ELS, codes=("GM0014",), naam="Els Jansen")
    return colleague


def post_section(browser, section, fields, version, action="later"):
    return browser.submit(page_path(section), [*fields, ("versie", version), ("actie", action)],
                          form_page="/start")


def test_two_colleagues_fill_different_sections_of_one_draft(anna, els, aws):
    seen_by_anna = version_on(anna.get(page_path("opzet")).text)
    seen_by_els = version_on(els.get(page_path("uitkomsten")).text)
    assert post_section(anna, "opzet", ALL["opzet"], seen_by_anna).status_code == 303
    assert post_section(els, "uitkomsten", ALL["uitkomsten"], seen_by_els).status_code == 303
    [draft] = scan(aws, "DraftsTableName")  # one draft for the municipality
    assert "Inzicht in de kwaliteit" in draft["answers"]["S"]
    assert "zijn tevreden." in draft["answers"]["S"]
    review = html.unescape(anna.get("/gemeente/GM0014/controleren").text)
    assert re.search(r"Doel en opzet van het onderzoek</h2>\s*<p class=\"caption\">Laatst "
                     r"gewijzigd door Anna de Vries, vandaag \d\d:\d\d</p>", review)
    assert re.search(r"Uitkomsten</h2>\s*<p class=\"caption\">Laatst gewijzigd door Els Jansen, "
                     r"vandaag \d\d:\d\d</p>", review)
    start = html.unescape(anna.get("/start").text)
    assert re.search(r"Laatst gewijzigd door Els Jansen, vandaag \d\d:\d\d", start)
    assert "Cliënten zijn tevreden." in html.unescape(els.get(page_path("uitkomsten")).text)


def test_a_colleagues_save_of_another_section_in_between_is_merged(anna, els, aws,
                                                                    monkeypatch):
    """Els saves between Anna's read and Anna's write: the write fails its version
    condition, and is retried on the fresh draft because Els touched another section."""
    from chalicelib.platform.models import Draft
    from chalicelib.questionnaire import drafts

    post_section(anna, "opzet", ALL["opzet"], "0")
    real_save = Draft.save
    interleaved = []

    def colleague_first(draft, *args, **kwargs):
        if not interleaved:
            interleaved.append(True)
            fresh = Draft.get(draft.key)
            fresh.answers = {**fresh.answers, "verbeteracties": "Van Els."}
            fresh.section_versions = {**fresh.section_versions, "opvolging": 1}
            real_save(fresh)
        return real_save(draft, *args, **kwargs)

    monkeypatch.setattr(drafts.Draft, "save", colleague_first)
    version = version_on(anna.get(page_path("uitvoering")).text)
    assert post_section(anna, "uitvoering", ALL["uitvoering"], version).status_code == 303
    [draft] = scan(aws, "DraftsTableName")
    assert "Van Els." in draft["answers"]["S"] and "Bureau Onderzoek" in draft["answers"]["S"]


def test_two_colleagues_saving_the_same_section_lose_nothing(anna, els, aws):
    seen = version_on(anna.get(page_path("opzet")).text)
    assert version_on(els.get(page_path("opzet")).text) == seen
    post_section(anna, "opzet", [*ALL["opzet"][1:], ("doel", "Doel van Anna")], seen)
    clash = post_section(els, "opzet", [*ALL["opzet"][1:], ("doel", "Doel van Els")], seen)
    assert clash.status_code == 409
    assert "Doel van Anna" in clash.text and "Doel van Els" in clash.text
    assert "Doel van Anna" in scan(aws, "DraftsTableName")[0]["answers"]["S"]


def test_reset_names_the_colleagues_and_empties_the_draft_for_everyone(anna, els, aws):
    post_section(els, "opzet", ALL["opzet"], "0")
    confirm = html.unescape(anna.get("/gemeente/GM0014/verwijderen").text)
    assert "Ook Els Jansen heeft aan deze antwoorden gewerkt" in confirm
    assert "voor iedereen die voor Groningen aanlevert" in confirm
    assert 'href="/gemeente/GM0014/verwijderen"' in anna.get(page_path("uitvoering")).text
    anna.submit("/gemeente/GM0014/verwijderen", {"bevestig": "ja"},
                form_page="/gemeente/GM0014/verwijderen")
    assert scan(aws, "DraftsTableName") == []
    assert "Inzicht in de kwaliteit" not in els.get(page_path("opzet")).text


def test_colleagues_read_as_names_in_history_and_confirmation(anna, els, mailbox):
    fill_all(els)
    send(els)
    start = anna.get("/start").text
    assert re.search(r"GM0014-2026-1</a></td><td[^>]*>[^<]+</td><td[^>]*>Els Jansen</td>", start)
    confirmation = anna.get("/gemeente/GM0014/verzonden/1").text
    assert "<dt>Door</dt><dd>Els Jansen</dd>" in confirmation
    [notice] = [m for m in mailbox.to("a.devries@groningen.nl")
                if "aanlevering gedaan" in m.subject]
    assert "door uw collega Els Jansen" in notice.text


def test_a_delivery_newer_than_the_draft_is_named_and_replaced_only_when_confirmed(
        anna, els, aws):
    """A draft that does not know the newest delivery (here: started before it, as drafts
    made before sharing did) would silently replace it: the review page says whose delivery
    it replaces, and the send refuses without an explicit yes."""
    from chalicelib.platform.models import Draft

    fill_all(els)
    send(els)
    save(anna, "opvolging", [*ALL["opvolging"][:-1], ("verbeteracties", "Andere acties.")])
    [item] = scan(aws, "DraftsTableName")
    draft = Draft.get(item["key"]["S"])
    draft.update(actions=[Draft.based_on.set(0)])
    review = html.unescape(anna.get("/gemeente/GM0014/controleren").text)
    assert "Er is intussen een nieuwere aanlevering" in review
    assert re.search(r"Els Jansen heeft op \d+ \w+ 2026 om \d\d:\d\d uur aanlevering "
                     r"GM0014-2026-1 verzonden", review)
    refused = anna.submit("/gemeente/GM0014/verzenden", {"bevestig_toestemming": "ja"},
                          form_page="/gemeente/GM0014/controleren")
    assert refused.status_code == 400 and "nieuwere aanlevering van uw collega" in \
        html.unescape(refused.text)
    assert len(scan(aws, "DeliveriesTableName")) == 1
    sent = anna.submit("/gemeente/GM0014/verzenden",
                       {"bevestig_toestemming": "ja", "bevestig_vervangen": "ja"},
                       form_page="/gemeente/GM0014/controleren")
    assert sent.headers["Location"] == "/gemeente/GM0014/verzonden/2"
    assert "nieuwere aanlevering" not in anna.get("/gemeente/GM0014/controleren").text
