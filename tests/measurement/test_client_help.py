"""Where a client goes with a question: every page a client sees (the questionnaire, its
messages — link expired, measurement closed, already answered, bad input — and its error
pages) sends them to the municipality whose measurement it is, by name, or to "uw gemeente"
where no measurement is known (a forged link). Never to the Aanlevermodule's helpdesk, which
serves municipal staff; never echoing the link or anything the client typed."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.platform import config
from tests.support import measurement as m
from tests.support.browser import Browser

NAMED = "Vragen? Neem contact op met de gemeente Groningen."
GENERIC = "Vragen? Neem contact op met uw gemeente."


def _no_helpdesk(text: str) -> bool:
    return config.helpdesk_email() not in text and config.helpdesk_phone() not in text \
        and "helpdesk" not in text.lower()


def _personal_link(browser, mailbox, app_module, path) -> str:
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    return re.search(r"http://127\.0\.0\.1:8000(/a/[A-Za-z0-9_-]{22})",
                     m.inviter_post(inviter, "/uitnodiger/link", {}).text).group(1)


def _generic(path: str) -> str:
    return path.replace("/gemeente/", "/m/").replace("/metingen/", "/")


@pytest.fixture()
def measurement(browser, mailbox):
    return m.representative_with_measurement(browser, mailbox)


def test_every_page_of_answering_names_the_municipality_and_no_helpdesk(measurement,
                                                                        app_module):
    client = Browser(app_module.app)
    client.get(_generic(measurement))
    pages = [client.get(p) for p in ("/antwoorden", "/antwoorden/contact",
                                     "/antwoorden/controleren")]
    for page in pages:
        assert page.status_code == 200
        assert NAMED in page.text and _no_helpdesk(page.text)
    thanks = m.send(client)
    assert "Dank u wel" in thanks.text and NAMED in thanks.text and _no_helpdesk(thanks.text)
    code_page = Browser(app_module.app).get("/code")  # a letter's code: no measurement known yet
    assert GENERIC in code_page.text and _no_helpdesk(code_page.text)


def test_an_answered_questionnaire_names_the_municipality(measurement, app_module):
    client = Browser(app_module.app)
    client.get(_generic(measurement))
    m.answer_all(client)
    _thanks, again = m.send_twice(client)
    assert again.status_code == 409 and "al ingevuld" in again.text
    assert NAMED in again.text and _no_helpdesk(again.text)
    reopened = client.get(_generic(measurement))
    assert "al ingevuld" in reopened.text and NAMED in reopened.text
    assert _no_helpdesk(reopened.text)


def test_a_closed_measurement_names_the_municipality(browser, mailbox, app_module,
                                                     measurement):
    link = _personal_link(browser, mailbox, app_module, measurement)
    started = Browser(app_module.app)
    started.get(link)
    m.answer_all(started)
    assert m.close(browser, measurement).status_code == 303
    for closed in (m.send(started), Browser(app_module.app).get(link),
                   Browser(app_module.app).get(_generic(measurement))):
        assert closed.status_code == 410 and "gesloten" in closed.text
        assert NAMED in closed.text and _no_helpdesk(closed.text)
        assert link.removeprefix("/a/") not in closed.text  # never the token


def test_an_expired_link_names_the_municipality(browser, mailbox, app_module, measurement,
                                                monkeypatch):
    from chalicelib.measurement import measurements

    link = _personal_link(browser, mailbox, app_module, measurement)
    later = measurements.today() + timedelta(days=400)
    monkeypatch.setattr(measurements, "today", lambda: later)
    expired = Browser(app_module.app).get(link)
    assert expired.status_code == 410
    assert NAMED in expired.text and _no_helpdesk(expired.text)
    assert link.removeprefix("/a/") not in expired.text


def test_a_forged_link_gets_a_generic_sentence_and_no_helpdesk(app_module, measurement):
    token = "Zz" * 11  # the shape of a link, known to nobody
    forged = Browser(app_module.app).get(f"/a/{token}")
    assert forged.status_code == 404 and "kennen wij niet" in forged.text
    assert GENERIC in forged.text and "Groningen" not in forged.text
    assert _no_helpdesk(forged.text) and token not in forged.text
    # a generic link naming a municipality but no measurement of it: nothing is named
    unknown = Browser(app_module.app).get("/m/GM0014/nietsbekend")
    assert unknown.status_code == 404 and GENERIC in unknown.text
    assert "Groningen" not in unknown.text and _no_helpdesk(unknown.text)
    assert "nietsbekend" not in unknown.text


def test_a_client_s_error_pages_are_plain_and_name_the_municipality(measurement, app_module,
                                                                   monkeypatch):
    client = Browser(app_module.app)
    client.get(_generic(measurement))
    unknown_topic = client.get("/antwoorden/bestaat-niet")
    assert unknown_topic.status_code == 404 and "Deze pagina bestaat niet" in unknown_topic.text
    stale = client.post_raw("/antwoorden/contact", b"csrf_token=verlopen&q1=5",
                            {"content-type": "application/x-www-form-urlencoded"})
    assert stale.status_code == 403 and "verlopen" in stale.text
    typed = "Mijn eigen woorden 12345"
    bad_language = client.submit("/antwoorden/taal", {"taal": typed}, form_page="/antwoorden")
    assert bad_language.status_code == 400
    for page in (unknown_topic, stale, bad_language):
        assert NAMED in page.text and _no_helpdesk(page.text), page.text
        assert "Naar de startpagina" not in page.text  # nothing of the staff's pages
    assert typed not in bad_language.text
    # our own failure: a plain page too, without the staff's reference to quote
    from chalicelib.measurement import client_pages

    def broken(*args):
        raise RuntimeError("kapot")

    monkeypatch.setattr(client_pages.measurements, "questionnaire", broken)
    failed = client.get("/antwoorden")
    assert failed.status_code == 500 and "Er is iets misgegaan" in failed.text
    assert NAMED in failed.text and _no_helpdesk(failed.text) and "kenmerk" not in failed.text
    # without this device's answers: the generic sentence
    stranger = Browser(app_module.app).get("/antwoorden/bestaat-niet")
    assert stranger.status_code in (400, 404) and GENERIC in stranger.text
    assert _no_helpdesk(stranger.text)


def test_a_client_who_chose_english_is_told_so_in_english(measurement, app_module):
    client = Browser(app_module.app)
    client.get(_generic(measurement))
    client.submit("/antwoorden/taal", {"taal": "en"}, form_page="/antwoorden")
    assert "Questions? Contact the municipality of Groningen." in client.get(
        "/antwoorden/contact").text
    missing = client.get("/antwoorden/bestaat-niet")
    assert missing.status_code == 404 and "This page does not exist" in missing.text
    assert "Questions? Contact the municipality of Groningen." in missing.text


def test_staff_pages_keep_the_helpdesk(browser, measurement):
    """The other side: a municipal employee's error pages still give the helpdesk."""
    missing = browser.get("/gemeente/GM0014/vragen/bestaat-niet")
    assert missing.status_code == 404 and config.helpdesk_email() in missing.text


