"""One municipality, one draft, many hands: colleagues fill in one shared draft, see who did
what by name, never lose each other's work, and are asked before replacing a newer delivery."""
from __future__ import annotations

import html
import re

import pytest

from tests.support.answers import ALL, with_answer
from tests.support.browser import Browser
from tests.support.flows import (
    fill_all,
    page_path,
    reset,
    save,
    seen_on,
    send,
    signed_in,
    version_on,
)
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
    # the page names the colleague who saved in between, and when; no other tab is blamed
    told = html.unescape(clash.text)
    assert re.search(r"heeft uw collega Anna de Vries de antwoorden op deze pagina opgeslagen "
                     r"\(vandaag \d\d:\d\d\)", told), told
    assert "ander tabblad" not in told


def test_a_conflict_with_ones_own_other_tab_says_so(anna, aws):
    seen = version_on(anna.get(page_path("opzet")).text)
    post_section(anna, "opzet", [*ALL["opzet"][1:], ("doel", "Eerste tabblad")], seen)
    clash = post_section(anna, "opzet", [*ALL["opzet"][1:], ("doel", "Tweede tabblad")], seen)
    assert clash.status_code == 409
    told = html.unescape(clash.text)
    assert "ander tabblad of met de terugknop" in told and "uw collega" not in told


def test_reset_names_the_colleagues_and_empties_the_draft_for_everyone(anna, els, aws):
    post_section(els, "opzet", ALL["opzet"], "0")
    confirm = html.unescape(anna.get("/gemeente/GM0014/verwijderen").text)
    assert "Ook Els Jansen heeft aan deze antwoorden gewerkt" in confirm
    assert "voor iedereen die voor Groningen aanlevert" in confirm
    assert 'href="/gemeente/GM0014/verwijderen"' in anna.get(page_path("uitvoering")).text
    reset(anna)
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
    refused = send(anna)
    assert refused.status_code == 400 and "nieuwere aanlevering van uw collega" in \
        html.unescape(refused.text)
    assert len(scan(aws, "DeliveriesTableName")) == 1
    sent = send(anna, extra=[("bevestig_vervangen", "ja")])
    assert sent.headers["Location"] == "/gemeente/GM0014/verzonden/2"
    assert "nieuwere aanlevering" not in anna.get("/gemeente/GM0014/controleren").text


def _review_form(browser) -> list[tuple[str, str]]:
    """What the check-your-answers page's form would send (consent ticked), as shown now."""
    page = browser.get("/gemeente/GM0014/controleren").text
    return [("gezien", seen_on(page)), ("bevestig_toestemming", "ja")]


def test_sending_what_a_colleague_changed_after_the_review_is_refused(anna, els, aws):
    """Anna checks the answers; Els then rewrites the results; Anna's Verzenden must not send
    Els's text under Anna's name unseen."""
    fill_all(anna)
    reviewed = _review_form(anna)
    save(els, "uitkomsten", with_answer("uitkomsten", "belangrijkste_uitkomsten",
                                        "Tekst van Els."))
    refused = anna.submit("/gemeente/GM0014/verzenden", reviewed,
                          form_page="/gemeente/GM0014/controleren")
    shown = html.unescape(refused.text)
    assert refused.status_code == 409
    assert re.search(r"Gewijzigd sinds u controleerde: ‘Uitkomsten’ door Els Jansen "
                     r"\(vandaag \d\d:\d\d\)\. Er is niets verzonden\.", shown)
    assert "Tekst van Els." in shown  # the page now shows what would be sent
    assert scan(aws, "DeliveriesTableName") == []
    # having seen it, Anna sends it from the page as it is now
    sent = anna.submit("/gemeente/GM0014/verzenden", _review_form(anna),
                       form_page="/gemeente/GM0014/controleren")
    assert sent.status_code == 303
    [delivery] = scan(aws, "DeliveriesTableName")
    assert "Tekst van Els." in delivery["raw"]["S"]


