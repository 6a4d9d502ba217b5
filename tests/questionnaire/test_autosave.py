"""Autosave (issue 24 §4, the 2021 manual's "onthoudt automatisch waar u bent gebleven"): the
page's script posts what is typed to /bewaren; it is kept as this person's unsaved input,
never written into the shared draft, and offered back when the page or the personal link is
opened again. The browser half (type, close the tab, reopen) is in tests/e2e."""
from __future__ import annotations

import html

from tests.support.answers import ALL
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
    from tests.support.answers import ALL_JEUGD

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
    # the Jeugd copy is still there, under the link that names it
    assert "Jeugd getypt." in html.unescape(browser.get(back.headers["Location"]).text)
