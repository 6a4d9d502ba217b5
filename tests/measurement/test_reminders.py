"""The single reminder to a client who has not answered: kept (with the contact) only until it
is sent, the client answers, or its TTL; never twice; never when the invitation would have
expired; after the reminder no phone number or address is in any table or queue."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from chalicelib.measurement import reminder_run
from tests.support import measurement as m
from tests.support.browser import Browser, deliver_queued
from tests.support.tables import scan

PHONE = "+31612345678"
CLIENT = "j.devries@voorbeeld.nl"
FORMS = (PHONE, "0612345678", "612345678", CLIENT, "j.devries")


def _inviter(browser, mailbox, app_module, **overrides):
    path = m.representative_with_measurement(browser, mailbox, **overrides)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    return path, inviter


def _reminders(aws):
    return [i for i in scan(aws, "Invitations") if i["key"]["S"].startswith("r#")]


def _invite(inviter, contact, remind=True):
    fields = {"contact": contact, **({"herinnering": "ja"} if remind else {})}
    assert m.inviter_post(inviter, "/uitnodiger/uitnodigen", fields).status_code == 303
    deliver_queued()


def test_an_sms_reminder_is_sent_once_on_its_day_and_then_the_number_is_gone(
        browser, mailbox, aws, app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    _invite(inviter, "06 1234 5678")
    [first] = [text for _, text in m.sms_sent()]
    [kept] = _reminders(aws)
    due = date.today() + timedelta(days=7)
    assert kept["remind_on"]["S"] == due.isoformat()
    assert datetime.fromtimestamp(int(kept["expires_at"]["N"])).date() == due + timedelta(days=1)
    assert reminder_run.scheduled(due - timedelta(days=1)) == {"queued": 0, "skipped": 0}
    assert m.contact_found(FORMS) != []  # kept until the reminder is sent
    assert reminder_run.scheduled(due)["queued"] == 1
    deliver_queued()
    texts = [text for _, text in m.sms_sent()]
    assert len(texts) == 2 and texts[1].startswith("Herinnering:")
    link = re.search(r"/a/\S+", first).group(0)
    assert link in texts[1]  # the same personal link
    assert m.contact_found(FORMS) == []
    assert reminder_run.scheduled(due)["queued"] == 0  # never twice
    assert reminder_run.scheduled(due + timedelta(days=1))["queued"] == 0


def test_a_missed_run_is_made_up_the_next_day(browser, mailbox, aws, app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    _invite(inviter, CLIENT)
    due = date.today() + timedelta(days=7)
    assert reminder_run.scheduled(due + timedelta(days=1))["queued"] == 1
    deliver_queued()
    reminder = mailbox.to(CLIENT)[-1]
    assert reminder.subject.startswith("Herinnering:") and "Dit is een herinnering" in reminder.text
    assert "één keer een herinnering" in mailbox.to(CLIENT)[0].text
    assert m.contact_found(FORMS) == []


def test_answering_deletes_the_reminder_and_the_contact_at_once(browser, mailbox, aws,
                                                                app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    _invite(inviter, "0612345678")
    client = Browser(app_module.app)
    client.get(re.search(r"/a/\S+", m.sms_sent()[0][1]).group(0))
    m.answer_all(client)
    assert m.send(client).status_code == 200
    assert _reminders(aws) == [] and m.contact_found(FORMS) == []
    assert reminder_run.scheduled(date.today() + timedelta(days=7))["queued"] == 0
    assert len(m.sms_sent()) == 1


def test_no_reminder_without_asking_or_past_the_invitations_last_day(browser, mailbox, aws,
                                                                     app_module, monkeypatch):
    closes = date.today() + timedelta(days=7)
    _path, inviter = _inviter(browser, mailbox, app_module, sluit=closes.isoformat())
    _invite(inviter, "0612345678", remind=False)
    assert _reminders(aws) == []
    _invite(inviter, "0623456789")  # due on the last day: kept
    assert [r["remind_on"]["S"] for r in _reminders(aws)] == [closes.isoformat()]
    monkeypatch.setenv("MEASUREMENT_REMINDER_DAYS", "8")  # due a day after it: not kept
    _invite(inviter, CLIENT)
    assert len(_reminders(aws)) == 1
    assert "Wij bewaren uw e-mailadres niet." in mailbox.to(CLIENT)[0].text


def test_a_closed_measurement_sends_no_reminder_and_keeps_no_contact(browser, mailbox, aws,
                                                                     app_module):
    path, inviter = _inviter(browser, mailbox, app_module)
    _invite(inviter, "0612345678")
    assert m.close(browser, path).status_code == 303
    counts = reminder_run.scheduled(date.today() + timedelta(days=7))
    assert counts == {"queued": 0, "skipped": 1}
    assert m.contact_found(FORMS) == [] and len([text for _, text in m.sms_sent()]) == 1


def test_a_contact_list_may_ask_for_reminders(browser, mailbox, aws, app_module):
    _path, inviter = _inviter(browser, mailbox, app_module)
    upload = "/uitnodiger/contacten"
    data = b"0612345678\nj.devries@voorbeeld.nl\n"
    preview = m.upload(inviter, upload, data, upload)
    assert "herinnering" in preview.text
    m.upload(inviter, upload, data, upload, stap="versturen", zegel=m.seal_on(preview.text),
             herinnering="ja")
    deliver_queued()
    assert len(_reminders(aws)) == 2
    assert reminder_run.scheduled(date.today() + timedelta(days=7))["queued"] == 2
    deliver_queued()
    assert len([text for _, text in m.sms_sent()]) == 2 and len(mailbox.to(CLIENT)) == 2
    assert m.contact_found(FORMS) == []
