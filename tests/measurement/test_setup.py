"""A representative sets up a measurement (audited), sees it and invites inviters; others
cannot; bad input gets Dutch 400s and stores nothing."""
from __future__ import annotations

from tests.support import measurement as m
from tests.support.browser import Browser
from tests.support.flows import signed_in
from tests.support.tables import scan


def test_a_representative_sets_up_a_measurement_with_teams_and_channels(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox,
                                             extra="Ik kon de hulp makkelijk vinden.")
    page = browser.get(path)
    assert page.status_code == 200
    assert "Cliëntervaring Wmo 2027" in page.text
    assert "Sociaal team Noord, Zorg Zuid" in page.text
    assert "met 1 eigen stelling" in page.text
    assert "/m/GM0014/" in page.text  # the generic link, one per team too
    listing = browser.get("/gemeente/GM0014/metingen")
    assert path in listing.text
    trail = [i for i in scan(aws, "Audit") if i["action"]["S"] == "meting aangemaakt"]
    assert len(trail) == 1 and trail[0]["subject"]["S"] == "gemeente#GM0014"


def test_bad_settings_are_answered_in_dutch_and_store_nothing(browser, mailbox, aws):
    signed_in(browser, mailbox)
    response = m.create(browser, channels=(), naam="", soort="altijd", opent="31-02-2027",
                        sluit="gisteren", teams="Noord\n\u202eNoord")
    assert response.status_code == 400
    for message in ("Vul een naam voor de meting in", "Kies of de meting eenmalig of continu is",
                    "Vul de eerste dag in", "Vul de laatste dag in",
                    "Kies minstens één manier om uit te nodigen", "Regel 2"):
        assert message in response.text, message
    response = m.create(browser, opent="2027-05-01", sluit="2027-04-01")
    assert response.status_code == 400 and "op of na de eerste dag" in response.text
    assert scan(aws, "Measurements") == []


def test_only_representatives_of_the_municipality_manage_it(browser, mailbox, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    stranger = Browser(app_module.app)
    assert stranger.get(path).status_code == 401
    other = Browser(app_module.app)
    signed_in(other, mailbox, email="k.bakker@assen.nl", codes=("GM0106",))
    assert other.get(path).status_code == 404
    assert other.get(path.replace("GM0014", "GM0106")).status_code == 404
    assert m.create(other, code="GM0014", form_page="/start").status_code == 404


def test_an_inviter_is_invited_by_mail_and_sees_only_their_measurement(browser, mailbox, aws,
                                                                       app_module):
    path = m.representative_with_measurement(browser, mailbox)
    response = m.invite_inviter(browser, path, team="t1")
    assert response.status_code == 303
    inviter = Browser(app_module.app)
    landing = inviter.get(m.inviter_link(mailbox))
    assert landing.status_code == 303 and landing.headers["Location"] == "/uitnodiger"
    home = inviter.get("/uitnodiger")
    assert home.status_code == 200 and "Sociaal team Noord" in home.text
    assert "Door u uitgenodigd" in home.text
    assert inviter.get(path).status_code == 401  # not the municipality's pages
    assert "Piet Jansen" in browser.get(path).text
    trail = [i for i in scan(aws, "Audit") if i["action"]["S"] == "uitnodiger uitgenodigd"]
    assert len(trail) == 1


def test_bad_inviter_input_and_forged_links(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    response = m.invite_inviter(browser, path, email="geen-adres", name="", team="t9")
    assert response.status_code == 400
    for message in ("Vul de naam van de uitnodiger in", "Vul een geldig e-mailadres in",
                    "Kies een team uit de lijst"):
        assert message in response.text, message
    assert scan(aws, "Inviters") == []
    stranger = Browser(app_module.app)
    assert stranger.get("/uitnodiger").status_code == 401
    assert stranger.get("/uitnodiger/link/" + "a" * 32 + ".x").status_code == 404
    m.invite_inviter(browser, path)
    real = m.inviter_link(mailbox)
    assert stranger.get(real[:-2] + "zz").status_code == 404


def test_every_post_needs_its_csrf_token(browser, mailbox):
    path = m.representative_with_measurement(browser, mailbox)
    from urllib.parse import urlencode

    response = browser.post_raw(f"{path}/uitnodigers",
                                urlencode({"naam": "X", "email": "x@y.nl"}).encode())
    assert response.status_code == 403
