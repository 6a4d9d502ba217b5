"""The personal link, the session it opens, and asking for a new link."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.flows import register
from tests.support.tables import scan


@pytest.fixture()
def registered(browser, mailbox):
    register(browser, codes=("GM0014", "GM0034"))
    return mailbox.last_link("a.devries@groningen.nl")


def registrant_item(aws):
    [item] = scan(aws, "RegistrantsTableName")
    return item


def test_following_the_link_sets_a_safe_session_cookie_and_drops_the_token(browser, registered):
    response = browser.get(registered)
    assert response.status_code == 303
    assert response.headers["Location"] == "/start"
    [cookie] = [c for c in response.headers["Set-Cookie"] if c.startswith("ceo-sessie=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert registered.split("/link/")[1] not in cookie


def test_the_link_is_reusable_and_a_visit_changes_nothing(browser, registered, aws):
    before = registrant_item(aws)
    for _ in range(3):  # e.g. a mail scanner opening it first, then the user twice
        assert browser.get(registered).headers["Location"] == "/start"
    assert registrant_item(aws) == before


@pytest.mark.parametrize("mangle", [
    lambda token: token[:-1],                                   # truncated
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # one character off
    lambda token: "0" * 32 + "." + token.split(".")[1],         # other registrant id
    lambda token: token.split(".")[0] + "." + "A" * 32,          # forged secret
    lambda token: "x" * 5000,
    lambda token: "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
])
def test_unknown_or_forged_links_get_a_friendly_page_and_no_session(browser, registered, mangle):
    token = registered.split("/link/")[1]
    response = browser.get("/link/" + mangle(token))
    assert response.status_code == 404
    assert "Deze link werkt niet" in response.text
    assert 'action="/nieuwe-link"' in response.text
    assert "ceo-sessie" not in browser.cookies
    assert browser.get("/start").status_code == 401


def test_expired_link_says_so(browser, registered, aws, app_module):
    from chalicelib.platform.models import Registrant

    registrant = Registrant.get(registrant_item(aws)["id"]["S"])
    registrant.update(actions=[Registrant.link_expires_at.set(
        datetime.now(UTC) - timedelta(minutes=1))])
    response = browser.get(registered)
    assert response.status_code == 410
    assert "verlopen" in response.text
    assert "ceo-sessie" not in browser.cookies


def test_a_revoked_link_stops_working_and_ends_its_sessions(browser, registered, aws):
    from chalicelib.accounts import registration
    from chalicelib.platform.models import Registrant

    browser.get(registered)
    assert browser.get("/start").status_code == 200
    registration.revoke_link(Registrant.get(registrant_item(aws)["id"]["S"]))
    assert browser.get("/start").status_code == 401
    assert browser.get(registered).status_code == 404


def test_a_new_link_adds_and_ends_no_session(browser, registered, mailbox):
    """Anyone who knows an address may ask for a link: that must not sign its owner out, nor
    break the link already in their mailbox."""
    browser.get(registered)
    response = browser.submit("/nieuwe-link", {"email": "A.DeVries@groningen.nl"})
    assert response.status_code == 303 and response.headers["Location"] == "/link-aangevraagd"
    new = mailbox.last_link("a.devries@groningen.nl")
    assert new != registered
    assert browser.get("/start").status_code == 200  # the open session goes on
    assert browser.get(registered).status_code == 303  # the earlier link still works
    assert browser.get(new).status_code == 303
    assert browser.get("/start").status_code == 200


def test_the_new_link_pages_and_mail_say_earlier_links_keep_working(browser, registered,
                                                                   mailbox):
    """Earlier links keep working after a new one (test above); no text may say otherwise, and
    each says what does end them: the helpdesk's revoke."""
    form = browser.get("/nieuwe-link").text
    assert "werkt daarna niet meer" not in form
    assert "eerdere links blijven ook werken" in form and "om uw links in te trekken" in form
    sent = browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"})
    requested = browser.get(sent.headers["Location"]).text
    assert "Eerdere links blijven ook werken" in requested
    assert "alleen de helpdesk uw links intrekken" in requested
    mail = mailbox.to("a.devries@groningen.nl")[-1]
    for part in (mail.text, mail.html):
        assert "Ook links uit eerdere e-mails blijven werken" in part
        assert "vraag dan de helpdesk uw links in te trekken" in part


