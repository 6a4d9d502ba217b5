"""The helpdesk's exception to the sending window ("verzenden toestaan tot en met …"), audited
in the same transaction, refused on a stale page; and earlier cycles read and withdrawn in the
helpdesk's pages."""
from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from pynamodb.connection.base import Connection

from tests.support.feed import bucket_object, deliver, make_registrant
from tests.support.flows import fill_all, send, signed_in
from tests.support.tables import scan

PAGE = "/helpdesk/gemeente/GM0014"
ALLOW = f"{PAGE}/uitzondering"
DISALLOW = f"{PAGE}/uitzondering-intrekken"


def today():
    from chalicelib.helpdesk.reminders import today as amsterdam_today

    return amsterdam_today()


@pytest.fixture()
def closed(monkeypatch):
    """The window closed yesterday (deadline two weeks ago, late window until yesterday)."""
    monkeypatch.setenv("DELIVERY_OPENS", (today() - timedelta(days=200)).isoformat())
    monkeypatch.setenv("DELIVERY_DEADLINE", (today() - timedelta(days=14)).isoformat())
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", (today() - timedelta(days=1)).isoformat())


@pytest.fixture()
def ready(browser, mailbox, closed):
    """Groningen's representative with every page filled in, too late to send."""
    signed_in(browser, mailbox, codes=("GM0014", "GM0034"))
    fill_all(browser)
    fill_all(browser, code="GM0034")
    return browser


def allow(helpdesk, until, reason="Ziekte van de onderzoeker", seen=""):
    return helpdesk.submit(ALLOW, {"tot": until, "reden": reason, "huidig": seen},
                           form_page=PAGE)


def trail_actions(aws, code="GM0014"):
    return sorted(item["action"]["S"] for item in scan(aws, "Audit")
                  if item["subject"]["S"] == f"gemeente#{code}")


def test_an_exception_lets_one_municipality_send_late(ready, helpdesk, aws):
    refused = send(ready)
    assert refused.status_code == 400 and "De aanlevertermijn is voorbij" in refused.text
    page = helpdesk.get(PAGE).text
    assert "Iedereen kan verzenden tot en met" in page
    until = today() + timedelta(days=7)
    granted = allow(helpdesk, until.isoformat())
    assert granted.status_code == 200, granted.text
    assert "Groningen mag verzenden tot en met" in granted.text
    assert "Toegestaan door medewerker@helpdesk.nl" in granted.text
    assert "uitzondering op de termijn" in granted.text  # in the audit trail on the page
    assert trail_actions(aws) == ["uitzondering op de termijn"]
    review = ready.get("/gemeente/GM0014/controleren").text
    assert "De helpdesk heeft uw gemeente toegestaan te verzenden tot en met" in review
    assert send(ready).status_code == 303
    [delivery] = scan(aws, "Deliveries")
    assert delivery["late"]["BOOL"] is True
    other = send(ready, code="GM0034")  # the exception is Groningen's alone
    assert other.status_code == 400 and "De aanlevertermijn is voorbij" in other.text


def test_withdrawing_the_exception_closes_the_window_again(ready, helpdesk, aws):
    until = (today() + timedelta(days=7)).isoformat()
    allow(helpdesk, until)
    stale = helpdesk.submit(DISALLOW, {"reden": "Toch niet", "huidig": "2000-01-01"},
                            form_page=PAGE)
    assert stale.status_code == 409 and "intussen door iemand anders gewijzigd" in stale.text
    no_reason = helpdesk.submit(DISALLOW, {"reden": " ", "huidig": until}, form_page=PAGE)
    assert no_reason.status_code == 400 and "Geef een reden op" in no_reason.text
    done = helpdesk.submit(DISALLOW, {"reden": "Gemeente ziet ervan af", "huidig": until},
                           form_page=PAGE)
    assert done.status_code == 200 and "De uitzondering is ingetrokken" in done.text
    assert send(ready).status_code == 400
    assert trail_actions(aws) == ["uitzondering ingetrokken", "uitzondering op de termijn"]


