"""Reminders before the deadline: the helpdesk's, to the registrants of a selection, and the
scheduled ones on the configured days. Three rules hold whatever sends them: never twice to the
same person for the same day, never to a municipality that has a delivery that counts, and the
schedule only on the configured days before the deadline."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.browser import deliver_queued
from tests.support.feed import deliver, make_registrant
from tests.support.tables import scan

SEASON = "/helpdesk/seizoen"
REMIND = "/helpdesk/seizoen/herinnering"


@pytest.fixture()
def people(aws, mailbox):
    """Groningen delivered; Almere has two representatives, one of whom also represents
    Stadskanaal (with a colleague of his own); Zeewolde has nobody."""
    anna = make_registrant("anna@groningen.nl", ("GM0014",))
    deliver(anna, "GM0014")
    found = {"anna": anna,
             "kees": make_registrant("kees@almere.nl", ("GM0034", "GM0037")),
             "jan": make_registrant("jan@almere.nl", ("GM0034",)),
             "joop": make_registrant("joop@stadskanaal.nl", ("GM0037",))}
    mailbox.all()  # the link mails and the receipt are out of the way
    return found


def reminders_to(mailbox, address: str) -> list:
    return [m for m in mailbox.to(address) if m.subject.startswith("Herinnering")]


def remind(helpdesk, codes, **fields):
    return helpdesk.submit(REMIND, [("gemeente", code) for code in codes] + list(fields.items()),
                           form_page=SEASON)


def test_the_helpdesk_reminds_the_registrants_of_a_selection(people, helpdesk, mailbox, aws):
    page = helpdesk.get(SEASON).text
    assert 'name="gemeente" value="GM0034"' in page and 'value="GM0037"' in page
    assert 'name="gemeente" value="GM0014"' not in page  # delivered: nothing to tick
    assert 'name="gemeente" value="GM0050"' not in page  # nobody to remind
    sent = remind(helpdesk, ["GM0014", "GM0034", "GM0037", "GM0050"])
    assert sent.status_code == 200, sent.text
    assert "Herinnering verstuurd aan 3 aanmelders van 2 gemeenten" in sent.text
    assert "Groningen: intussen aangeleverd, geen herinnering" in sent.text
    assert "Zeewolde: niemand aangemeld" in sent.text
    [kees] = reminders_to(mailbox, "kees@almere.nl")  # one mail for both his municipalities
    assert "Almere, Stadskanaal" in kees.text and "Almere, Stadskanaal" in kees.html
    assert "http://127.0.0.1:8000/nieuwe-link" in kees.text
    assert len(reminders_to(mailbox, "jan@almere.nl")) == 1
    assert len(reminders_to(mailbox, "joop@stadskanaal.nl")) == 1
    assert reminders_to(mailbox, "anna@groningen.nl") == []
    # audited per municipality and per person, in the transaction that claimed the day
    trail = helpdesk.get("/helpdesk/gemeente/GM0034").text
    assert trail.count("herinnering verstuurd") == 2 and "medewerker@helpdesk.nl" in trail
    records = scan(aws, "Reminders")
    assert len(records) == 3 and all("sent_at" in r and "expires_at" in r for r in records)


def test_never_twice_to_the_same_person_for_the_same_day(people, helpdesk, mailbox,
                                                         monkeypatch):
    from chalicelib.helpdesk import reminders

    remind(helpdesk, ["GM0034"])
    mailbox.all()
    again = remind(helpdesk, ["GM0034", "GM0037"])  # a stale page, or a colleague: once more
    assert again.status_code == 200
    assert "Herinnering verstuurd aan 1 aanmelder van 1 gemeente" in again.text  # joop only
    assert "2 aanmelders kregen vandaag al een herinnering (door medewerker@helpdesk.nl" \
        in again.text
    mailbox.all()
    third = remind(helpdesk, ["GM0034", "GM0037"])
    assert third.status_code == 409 and "Er is niets verstuurd" in third.text
    # the schedule on the same day, and the same jobs queued twice past the check
    monkeypatch.setenv("DELIVERY_DEADLINE", (reminders.today() + timedelta(days=14)).isoformat())
    assert reminders.scheduled()["queued"] == 3
    plan = reminders.plan(["GM0034", "GM0037"], 2026, reminders.today(), check_already=False)
    reminders.queue(plan, "iemand anders")
    reminders.queue(plan, "iemand anders")
    for address in ("kees@almere.nl", "jan@almere.nl", "joop@stadskanaal.nl"):
        assert len(reminders_to(mailbox, address)) == 1, address
    # another day is another reminder
    tomorrow = reminders.plan(["GM0034"], 2026, reminders.today() + timedelta(days=1))
    reminders.queue(tomorrow, "medewerker@helpdesk.nl")
    assert len(reminders_to(mailbox, "jan@almere.nl")) == 2


def test_a_retry_of_the_job_that_claimed_the_day_still_sends(people, mailbox, aws,
                                                             monkeypatch):
    from chalicelib.helpdesk import reminders
    from chalicelib.platform import mail

    real = mail._client()
    failures = {"left": 2}

    class FlakySes:
        def send_email(self, **request):
            if failures["left"]:
                failures["left"] -= 1
                raise RuntimeError("SES throttled")
            return real.send_email(**request)

    monkeypatch.setattr(mail, "_client", lambda: FlakySes())
    reminders.queue(reminders.plan(["GM0037"], 2026, reminders.today()), "medewerker")
    deliver_queued()
    assert len(reminders_to(mailbox, "joop@stadskanaal.nl")) == 1
    assert len(reminders_to(mailbox, "kees@almere.nl")) == 1
    assert failures["left"] == 0
    assert all("sent_at" in record for record in scan(aws, "Reminders"))


def test_never_to_a_municipality_that_delivered_meanwhile(people, mailbox, aws):
    from chalicelib.helpdesk import reminders

    plan = reminders.plan(["GM0034", "GM0037"], 2026, reminders.today())
    assert set(plan.people) == {people["kees"].id, people["jan"].id, people["joop"].id}
    reminders.queue(plan, "medewerker")
    deliver(people["jan"], "GM0034")  # Almere delivers before the worker gets to the jobs
    mailbox.all()
    assert reminders_to(mailbox, "jan@almere.nl") == []
    [kees] = reminders_to(mailbox, "kees@almere.nl")
    assert "Voor Stadskanaal hebben wij" in kees.text and "Almere" not in kees.subject
    assert {r["registrant_id"]["S"] for r in scan(aws, "Reminders")} == {
        people["kees"].id, people["joop"].id}


@pytest.mark.parametrize("days_before,configured,queued", [
    (14, None, 3), (3, None, 3), (13, None, 0), (0, None, 0), (-2, None, 0),
    (7, "21,7", 3), (14, "", 0),
])
def test_the_schedule_sends_on_the_configured_days_before_the_deadline(
        people, mailbox, monkeypatch, days_before, configured, queued):
    from chalicelib.helpdesk import reminders

    now = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    monkeypatch.setenv("DELIVERY_DEADLINE", (date(2026, 6, 1) + timedelta(days=days_before)
                                             ).isoformat())
    if configured is not None:
        monkeypatch.setenv("REMINDER_DAYS_BEFORE", configured)
    assert reminders.scheduled(now)["queued"] == queued
    mailbox.all()
    assert len(reminders_to(mailbox, "kees@almere.nl")) == (1 if queued else 0)
    assert reminders_to(mailbox, "anna@groningen.nl") == []  # delivered: never
    if queued:
        [mail] = reminders_to(mailbox, "joop@stadskanaal.nl")
        assert f"nog {days_before} dagen" in mail.text


def test_the_schedule_is_wired_to_the_daily_event(people, mailbox, monkeypatch, app_module):
    from chalice.test import Client

    from chalicelib.helpdesk import reminders

    monkeypatch.setenv("DELIVERY_DEADLINE", (reminders.today() + timedelta(days=3)).isoformat())
    with Client(app_module.app, stage_name="local") as client:
        result = client.lambda_.invoke("send_reminders", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={},
            resources=["arn:aws:events:eu-central-1:123456789012:rule/send_reminders"]))
    assert result.payload["queued"] == 3
    assert len(reminders_to(mailbox, "jan@almere.nl")) == 1


@pytest.mark.parametrize("codes,fields,status,message", [
    ([], {}, 400, "Kies minstens één gemeente om een herinnering aan te sturen"),
    (["GM9999"], {}, 400, "Kies gemeenten uit de lijst"),
    (["<b>"], {}, 400, "Kies gemeenten uit de lijst"),
    (["GM0034"], {"jaar": "2025"}, 400, "Herinneringen gaan over het huidige"),
    (["GM0050"], {}, 400, "Zeewolde: niemand aangemeld"),
    (["GM0014"], {}, 409, "Groningen: intussen aangeleverd"),
])
def test_a_reminder_that_cannot_go_gets_a_dutch_message(people, helpdesk, mailbox, codes,
                                                        fields, status, message):
    response = remind(helpdesk, codes, **fields)
    assert response.status_code == status and message in response.text
    assert 'href="#herinnering"' in response.text  # the summary points at the form
    assert all(reminders_to(mailbox, p + a) == [] for p, a in (
        ("kees", "@almere.nl"), ("jan", "@almere.nl"), ("joop", "@stadskanaal.nl")))


def test_only_the_helpdesk_sends_reminders_and_only_with_a_valid_form(people, browser, helpdesk,
                                                                     mailbox):
    refused = browser.submit(REMIND, {"gemeente": "GM0034"}, form_page="/")
    assert refused.status_code == 401
    forged = helpdesk.post_raw(REMIND, b"gemeente=GM0034&csrf_token=" + b"f" * 64)
    assert forged.status_code == 403
    assert reminders_to(mailbox, "jan@almere.nl") == []
