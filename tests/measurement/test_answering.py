"""Clients answer: a personal link (sms, e-mail, copied), a generic link, a short code; one
topic per page, resumable on the same device, sent once; the response holds nothing that
points at the person; contact data exists nowhere after sending."""
from __future__ import annotations

import io
import json
import logging
import re
from contextlib import redirect_stderr, redirect_stdout

from tests.support import aws_calls
from tests.support import measurement as m
from tests.support.browser import Browser, deliver_queued
from tests.support.tables import scan

PHONE = "+31612345678"
CLIENT = "j.devries@voorbeeld.nl"


def _inviter(browser, mailbox, app_module, team="t1", **overrides):
    path = m.representative_with_measurement(browser, mailbox, **overrides)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team=team)
    return path, inviter


def _link_in(text: str) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/a/[A-Za-z0-9_-]{22})", text).group(1)


def test_a_client_answers_from_an_sms_link_once(browser, mailbox, aws, app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    response = m.inviter_post(inviter, "/uitnodiger/uitnodigen", {"contact": "06 1234 5678"})
    assert response.status_code == 303
    deliver_queued()
    [(number, text)] = m.sms_sent()
    assert number == PHONE and "anoniem" in text
    client = Browser(app_module.app)
    opened = client.get(_link_in(text))
    assert opened.status_code == 303 and opened.headers["Location"] == "/antwoorden"
    check = m.answer_all(client)
    assert "Helemaal mee eens" in check.text and "Weet ik niet" in check.text
    thanks, again = m.send_twice(client)
    assert thanks.status_code == 200 and "Dank u wel" in thanks.text
    assert again.status_code == 409 and "al ingevuld" in again.text
    assert "al ingevuld" in client.get("/antwoorden").text
    later = Browser(app_module.app)  # the same link later, on another device
    assert "al ingevuld" in later.get(_link_in(text)).text
    [stored] = scan(aws, "Responses")
    assert stored["channel"]["S"] == "sms" and stored["team"]["S"] == "t1"
    assert json.loads(stored["answers"]["S"]) == m.STANDARD
    home = inviter.get("/uitnodiger").text
    assert re.search(r"Door u uitgenodigd</dt><dd>1<", home)
    assert re.search(r"Ingevuld \(ook op tablet en papier\)</dt><dd>1<", home)
    assert "Helemaal" not in home  # an inviter never sees answers


def test_a_response_holds_nothing_that_points_at_the_person(browser, mailbox, aws, app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    m.inviter_post(inviter, "/uitnodiger/uitnodigen", {"contact": CLIENT})
    deliver_queued()
    link = _link_in(mailbox.to(CLIENT)[-1].text)
    client = Browser(app_module.app)
    client.get(link, headers={"user-agent": "Telefoon/1.0"})
    m.answer_all(client)
    assert m.send(client).status_code == 200
    [stored] = scan(aws, "Responses")
    assert set(stored) == {"measurement", "id", "period", "channel", "team", "day", "answers"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored["day"]["S"])  # no finer time
    text = json.dumps(stored)
    token = link.rsplit("/", 1)[1]
    assert token not in text and "Telefoon" not in text and "127.0.0.1" not in text
    [invitation] = [i for i in scan(aws, "Invitations") if i["key"]["S"].startswith("t#")]
    assert token not in json.dumps(invitation) and invitation["spent"]["BOOL"] is True


def test_sending_costs_one_read_and_one_transactional_write(browser, mailbox, aws, app_module,
                                                            monkeypatch):
    _path, inviter = _inviter(browser, mailbox, app_module)
    response = m.inviter_post(inviter, "/uitnodiger/link", {})
    link = _link_in(response.text)
    client = Browser(app_module.app)
    client.get(link)
    m.answer_all(client)
    token = client.csrf_token("/antwoorden/controleren")
    from urllib.parse import urlencode

    calls = aws_calls.record(monkeypatch)
    answer = client.post_raw("/antwoorden/versturen", urlencode({"csrf_token": token}).encode())
    monkeypatch.undo()
    assert answer.status_code == 200
    assert [c.operation for c in calls] == ["TransactGetItems", "TransactWriteItems"]
    assert len(calls[1].params["TransactItems"]) == 3  # response, token spent, inviter count


def test_contact_data_is_nowhere_after_sending(browser, mailbox, aws, app_module, capsys,
                                               caplog):
    from chalicelib.platform.logs import logger

    caplog.set_level(logging.DEBUG, logger="aanlevermodule-ceo")
    _path, inviter = _inviter(browser, mailbox, app_module)
    out, err = io.StringIO(), io.StringIO()
    logger.setLevel("DEBUG")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            for contact in ("0612345678", CLIENT):
                response = m.inviter_post(inviter, "/uitnodiger/uitnodigen",
                                          {"contact": contact})
                assert response.status_code == 303
            deliver_queued()
    finally:
        logger.setLevel("WARNING")
    assert len(m.sms_sent()) == 1 and len(mailbox.to(CLIENT)) == 1  # both were sent
    forms = (PHONE, "0612345678", "612345678", CLIENT, "j.devries")
    assert m.contact_found(forms) == []
    captured = capsys.readouterr()
    logs = out.getvalue() + err.getvalue() + captured.out + captured.err + caplog.text
    assert not any(f in logs for f in forms)


def test_bad_contact_details_get_a_dutch_400_and_send_nothing(browser, mailbox, aws,
                                                             app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    for typed, message in [("", "Typ een mobiel nummer of een e-mailadres"),
                           ("050 367 91 11", "Dit is geen mobiel nummer"),
                           ("06 1234", "Dit telefoonnummer bestaat niet"),
                           ("hallo", "Dit is geen telefoonnummer"),
                           ("naam@", "Dit is geen geldig e-mailadres")]:
        response = m.inviter_post(inviter, "/uitnodiger/uitnodigen", {"contact": typed})
        assert response.status_code == 400 and message in response.text, typed
    deliver_queued()
    assert m.sms_sent() == [] and not list(scan(aws, "Invitations"))


def test_answers_are_kept_on_the_same_device_until_sent(browser, mailbox, aws, app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    link = _link_in(m.inviter_post(inviter, "/uitnodiger/link", {}).text)
    client = Browser(app_module.app)
    client.get(link)
    client.submit("/antwoorden/contact", {"q1": "2", "q2": "0", "actie": "volgende"})
    assert scan(aws, "Responses") == []  # nothing stored before sending
    client.get(link)  # the link again, later, on the same device
    page = client.get("/antwoorden/contact").text
    assert 'value="2" checked' in page and 'id="q2-0" name="q2" value="0" checked' in page
    bad = client.submit("/antwoorden/contact", {"q1": "9", "actie": "volgende"})
    assert bad.status_code == 400 and "Kies een van de antwoorden" in bad.text
    elsewhere = Browser(app_module.app)
    assert elsewhere.get("/antwoorden").status_code == 400  # no invitation on this device


def test_a_generic_link_takes_one_response_per_device_per_period(browser, mailbox, aws,
                                                                app_module):
    path = m.representative_with_measurement(browser, mailbox)
    generic = path.replace("/gemeente/", "/m/").replace("/metingen/", "/") + "/t2"
    client = Browser(app_module.app)
    assert client.get(generic).status_code == 303
    m.answer_all(client)
    assert m.send(client).status_code == 200
    again = client.get(generic)
    assert again.status_code == 200 and "al ingevuld" in again.text
    [stored] = scan(aws, "Responses")
    assert stored["channel"]["S"] == "generiek" and stored["team"]["S"] == "t2"
    assert client.get(generic.rsplit("/", 1)[0] + "/t9").status_code == 404


def test_a_generic_link_is_rate_limited_per_network_address_as_a_daily_salted_hash(
        browser, mailbox, aws, app_module, monkeypatch):
    monkeypatch.setenv("MEASUREMENT_RESPONSES_PER_ADDRESS", "2")
    path = m.representative_with_measurement(browser, mailbox)
    generic = path.replace("/gemeente/", "/m/").replace("/metingen/", "/")
    statuses = []
    for _ in range(3):
        client = Browser(app_module.app)  # a fresh device each time, same network
        client.get(generic)
        m.answer_all(client)
        statuses.append(m.send(client).status_code)
    assert statuses == [200, 200, 429]
    assert len([r for r in scan(aws, "Responses") if "answers" in r]) == 2
    shown = browser.get(path)
    assert "1 antwoord geweigerd" in shown.text  # the burst, for the results to show
    assert "<dt>Antwoorden</dt><dd>2</dd>" in shown.text
    counters = json.dumps(scan(aws, "RateLimits"))
    assert "127.0.0.1" not in counters and "meting-adres#" in counters


def test_a_closed_measurement_takes_no_answers(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox, opent="2020-01-01",
                                             sluit="2020-12-31")
    generic = path.replace("/gemeente/", "/m/").replace("/metingen/", "/")
    assert Browser(app_module.app).get(generic).status_code == 410


def test_a_client_may_answer_in_english(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    client = Browser(app_module.app)
    client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    intro = client.get("/antwoorden")
    assert '<html lang="nl">' in intro.text and "English" in intro.text
    switched = client.submit("/antwoorden/taal", {"taal": "en", "terug": "/antwoorden/contact"},
                             form_page="/antwoorden")
    assert switched.headers["Location"] == "/antwoorden/contact"
    page = client.get("/antwoorden/contact")
    assert '<html lang="en">' in page.text and "I was helped quickly." in page.text
    assert "Don&#39;t know / does not apply" in page.text or "Don't know" in page.text
    assert client.submit("/antwoorden/taal", {"taal": "fr"}, form_page="/antwoorden") \
        .status_code == 400