def test_a_change_between_the_check_and_the_sending_transaction_is_refused(anna, els, aws,
                                                                           monkeypatch):
    """Els saves after Anna's send read the draft (and found it as reviewed) but before its
    transaction: the transaction's version condition refuses it and the page says what."""
    from chalicelib.delivery import sending

    fill_all(anna)
    reviewed = _review_form(anna)
    real_send = sending.send

    def els_saves_first(*args, **kwargs):
        save(els, "opvolging", with_answer("opvolging", "verbeteracties", "Van Els."))
        return real_send(*args, **kwargs)

    monkeypatch.setattr(sending, "send", els_saves_first)
    refused = anna.submit("/gemeente/GM0014/verzenden", reviewed,
                          form_page="/gemeente/GM0014/controleren")
    assert refused.status_code == 409
    assert re.search(r"Gewijzigd sinds u controleerde: ‘[^’]+’ door Els Jansen",
                     html.unescape(refused.text))
    assert scan(aws, "DeliveriesTableName") == []


def test_a_send_without_the_reviewed_version_sends_nothing(anna, aws):
    fill_all(anna)
    refused = anna.submit("/gemeente/GM0014/verzenden", {"bevestig_toestemming": "ja"},
                          form_page="/gemeente/GM0014/controleren")
    assert refused.status_code == 400
    assert "Er is niets verzonden" in html.unescape(refused.text)
    assert scan(aws, "DeliveriesTableName") == []


def test_removing_everything_keeps_a_colleagues_save_made_after_the_confirmation(
        anna, els, aws):
    save(anna, "opzet", ALL["opzet"])
    confirm = anna.get("/gemeente/GM0014/verwijderen").text
    save(els, "uitkomsten", ALL["uitkomsten"])
    refused = anna.submit("/gemeente/GM0014/verwijderen",
                          [("gezien", seen_on(confirm)), ("bevestig", "ja")],
                          form_page="/gemeente/GM0014/verwijderen")
    shown = html.unescape(refused.text)
    assert refused.status_code == 409
    assert re.search(r"Gewijzigd sinds u deze pagina opende: ‘Uitkomsten’ door Els Jansen "
                     r"\(vandaag \d\d:\d\d\)\. Er is niets verwijderd\.", shown)
    [draft] = scan(aws, "DraftsTableName")
    assert "zijn tevreden." in draft["answers"]["S"]  # Els's work is still there
    # from the page as it is now, removing everything is one click again
    done = anna.submit("/gemeente/GM0014/verwijderen",
                       [("gezien", seen_on(refused.text)), ("bevestig", "ja")],
                       form_page="/gemeente/GM0014/verwijderen")
    assert done.headers["Location"] == "/start?verwijderd=GM0014"
    assert scan(aws, "DraftsTableName") == []


def test_removing_everything_refuses_a_save_between_its_read_and_its_delete(anna, els, aws,
                                                                            monkeypatch):
    """Els saves after Anna's removal read the draft (as the confirmation showed it) but
    before its delete: the delete's condition keeps Els's work."""
    from chalicelib.platform.models import Draft

    save(anna, "opzet", ALL["opzet"])
    confirm = anna.get("/gemeente/GM0014/verwijderen").text
    real_delete = Draft.delete

    def els_saves_first(draft, *args, **kwargs):
        monkeypatch.setattr(Draft, "delete", real_delete)
        save(els, "uitkomsten", ALL["uitkomsten"])
        return real_delete(draft, *args, **kwargs)

    monkeypatch.setattr(Draft, "delete", els_saves_first)
    refused = anna.submit("/gemeente/GM0014/verwijderen",
                          [("gezien", seen_on(confirm)), ("bevestig", "ja")],
                          form_page="/gemeente/GM0014/verwijderen")
    assert refused.status_code == 409 and "Els Jansen" in html.unescape(refused.text)
    [draft] = scan(aws, "DraftsTableName")
    assert "zijn tevreden." in draft["answers"]["S"]
