"""Sessions as a real browser keeps them (cookies expire by Max-Age on a clock that moves):
nothing typed is lost whatever ended the session, a new link ends nothing, signing out holds
server-side, and links last the whole delivery season."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from tests.support.answers import ALL
from tests.support.browser import Browser
from tests.support.clock import Clock
from tests.support.flows import page_path, version_on
from tests.support.tables import scan

EMAIL = "els@groningen.nl"
SECTION = "uitvoering"
TYPED = [(n, v) for n, v in ALL[SECTION] if n not in ("uitgevoerd_door", "aantal_benaderd")] + \
    [("uitgevoerd_door", "Bureau Onderzoek B.V."), ("aantal_benaderd", "1.200")]


def _form(agent: Browser, path: str) -> tuple[str, str | None]:
    """(form token, version) from the page, as a person who opens it."""
    text = agent.get(path).text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', text).group(1)
    return token, (version_on(text) if 'name="versie"' in text else None)


def _post(agent: Browser, path: str, pairs: list[tuple[str, str]]):
    return agent.post_raw(path, urlencode(pairs).encode())


def _link(mailbox) -> str:
    return mailbox.last_link(EMAIL)


def _register(agent: Browser, email: str = EMAIL):
    return agent.submit("/", [("naam", "Els de Vries"), ("email", email),
                              ("telefoon", "050 367 9111"), ("gemeente", "GM0014"),
                              ("namens", "ja")])


@pytest.fixture()
def person(aws, app_module, mailbox):
    agent = Browser(app_module.app)
    assert _register(agent).status_code == 303
    assert agent.get(_link(mailbox)).status_code == 303
    return agent


def _page() -> str:
    return page_path(SECTION)


def _stored_answers(aws) -> str:
    items = scan(aws, "DraftsTableName")
    return items[0]["answers"]["S"] if items else ""


def _post_typed(agent, token: str, version: str):
    return _post(agent, _page(), [("csrf_token", token), *TYPED, ("versie", version),
                                  ("actie", "volgende")])


def _comes_back_after_signing_in(agent, mailbox, aws) -> None:
    """Following the link again leads to the page with the input, not saved until clicked."""
    landing = agent.get(_link(mailbox))
    assert landing.headers["Location"].startswith(_page() + "?hersteld=")
    shown = agent.get(landing.headers["Location"]).text
    assert "U had dit ingevuld maar het is nog niet opgeslagen" in shown
    assert 'value="Bureau Onderzoek B.V."' in shown
    assert "Bureau Onderzoek" not in _stored_answers(aws)  # never applied silently
    kept = re.search(r'name="hersteld" value="([^"]+)"', shown).group(1)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', shown).group(1)
    version = re.search(r'name="versie" value="(\d+)"', shown).group(1)
    saved = _post(agent, _page(), [("csrf_token", token), *TYPED, ("versie", version),
                                   ("hersteld", kept)])
    assert saved.status_code == 303
    assert "Bureau Onderzoek" in _stored_answers(aws)


def test_a_page_left_open_past_the_session_keeps_its_input(person, mailbox, aws, monkeypatch):
    token, version = _form(person, _page())
    Clock(monkeypatch).advance(13)  # the form stayed open overnight; the session is 12 h
    assert person.holds("ceo-sessie")  # a real browser still holds (and sends) the cookie
    refused = _post_typed(person, token, version)
    assert refused.status_code == 401
    assert "Uw invoer op deze pagina is niet verloren" in refused.text
    _comes_back_after_signing_in(person, mailbox, aws)


def test_a_page_posted_after_signing_out_in_another_tab_keeps_its_input(person, mailbox, aws):
    token, version = _form(person, _page())
    assert person.submit("/uitloggen", [], form_page="/start").status_code == 303
    refused = _post_typed(person, token, version)
    assert refused.status_code == 401
    assert "Uw invoer op deze pagina is niet verloren" in refused.text
    _comes_back_after_signing_in(person, mailbox, aws)


def test_a_page_posted_after_the_helpdesk_revoked_the_link_keeps_its_input(person, aws):
    from chalicelib.accounts import registrants, registration

    token, version = _form(person, _page())
    registration.revoke_link(registrants.find_by_email(EMAIL))
    refused = _post_typed(person, token, version)
    assert refused.status_code == 401
    assert "Uw invoer op deze pagina is niet verloren" in refused.text
    assert scan(aws, "PendingInputTableName")


def test_a_stale_form_token_keeps_the_input_and_leads_straight_back(person, aws):
    _, version = _form(person, _page())
    refused = _post_typed(person, "0" * 64, version)  # e.g. a form from before a long weekend
    assert refused.status_code == 403
    back = re.search(r'href="([^"]+hersteld=[^"]+)"', refused.text).group(1)
    shown = person.get(back.replace("&amp;", "&")).text
    assert "U had dit ingevuld maar het is nog niet opgeslagen" in shown
    assert 'value="Bureau Onderzoek B.V."' in shown
    assert "Bureau Onderzoek" not in _stored_answers(aws)


def test_without_any_session_cookie_nothing_is_kept(aws, app_module):
    stranger = Browser(app_module.app)
    token, _ = _form(stranger, "/")
    refused = _post_typed(stranger, token, "0")
    assert refused.status_code == 401
    assert scan(aws, "PendingInputTableName") == []


def test_kept_input_is_never_shown_to_someone_else(person, mailbox, aws, app_module):
    token, version = _form(person, _page())
    person.submit("/uitloggen", [], form_page="/start")
    _post_typed(person, token, version)
    [kept] = scan(aws, "PendingInputTableName")
    other = Browser(app_module.app)
    _register(other, "piet@groningen.nl")
    other.get(mailbox.last_link("piet@groningen.nl"))
    shown = other.get(f"{_page()}?hersteld={kept['id']['S']}").text
    assert "Bureau Onderzoek" not in shown


def test_signing_out_holds_server_side_even_for_a_copied_cookie(person):
    copied = dict(person.cookies)
    assert person.submit("/uitloggen", [], form_page="/start").status_code == 303
    assert person.get("/start").status_code == 401
    person.cookies = copied  # the cookie as it was before signing out, replayed
    assert person.get("/start").status_code == 401


def test_signing_out_everywhere_ends_every_device_but_not_the_links(person, mailbox,
                                                                     app_module):
    phone = Browser(app_module.app)
    assert phone.get(_link(mailbox)).status_code == 303
    assert phone.get("/start").status_code == 200
    ended = person.submit("/overal-uitloggen", [], form_page="/start")
    assert ended.headers["Location"] == "/uitgelogd?overal=ja"
    assert "op al uw apparaten uitgelogd" in person.get("/uitgelogd?overal=ja").text
    assert person.get("/start").status_code == 401
    assert phone.get("/start").status_code == 401
    assert phone.get(_link(mailbox)).status_code == 303  # the link opens a new session
    assert phone.get("/start").status_code == 200


def test_a_new_link_asked_by_anyone_ends_no_session(person, mailbox, app_module):
    stranger = Browser(app_module.app)
    assert stranger.submit("/nieuwe-link", [("email", EMAIL)]).status_code == 303
    assert person.get("/start").status_code == 200
    token, version = _form(person, _page())
    assert _post_typed(person, token, version).status_code == 303  # the page being typed saves


def test_the_form_token_cookie_is_renewed_with_use(aws, app_module, monkeypatch):
    """The form token's cookie lives 7 days from the last page shown, not from the first."""
    clock = Clock(monkeypatch)
    agent = Browser(app_module.app)
    agent.get("/")  # day 0: the cookie is set
    clock.advance(6.5 * 24)
    token, _ = _form(agent, "/")  # day 6½: the form is opened
    clock.advance(24)  # day 7½: sent
    response = _post(agent, "/", [("csrf_token", token), ("naam", "Els de Vries"),
                                  ("email", EMAIL), ("telefoon", "050 367 9111"),
                                  ("gemeente", "GM0014"), ("namens", "ja")])
    assert response.status_code == 303