def test_new_link_answer_is_the_same_for_unknown_addresses(browser, registered, mailbox):
    known = browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"})
    unknown = browser.submit("/nieuwe-link", {"email": "niemand@groningen.nl"})
    assert (known.status_code, known.headers["Location"], known.body) == \
        (unknown.status_code, unknown.headers["Location"], unknown.body)
    assert mailbox.to("niemand@groningen.nl") == []
    assert "Als dit e-mailadres bij ons bekend is" in browser.get("/link-aangevraagd").text


def test_new_link_form_validates_the_address(browser):
    response = browser.submit("/nieuwe-link", {"email": "geen-adres"})
    assert response.status_code == 400
    assert "Vul een geldig e-mailadres in" in response.text
    assert 'value="geen-adres"' in response.text


def test_new_link_requests_are_rate_limited_per_address(browser, registered, mailbox):
    statuses = [browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"}).status_code
                for _ in range(6)]
    # 5 per address per window (the registration's link has a budget of its own)
    assert statuses == [303, 303, 303, 303, 303, 429]
    assert len(mailbox.to("a.devries@groningen.nl")) == 6


@pytest.fixture()
def network(monkeypatch):
    """Which network address the next requests come from."""
    from chalicelib.accounts import pages

    where = {"ip": "192.0.2.1"}
    monkeypatch.setattr(pages, "client_ip", lambda request: where["ip"])
    return where


def test_someone_elses_attempts_do_not_use_up_the_owners_budget(browser, registered,
                                                                mailbox, network):
    network["ip"] = "198.51.100.66"  # someone typing the owner's address, from elsewhere
    for _ in range(5):
        assert register(browser).status_code == 303
    assert register(browser).status_code == 429
    for _ in range(5):
        browser.submit("/nieuwe-link", {"email": "A.deVries+x@groningen.nl"})
    assert browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"}).status_code \
        == 429
    network["ip"] = "192.0.2.1"  # the owner, at the office
    sent = len(mailbox.to("a.devries@groningen.nl"))
    assert browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"}).status_code \
        == 303
    assert len(mailbox.to("a.devries@groningen.nl")) == sent + 1


def test_a_mailbox_is_not_flooded_from_many_network_addresses(browser, registered, mailbox,
                                                             network):
    statuses = []
    for n in range(25):
        network["ip"] = f"203.0.113.{n}"
        statuses.append(browser.submit("/nieuwe-link",
                                       {"email": "a.devries@groningen.nl"}).status_code)
    assert statuses == [303] * 20 + [429] * 5  # 4 x the per-address limit, then no more


def test_sign_out_ends_the_session(browser, registered):
    browser.get(registered)
    response = browser.submit("/uitloggen", {}, form_page="/start")
    assert response.status_code == 303 and response.headers["Location"] == "/uitgelogd"
    assert "U bent uitgelogd" in browser.get("/uitgelogd").text
    assert browser.get("/start").status_code == 401


def test_start_page_without_session_explains_how_to_get_in(browser):
    response = browser.get("/start")
    assert response.status_code == 401
    assert "persoonlijke link" in response.text and "/nieuwe-link" in response.text


def test_tampered_session_cookie_is_ignored(browser, registered):
    browser.get(registered)
    browser.cookies["ceo-sessie"] = browser.cookies["ceo-sessie"][:-2] + "xx"
    assert browser.get("/start").status_code == 401


def test_session_expires(browser, registered, monkeypatch):
    import itsdangerous

    browser.get(registered)
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp",
                        lambda self: real(self) + 13 * 3600)
    assert browser.get("/start").status_code == 401
