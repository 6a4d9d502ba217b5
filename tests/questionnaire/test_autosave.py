"""Autosave (issue 24 §4, the 2021 manual's "onthoudt automatisch waar u bent gebleven"): the
page's script posts what is typed to /bewaren; it is kept as this person's unsaved input,
never written into the shared draft, and offered back when the page or the personal link is
opened again. The browser half (type, close the tab, reopen) is in tests/e2e."""
from __future__ import annotations

import html

import pytest

from tests.support.answers import ALL, ALL_JEUGD
from tests.support.browser import Browser
from tests.support.flows import page_path, save, signed_in, version_on
from tests.support.tables import scan

PAGE = page_path("opzet")
KEEP = PAGE + "/bewaren"
TYPED = "Getypt, nog niet opgeslagen."


def typed(browser, text: str = TYPED, version: str | None = None):
    """What the script posts: the page's fields as they are now."""
    fields = [(n, v) for n, v in ALL["opzet"] if n != "doel"] + [("doel", text)]
    return browser.submit(KEEP, [*fields, ("versie", version or version_on(
        browser.get(PAGE).text))], form_page=PAGE)


def stored_answers(aws) -> str:
    return "".join(item["answers"]["S"] for item in scan(aws, "DraftsTableName"))


def test_typed_input_is_kept_beside_the_draft_and_offered_back(browser, mailbox, aws,
                                                              app_module):
    signed_in(browser, mailbox)
    save(browser, "opzet", ALL["opzet"])
    kept = typed(browser)
    assert kept.status_code == 204
    assert TYPED not in stored_answers(aws)  # the shared draft is untouched
    page = html.unescape(browser.get(PAGE).text)
    assert "U had dit ingevuld maar het is nog niet opgeslagen" in page
    assert TYPED in page
    # following the personal link again in this browser leads to the page with it
    back = browser.get(mailbox.last_link("a.devries@groningen.nl"))
    assert back.headers["Location"].startswith(PAGE + "?hersteld=getypt-")
    # the next pause replaces what was kept, never adds a second copy
    typed(browser, "Tweede versie.")
    assert len(scan(aws, "PendingInputTableName")) == 1
    # a colleague sees their own page, not this person's typing
    colleague = signed_in(Browser(app_module.app), mailbox, email="e.jansen@groningen.nl",
                          naam="Els Jansen")
    assert "Tweede versie." not in colleague.get(PAGE).text
    # saving the page (the script adds the kept input's id) stores it and forgets the copy
    page = browser.get(PAGE).text
    kept_id = back.headers["Location"].split("hersteld=")[1]
    fields = [(n, v) for n, v in ALL["opzet"] if n != "doel"] + [("doel", "Tweede versie.")]
    saved = browser.submit(PAGE, [*fields, ("versie", version_on(page)),
                                  ("hersteld", kept_id), ("actie", "later")], form_page=PAGE)
    assert saved.status_code == 303
    assert "Tweede versie." in stored_answers(aws)
    assert scan(aws, "PendingInputTableName") == []
    assert "nog niet opgeslagen" not in browser.get(PAGE).text


def test_kept_typing_never_overwrites_a_colleague_s_later_save(browser, mailbox, aws,
                                                              app_module):
    signed_in(browser, mailbox)
    save(browser, "opzet", ALL["opzet"])
    old_version = version_on(browser.get(PAGE).text)
    colleague = signed_in(Browser(app_module.app), mailbox, email="e.jansen@groningen.nl",
                          naam="Els Jansen")
    typed(browser, version=old_version)
    fields = [(n, v) for n, v in ALL["opzet"] if n != "doel"] + [("doel", "Van Els.")]
    save(colleague, "opzet", fields)
    page = browser.get(PAGE).text
    assert TYPED in html.unescape(page)
    assert version_on(page) == old_version  # offered on the version it was typed on
    conflict = browser.submit(PAGE, [*[(n, v) for n, v in ALL["opzet"] if n != "doel"],
                                     ("doel", TYPED), ("versie", version_on(page)),
                                     ("actie", "later")], form_page=PAGE)
    assert conflict.status_code == 409
    assert "Van Els." in stored_answers(aws) and TYPED not in stored_answers(aws)