def test_a_stale_page_is_told_and_nothing_is_stored_twice(ready, helpdesk, aws):
    first = (today() + timedelta(days=7)).isoformat()
    second = (today() + timedelta(days=30)).isoformat()
    assert allow(helpdesk, first).status_code == 200
    late = allow(helpdesk, second, reason="Ik wist van niets")  # the page still showed none
    assert late.status_code == 409
    assert "De uitzondering is intussen door iemand anders gewijzigd" in late.text
    [state] = scan(aws, "ScopeState")
    assert state["allowed_until"]["S"] == first
    assert trail_actions(aws) == ["uitzondering op de termijn"]  # no entry without its action
    changed = allow(helpdesk, second, reason="Langer nodig", seen=first)  # seen: a change
    assert changed.status_code == 200
    assert scan(aws, "ScopeState")[0]["allowed_until"]["S"] == second


def test_a_failed_write_stores_neither_the_exception_nor_its_audit_entry(ready, helpdesk, aws,
                                                                         monkeypatch):
    real = Connection.transact_write_items
    calls = {"left": 1}

    def failing(connection, *args, **kwargs):
        if calls["left"]:
            calls["left"] -= 1
            raise ConnectionError("injected")
        return real(connection, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", failing)
    until = (today() + timedelta(days=7)).isoformat()
    assert allow(helpdesk, until).status_code == 500
    assert scan(aws, "ScopeState") == [] and trail_actions(aws) == []
    assert allow(helpdesk, until).status_code == 200  # doing it again completes it


@pytest.mark.parametrize("until,reason,message", [
    ("", "reden", "Vul een geldige datum in"),
    ("31-02-2026", "reden", "Vul een geldige datum in"),
    ("<script>", "reden", "Vul een geldige datum in"),
    ("regular", "reden", "kan elke gemeente al verzenden; kies een latere datum"),
    ("far", "reden", "Kies een datum binnen een jaar"),
    ("next week", "  ", "Geef een reden op"),
])
def test_bad_input_gets_a_dutch_message_and_a_400(ready, helpdesk, aws, until, reason, message):
    values = {"regular": (today() - timedelta(days=1)).isoformat(),
              "far": (today() + timedelta(days=400)).isoformat(),
              "next week": (today() + timedelta(days=7)).strftime("%d-%m-%Y")}
    response = allow(helpdesk, values.get(until, until), reason)
    assert response.status_code == 400 and message in response.text
    assert scan(aws, "ScopeState") == [] and trail_actions(aws) == []


def test_a_date_in_the_past_is_refused(helpdesk, aws, monkeypatch):
    monkeypatch.setenv("DELIVERY_DEADLINE", (today() - timedelta(days=30)).isoformat())
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", (today() - timedelta(days=20)).isoformat())
    response = allow(helpdesk, (today() - timedelta(days=2)).isoformat())
    assert response.status_code == 400 and "Die datum is al voorbij" in response.text


def test_without_a_window_there_is_nothing_to_allow(helpdesk, aws):
    assert "Er is geen aanlevertermijn ingesteld" in helpdesk.get(PAGE).text
    response = allow(helpdesk, (today() + timedelta(days=7)).isoformat())
    assert response.status_code == 400 and "geen aanlevertermijn ingesteld" in response.text


def test_an_exception_for_a_municipality_without_deliveries_publishes_nothing(
        closed, helpdesk, aws):
    from chalicelib.helpdesk import season
    from chalicelib.publication.reconcile import reconcile

    make_registrant("anna@groningen.nl", ("GM0014",))
    assert allow(helpdesk, (today() + timedelta(days=7)).isoformat()).status_code == 200
    assert reconcile(2026) == {"GM0014#2026": "nothing sent"}
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json") is None
    [groningen] = [r for r in season.overview(2026) if r.code == "GM0014"]
    assert groningen.status == season.Status.REGISTERED


def test_earlier_cycles_are_read_and_withdrawn_in_the_pages(helpdesk, aws):
    from chalicelib.delivery import sending
    from chalicelib.questionnaire import drafts
    from chalicelib.questionnaire.definitions import load
    from tests.support.answers import COMPLETE_RAW

    person = make_registrant("anna@groningen.nl", ("GM0014",))
    definition = load("ceo-wmo", 2026)
    earlier = dataclasses.replace(definition, cycle=2025)
    for _ in range(2):
        drafts.start_from(person.id, "GM0014", earlier, COMPLETE_RAW, 2025,
                          now=datetime.now(UTC))
        registrant, draft, state = drafts.load_with_registrant(person.id, "GM0014", 2025,
                                                               with_state=True)
        sending.send(registrant, "GM0014", "Groningen", earlier, draft, state)
        draft.delete(add_version_condition=False)
    deliver(person, "GM0014")  # and one this cycle
    current = helpdesk.get(PAGE).text
    assert 'href="/helpdesk/gemeente/GM0014?jaar=2025">2025</a>' in current
    page = helpdesk.get(f"{PAGE}?jaar=2025").text
    assert "verantwoordingsjaar 2025" in page and "GM0014-2025-2" in page
    assert "GM0014-2026-1" not in page and "Uitzondering op de termijn" not in page
    assert f'href="{PAGE}/intrekken/GM0014-2025-2"' in page
    confirm = helpdesk.get(f"{PAGE}/intrekken/GM0014-2025-2").text
    assert "Daarna telt" in confirm and "GM0014-2025-1</a>" in confirm
    withdrawn = helpdesk.submit(f"{PAGE}/intrekken/GM0014-2025-2", {"reden": "Dubbel"},
                                form_page=f"{PAGE}/intrekken/GM0014-2025-2")
    assert withdrawn.status_code == 200 and "is ingetrokken" in withdrawn.text
    assert "verantwoordingsjaar 2025" in withdrawn.text
    statuses = {item["delivery_id"]["S"]: item["status"]["S"] for item in scan(aws, "Deliveries")}
    assert statuses == {"GM0014-2025-1": "valid", "GM0014-2025-2": "withdrawn",
                        "GM0014-2026-1": "valid"}
    restored = helpdesk.submit(f"{PAGE}/herstellen/GM0014-2025-2", {"reden": "Toch goed"},
                               form_page=f"{PAGE}?jaar=2025")
    assert restored.status_code == 200 and "is hersteld" in restored.text
    for bad in ("abc", "1999", "3000"):
        response = helpdesk.get(f"{PAGE}?jaar={bad}")
        assert response.status_code == 400 and "Kies een verantwoordingsjaar" in response.text


def test_an_exception_is_for_one_instrument_jeugd_apart_from_wmo(ready, helpdesk, aws):
    """Chosen: an exception names its instrument (each has its own window): letting Groningen
    finish its Jeugd delivery does not reopen its Wmo one, and the reverse."""
    fill_all(ready, instrument="ceo-jeugd")
    page = helpdesk.get(PAGE).text
    assert 'name="onderzoek" value="jeugd"' in page and 'name="onderzoek" value="wmo"' in page
    until = (today() + timedelta(days=7)).isoformat()
    granted = helpdesk.submit(ALLOW, {"tot": until, "reden": "Ziekte", "huidig": "",
                                      "onderzoek": "jeugd"}, form_page=PAGE)
    assert granted.status_code == 200, granted.text
    assert "voor CEO Jeugd" in granted.text
    [state] = scan(aws, "ScopeState")
    assert state["scope"]["S"] == "GM0014#2026#jeugd" and state["allowed_until"]["S"] == until
    wmo = send(ready)
    assert wmo.status_code == 400 and "De aanlevertermijn is voorbij" in wmo.text
    assert send(ready, instrument="ceo-jeugd").status_code == 303
    [delivery] = scan(aws, "Deliveries")
    assert delivery["scope"]["S"] == "GM0014#2026#jeugd" and delivery["late"]["BOOL"] is True
    jeugd_part = helpdesk.get(PAGE).text.split('id="uitzondering_jeugd"', 1)[1]
    assert "Groningen mag verzenden tot en met" in jeugd_part
    stale = helpdesk.submit(DISALLOW, {"reden": "Toch niet", "huidig": until,
                                       "onderzoek": "wmo"}, form_page=PAGE)
    assert stale.status_code == 409  # Wmo had none: the Jeugd exception stays
    done = helpdesk.submit(DISALLOW, {"reden": "Klaar", "huidig": until, "onderzoek": "jeugd"},
                           form_page=PAGE)
    assert done.status_code == 200 and "ingetrokken voor CEO Jeugd" in done.text
    assert "allowed_until" not in scan(aws, "ScopeState")[0]


def test_an_unknown_instrument_is_refused_in_dutch(ready, helpdesk, aws):
    response = helpdesk.submit(ALLOW, {"tot": (today() + timedelta(days=7)).isoformat(),
                                       "reden": "x", "huidig": "", "onderzoek": "zorg"},
                               form_page=PAGE)
    assert response.status_code == 400 and "Kies CEO Wmo of CEO Jeugd" in response.text
    assert scan(aws, "ScopeState") == [] and trail_actions(aws) == []
