"""A representative changes a measurement (audited, version-checked: a colleague's change is
never overwritten silently) and may close it early, after which no link takes answers."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

from tests.support import measurement as m
from tests.support.browser import Browser, deliver_queued
from tests.support.flows import signed_in
from tests.support.tables import scan

COLLEAGUE = "b.smit@groningen.nl"


def _audit(aws, action):
    return [i for i in scan(aws, "Audit") if i["action"]["S"] == action]


def _stored(aws):
    [item] = scan(aws, "Measurements")
    return item


def _answer_once(app_module, path):
    client = Browser(app_module.app)
    client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    m.answer_all(client)
    assert m.send(client).status_code == 200


def test_a_representative_changes_name_dates_teams_and_channels_audited(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    later = (date.today() + timedelta(days=90)).isoformat()
    response = m.edit(browser, path, naam="Cliëntervaring Wmo 2027-2028", sluit=later,
                      **{"team-t1": "Sociaal team Noord-Oost", "teams": "Wijkteam West",
                         "kanaal": ["sms", "email", "generiek"],
                         "extra": "Ik wist waar ik terecht kon."})
    assert response.status_code == 303 and response.headers["Location"].endswith("gewijzigd=1")
    page = browser.get(path).text
    assert "Cliëntervaring Wmo 2027-2028" in page
    assert "Sociaal team Noord-Oost, Zorg Zuid, Wijkteam West" in page
    assert "Brieven met een eigen QR-code" not in page  # switched off
    assert "met 1 eigen stelling" in page
    item = _stored(aws)
    assert item["closes"]["S"] == later
    assert [t["id"] for t in json.loads(item["teams"]["S"])][:2] == ["t1", "t2"]  # ids kept
    [entry] = _audit(aws, "meting gewijzigd")
    details = json.loads(entry["details"]["S"]) if "S" in entry["details"] else entry["details"]
    assert "naam" in str(details) and "manieren" in str(details)
    assert entry["subject"]["S"] == "gemeente#GM0014"


def test_nothing_changed_stores_nothing(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    assert m.edit(browser, path).status_code == 303
    assert _audit(aws, "meting gewijzigd") == []


def test_a_colleagues_earlier_save_is_not_overwritten(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    mine = m.edit_fields(browser.get(f"{path}/wijzigen").text)
    colleague = Browser(app_module.app)
    signed_in(colleague, mailbox, email=COLLEAGUE, naam="Bram Smit")
    assert m.edit(colleague, path, naam="Meting van Bram",
                  kanaal=["sms", "email"]).status_code == 303
    refused = m.edit(browser, path, fields=mine, naam="Meting van Anna")
    assert refused.status_code == 409
    assert re.search(r"Gewijzigd sinds u deze pagina opende: naam en manieren door Bram Smit "
                     r"\(vandaag \d\d:\d\d\)", refused.text), refused.text[:2000]
    assert _stored(aws)["name"]["S"] == "Meting van Bram"
    assert len(_audit(aws, "meting gewijzigd")) == 1
    # The refused page shows the measurement as it is now: saving from it works.
    again = m.edit(browser, path, fields=m.edit_fields(refused.text), naam="Meting van Anna")
    assert again.status_code == 303 and _stored(aws)["name"]["S"] == "Meting van Anna"


def test_an_inviter_added_meanwhile_is_no_conflict(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    shown = m.edit_fields(browser.get(f"{path}/wijzigen").text)
    m.invite_inviter(browser, path, team="t1")  # raises the stored version, changes no setting
    assert m.edit(browser, path, fields=shown, naam="Nieuwe naam").status_code == 303
    item = _stored(aws)
    assert item["name"]["S"] == "Nieuwe naam" and item["inviter_ids"]["SS"]


def test_after_the_first_answer_what_gives_answers_their_meaning_stays(browser, mailbox, aws,
                                                                       app_module):
    path = m.representative_with_measurement(browser, mailbox)
    m.invite_inviter(browser, path, team="t2")
    refused = m.edit(browser, path, **{"team-t2": ""})
    assert refused.status_code == 400 and "‘Zorg Zuid’ heeft al uitnodigers" in refused.text
    assert m.edit(browser, path, extra="Eerst deze stelling.").status_code == 303  # no answer yet
    _answer_once(app_module, path)
    refused = m.edit(browser, path, soort="continu", extra="Een andere stelling.",
                     opent=date.today().isoformat(), **{"team-t1": ""})
    assert refused.status_code == 400
    for message in ("De soort kan niet meer anders", "De eerste dag kan niet meer anders",
                    "De eigen stellingen kunnen niet meer anders"):
        assert message in refused.text, message
    refused = m.edit(browser, path, **{"team-t1": ""})
    assert refused.status_code == 400 and "Sociaal team Noord" in refused.text
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    refused = m.edit(browser, path, sluit=yesterday)
    assert refused.status_code == 400 and "Meting nu sluiten" in refused.text
    assert m.edit(browser, path, sluit=date.today().isoformat()).status_code == 303  # today: ok
    assert m.edit(browser, path, naam="Andere naam").status_code == 303
    item = _stored(aws)
    assert item["mode"]["S"] == "eenmalig"
    assert json.loads(item["extra_questions"]["S"])[0]["text"] == "Eerst deze stelling."


def test_closing_early_stops_every_link_at_once(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    link = re.search(r"http://127\.0\.0\.1:8000(/a/[A-Za-z0-9_-]{22})",
                     m.inviter_post(inviter, "/uitnodiger/link", {}).text).group(1)
    started = Browser(app_module.app)  # a client half-way when the measurement closes
    started.get(link)
    m.answer_all(started)
    closed = m.close(browser, path)
    assert closed.status_code == 303
    assert "vroeg gesloten" in browser.get(path).text
    assert m.send(started).status_code == 410
    assert Browser(app_module.app).get(link).status_code == 410
    generic = path.replace("/gemeente/", "/m/").replace("/metingen/", "/")
    assert Browser(app_module.app).get(generic).status_code == 410
    assert scan(aws, "Responses") == []
    assert len(_audit(aws, "meting gesloten")) == 1
    assert _stored(aws)["closes"]["S"] == date.today().isoformat()
    again = m.close(browser, path, version="1")
    assert again.status_code == 409 and "gesloten" in again.text
    assert m.edit(browser, path, fields={"versie": ["1"], "naam": ["Nog eens"]},
                  ).status_code == 409
    assert len(_audit(aws, "meting gesloten")) == 1


def test_the_edit_pages_are_the_municipalitys_only(browser, mailbox, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    stranger = Browser(app_module.app)
    assert stranger.get(f"{path}/wijzigen").status_code == 401
    other = Browser(app_module.app)
    signed_in(other, mailbox, email="k.bakker@assen.nl", codes=("GM0106",))
    assert other.get(f"{path}/wijzigen").status_code == 404
    assert other.submit(f"{path}/sluiten", {"versie": "1"}, form_page="/start").status_code == 404


def test_the_questionnaire_chosen_at_the_start_stays_whatever_an_edit_posts(browser, mailbox,
                                                                            aws):
    path = m.representative_with_measurement(browser, mailbox)
    before = _stored(aws)
    response = m.edit(browser, path, naam="Andere naam", vragenlijst="jeugd-jongeren")
    assert response.status_code == 303
    after = _stored(aws)
    assert after["name"]["S"] == "Andere naam"
    assert (after["instrument"], after["questionnaire_version"]) == (
        before["instrument"], before["questionnaire_version"])


def test_invitations_queued_before_an_early_close_are_not_sent(browser, mailbox, aws,
                                                             app_module):
    path = m.representative_with_measurement(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    sent_before = len(mailbox.all())
    for contact in ("06 1234 5678", "j.devries@voorbeeld.nl"):
        assert m.inviter_post(inviter, "/uitnodiger/uitnodigen",
                              {"contact": contact}).status_code == 303
    assert m.close(browser, path).status_code == 303
    deliver_queued()  # the mail worker takes the two jobs only now
    assert m.sms_sent() == []
    assert len(mailbox.all()) == sent_before  # no mail whose link would say "gesloten"
    assert mailbox.to("j.devries@voorbeeld.nl") == []