def test_without_a_session_or_the_form_s_token_nothing_is_kept(browser, mailbox, aws,
                                                               app_module):
    signed_in(browser, mailbox)
    token = browser.csrf_token(PAGE)
    stranger = Browser(app_module.app)
    refused = stranger.post_raw(KEEP, f"csrf_token={token}&doel=x&versie=1".encode(),
                                {"content-type": "application/x-www-form-urlencoded"})
    assert refused.status_code in (401, 403)
    forged = browser.post_raw(KEEP, b"csrf_token=nee&doel=x&versie=1",
                              {"content-type": "application/x-www-form-urlencoded"})
    assert forged.status_code == 403
    other = browser.submit(page_path("opzet", "GM0034") + "/bewaren",
                           [("doel", "x"), ("versie", "0")], form_page=PAGE)
    assert other.status_code == 404  # not a municipality this person represents
    assert scan(aws, "PendingInputTableName") == []


def test_typing_on_a_jeugd_page_is_kept_for_that_page_only(browser, mailbox, aws):
    """CEO Jeugd's pages autosave to their own /bewaren, the kept input names its instrument
    and is offered back on the Jeugd page, never on Wmo's page of the same name; typing on
    one never replaces what the other kept."""
    jeugd_page = page_path("opzet", instrument="ceo-jeugd")
    signed_in(browser, mailbox)
    save(browser, "opzet", ALL_JEUGD["opzet"], instrument="ceo-jeugd")
    save(browser, "opzet", ALL["opzet"])
    page = browser.get(jeugd_page).text
    assert f'data-bewaren="{jeugd_page}/bewaren"' in page
    fields = [(n, v) for n, v in ALL_JEUGD["opzet"] if n != "doel"] + [("doel", "Jeugd getypt.")]
    kept = browser.submit(jeugd_page + "/bewaren", [*fields, ("versie", version_on(page))],
                          form_page=jeugd_page)
    assert kept.status_code == 204
    [item] = scan(aws, "PendingInputTableName")
    assert item["instrument"]["S"] == "ceo-jeugd"
    assert "Jeugd getypt." in html.unescape(browser.get(jeugd_page).text)
    assert "Jeugd getypt." not in html.unescape(browser.get(PAGE).text)  # Wmo's own page
    back = browser.get(mailbox.last_link("a.devries@groningen.nl"))
    assert back.headers["Location"].startswith(jeugd_page + "?hersteld=getypt-")
    assert typed(browser).status_code == 204  # Wmo's typing: a second copy, its own
    assert len(scan(aws, "PendingInputTableName")) == 2
    wmo = html.unescape(browser.get(PAGE).text)
    assert TYPED in wmo and "Jeugd getypt." not in wmo
    assert TYPED not in html.unescape(browser.get(jeugd_page).text)
    # the Jeugd copy is still offered on its own page, though Wmo's was typed later
    assert "Jeugd getypt." in html.unescape(browser.get(jeugd_page).text)


def _type_on(browser, section: str, name: str, text: str, instrument: str = "ceo-wmo",
             code: str = "GM0014"):
    """What the page's script posts after a pause: one field of `section` as typed."""
    path = page_path(section, code, instrument)
    kept = browser.submit(path + "/bewaren", [(name, text), ("versie", version_on(
        browser.get(path).text))], form_page=path)
    assert kept.status_code == 204
    return path


def _offers(browser, path: str, text: str) -> bool:
    page = html.unescape(browser.get(path).text)
    return "U had dit ingevuld maar het is nog niet opgeslagen" in page and text in page


@pytest.mark.parametrize("first", ["ceo-wmo", "ceo-jeugd"])
def test_each_instrument_s_page_offers_its_own_typing_whichever_was_typed_last(
        browser, mailbox, aws, first):
    """A representative types on a Wmo page and then on a Jeugd page (or the other way
    round): opening either page again offers back what was typed on it, without a link."""
    second = "ceo-jeugd" if first == "ceo-wmo" else "ceo-wmo"
    signed_in(browser, mailbox)
    first_page = _type_on(browser, "opzet", "doel", "Eerst getypt.", first)
    second_page = _type_on(browser, "opzet", "doel", "Daarna getypt.", second)
    assert _offers(browser, first_page, "Eerst getypt.")
    assert _offers(browser, second_page, "Daarna getypt.")
    assert "Eerst getypt." not in html.unescape(browser.get(second_page).text)
    # the personal link leads to the page typed on last
    back = browser.get(mailbox.last_link("a.devries@groningen.nl"))
    assert back.headers["Location"].startswith(second_page + "?hersteld=getypt-")
    # saving the later page forgets its copy only: the earlier page still offers its own
    page = browser.get(second_page).text
    kept_id = back.headers["Location"].split("hersteld=")[1]
    instrument_answers = ALL if second == "ceo-wmo" else ALL_JEUGD
    fields = [(n, v) for n, v in instrument_answers["opzet"] if n != "doel"]
    saved = browser.submit(second_page, [*fields, ("doel", "Daarna getypt."),
                                         ("versie", version_on(page)), ("hersteld", kept_id),
                                         ("actie", "later")], form_page=second_page)
    assert saved.status_code == 303
    assert not _offers(browser, second_page, "Daarna getypt.")
    assert _offers(browser, first_page, "Eerst getypt.")
    assert browser.get(mailbox.last_link("a.devries@groningen.nl")).headers[
        "Location"].startswith(first_page + "?hersteld=getypt-")