def test_links_last_the_delivery_season(aws, app_module, mailbox, monkeypatch):
    monkeypatch.setenv("DELIVERY_DEADLINE", "2026-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2026-10-31")
    from chalicelib.platform import config

    issued = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)  # a link from January
    expiry = config.link_expiry(issued)
    assert expiry.isoformat() == "2026-10-31T22:59:59+00:00"  # 31 October, 23:59:59 CET
    monkeypatch.delenv("DELIVERY_LATE_UNTIL")
    assert config.link_expiry(issued).isoformat() == "2026-06-30T21:59:59+00:00"  # deadline


def test_the_mail_and_start_page_state_the_links_last_day(aws, app_module, mailbox,
                                                           monkeypatch):
    monkeypatch.setenv("DELIVERY_DEADLINE", "2099-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2099-10-31")
    agent = Browser(app_module.app)
    _register(agent)
    [mail] = mailbox.to(EMAIL)
    assert "werkt tot en met 31 oktober 2099" in mail.text
    agent.get(_link(mailbox))
    assert "werkt tot en met 31 oktober 2099" in agent.get("/start").text


def test_a_municipality_is_added_inside_the_session(person, mailbox, aws):
    mails_before = len(mailbox.all())
    page = person.get("/gemeenten-toevoegen").text
    assert 'value="GM0014"' not in page and 'value="GM0034"' in page  # not their own again
    added = person.submit("/gemeenten-toevoegen", [("gemeente", "GM0034")])
    assert added.status_code == 303
    start = person.get(added.headers["Location"])
    assert start.status_code == 200  # still signed in
    assert "Toegevoegd: Almere." in start.text and "Almere" in start.text
    assert person.get("/gemeente/GM0034/vragen/opzet").status_code == 200
    assert len(mailbox.all()) == mails_before  # no new link needed