def test_an_invitation_of_an_unknown_municipality_sends_questions_to_uw_gemeente(app_module):
    from chalicelib.platform.rendering import render

    context = {"link": "https://example.test/a/x", "title": "Meting", "closes": "",
               "reminder": False, "remind": True, "subject": "Uitnodiging",
               "municipality": None}  # a job queued before jobs named their municipality
    for part in ("txt", "html"):
        text = render(f"mail/client_invitation.{part}", **context)
        assert "Neem contact op met uw gemeente" in text, part
        assert _no_helpdesk(text), part


def test_the_invitation_mail_names_the_municipality_and_replies_go_nowhere_near_the_helpdesk(
        browser, mailbox, app_module, measurement):
    import email
    from email import policy

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, measurement, team="t1")
    assert m.inviter_post(inviter, "/uitnodiger/uitnodigen",
                          {"contact": "j.devries@voorbeeld.nl"}).status_code == 303
    [sent] = mailbox.to("j.devries@voorbeeld.nl")
    assert "Aanlevermodule" not in sent.html and ">Gemeente Groningen</p>" in sent.html
    for part in (sent.text, sent.html):
        assert "De gemeente Groningen wil graag weten" in part
        assert "Neem contact op met de gemeente Groningen." in part and _no_helpdesk(part)
    replies = {str(parsed["To"]): parsed["Reply-To"] for parsed in (
        email.message_from_bytes(raw.encode() if isinstance(raw, str) else raw,
                                 policy=policy.default)
        for raw in (message.raw_data for message in
                    ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages))}
    assert replies["j.devries@voorbeeld.nl"] is None
    assert replies[m.INVITER] == config.helpdesk_email()  # staff's mails: the helpdesk