def test_each_municipality_s_page_offers_its_own_typing(browser, mailbox, aws):
    signed_in(browser, mailbox, codes=("GM0014", "GM0034"))
    groningen = _type_on(browser, "opzet", "doel", "Voor Groningen.")
    almere = _type_on(browser, "opzet", "doel", "Voor Almere.", code="GM0034")
    assert _offers(browser, groningen, "Voor Groningen.")
    assert _offers(browser, almere, "Voor Almere.")
    assert "Voor Groningen." not in html.unescape(browser.get(almere).text)


def test_the_cookie_names_the_five_newest_pages_typed_on(browser, mailbox, aws):
    """The browser's cookie stays small: it names the kept input of the five pages typed on
    last; typing on a sixth page drops the oldest (still kept on the server until it expires
    or erasure, just no longer offered by itself)."""
    signed_in(browser, mailbox)
    pages = []
    for instrument in ("ceo-wmo", "ceo-jeugd"):
        for section, name in (("opzet", "doel"), ("uitvoering", "uitgevoerd_door"),
                              ("uitkomsten", "belangrijkste_uitkomsten")):
            text = f"{section} {instrument} getypt."
            pages.append((_type_on(browser, section, name, text, instrument), text))
    assert len(scan(aws, "PendingInputTableName")) == 6
    [cookie] = [v for k, v in browser.cookies.items() if k.endswith("ceo-terug")]
    assert len(cookie) < 400
    oldest, *newest = pages
    assert len(newest) == 5
    assert all(_offers(browser, path, text) for path, text in newest)
    assert not _offers(browser, *oldest)
    # typing on the oldest page again brings it back and drops the next oldest
    _type_on(browser, "opzet", "doel", oldest[1])
    assert _offers(browser, *oldest) and not _offers(browser, *newest[0])
    assert all(_offers(browser, path, text) for path, text in newest[1:])


def test_a_cookie_names_nothing_it_lets_anyone_else_read(browser, mailbox, aws, app_module):
    """Two colleagues on one computer: what one typed is never offered to the other, though
    the browser's cookie names it (the kept input is read only for its owner)."""
    signed_in(browser, mailbox)
    _type_on(browser, "opzet", "doel", "Van Anna.")
    cookie = next(v for k, v in browser.cookies.items() if k.endswith("ceo-terug"))
    colleague = signed_in(Browser(app_module.app), mailbox, email="e.jansen@groningen.nl",
                          naam="Els Jansen")
    colleague.cookies.update({k: v for k, v in browser.cookies.items()
                              if k.endswith("ceo-terug")})
    assert "Van Anna." not in colleague.get(PAGE).text
    assert colleague.get(mailbox.last_link("e.jansen@groningen.nl")).headers[
        "Location"] == "/start"
    # Els typing on the same page keeps Anna's entry in the cookie beside her own
    _type_on(colleague, "opzet", "doel", "Van Els.")
    mine = next(v for k, v in colleague.cookies.items() if k.endswith("ceo-terug"))
    assert cookie in mine and _offers(colleague, PAGE, "Van Els.")


def test_a_cookie_from_before_pages_were_told_apart_still_leads_back(browser, mailbox, aws):
    """A browser that kept input before this release holds one bare id: its page still
    offers it, and typing elsewhere keeps it named beside the new entry."""
    signed_in(browser, mailbox)
    _type_on(browser, "opzet", "doel", "Van voor de wijziging.")
    [item] = scan(aws, "PendingInputTableName")
    name = next(k for k in browser.cookies if k.endswith("ceo-terug"))
    browser.cookies[name] = item["id"]["S"]
    jeugd = _type_on(browser, "opzet", "doel", "Jeugd erna.", "ceo-jeugd")
    assert _offers(browser, PAGE, "Van voor de wijziging.")
    assert _offers(browser, jeugd, "Jeugd erna.")