def test_adding_a_municipality_holds_it_when_the_address_does_not_match(person, monkeypatch):
    from chalicelib.helpdesk import actions

    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    added = person.submit("/gemeenten-toevoegen", [("gemeente", "GM0034")])
    start = person.get(added.headers["Location"]).text
    assert "De helpdesk controleert eerst" in start and "Almere" in start
    assert person.get("/gemeente/GM0034/vragen/opzet").status_code == 404
    assert [request.codes for request in actions.held_requests()] == [["GM0034"]]


@pytest.mark.parametrize("pairs,message", [
    ([], "Kies minstens één gemeente"),
    ([("gemeente", "GM9999")], "Kies gemeenten uit de lijst"),
    ([("gemeente", "<script>")], "Kies gemeenten uit de lijst"),
])
def test_adding_nothing_or_an_unknown_municipality_is_explained(person, pairs, message):
    refused = person.submit("/gemeenten-toevoegen", pairs)
    assert refused.status_code == 400 and message in refused.text
    assert "<script>" not in refused.text


def test_adding_a_municipality_needs_a_session(aws, app_module):
    stranger = Browser(app_module.app)
    assert stranger.get("/gemeenten-toevoegen").status_code == 401
    refused = stranger.submit("/gemeenten-toevoegen", [("gemeente", "GM0034")],
                              form_page="/nieuwe-link")
    assert refused.status_code == 401


def _keep_after_sign_out(agent: Browser, aws) -> str:
    """Signs out in another tab, then posts the page left open: its input is kept."""
    token, version = _form(agent, _page())
    assert agent.submit("/uitloggen", [], form_page="/start").status_code == 303
    assert _post_typed(agent, token, version).status_code == 401
    [kept] = scan(aws, "PendingInputTableName")
    return kept["id"]["S"]


def test_saving_with_someone_elses_kept_input_id_leaves_it_alone(person, mailbox, aws,
                                                                  app_module):
    kept = _keep_after_sign_out(person, aws)
    piet = Browser(app_module.app)
    _register(piet, "piet@groningen.nl")
    piet.get(mailbox.last_link("piet@groningen.nl"))
    token, version = _form(piet, _page())
    saved = _post(piet, _page(), [("csrf_token", token), *ALL[SECTION], ("versie", version),
                                  ("hersteld", kept), ("actie", "volgende")])
    assert saved.status_code == 303  # Piet's own page is saved
    assert [i["id"]["S"] for i in scan(aws, "PendingInputTableName")] == [kept]  # Els's stays
    landing = person.get(_link(mailbox))  # and is still offered to Els
    assert landing.headers["Location"] == f"{_page()}?hersteld={kept}"
    shown = person.get(landing.headers["Location"]).text
    assert 'value="Bureau Onderzoek B.V."' in shown


def test_an_erased_registrants_cookie_keeps_nothing(person, aws):
    from chalicelib.accounts import personal_data, registrants

    token, version = _form(person, _page())
    personal_data.erase(registrants.find_by_email(EMAIL))
    refused = _post_typed(person, token, version)
    assert refused.status_code == 401
    assert "niet verloren" not in refused.text
    assert scan(aws, "PendingInputTableName") == []


def test_a_cookie_keeps_nothing_for_a_municipality_its_owner_does_not_represent(person, aws):
    token, version = _form(person, _page())
    person.submit("/uitloggen", [], form_page="/start")
    refused = _post(person, page_path(SECTION, "GM0034"),
                    [("csrf_token", token), *TYPED, ("versie", version)])
    assert refused.status_code == 401 and "niet verloren" not in refused.text
    assert scan(aws, "PendingInputTableName") == []


def test_a_registrant_removed_from_the_municipality_keeps_nothing_there(person, aws):
    from chalicelib.accounts import registrants
    from chalicelib.helpdesk import actions

    token, version = _form(person, _page())
    person.submit("/uitloggen", [], form_page="/start")
    actions.set_membership("medewerker@helpdesk.nl", registrants.find_by_email(EMAIL),
                           "GM0014", False, "vertrokken")
    refused = _post_typed(person, token, version)
    assert refused.status_code == 401 and "niet verloren" not in refused.text
    assert scan(aws, "PendingInputTableName") == []


def test_erasing_a_registrant_erases_their_kept_input(person, aws):
    from chalicelib.accounts import personal_data, registrants

    _keep_after_sign_out(person, aws)
    personal_data.erase(registrants.find_by_email(EMAIL))
    assert scan(aws, "PendingInputTableName") == []
