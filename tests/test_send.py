"""Sending: immutable deliveries, exactly once, receipts, history and the delivery window."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime

import boto3
import pytest

from tests.test_questionnaire_pages import ALL, save
from tests.test_registration import register


@pytest.fixture()
def complete(browser, mailbox):
    register(browser, codes=("GM0014", "GM0034"))
    browser.get(mailbox.last_link("a.devries@groningen.nl"))
    for section, fields in ALL.items():
        save(browser, section, fields)
    return browser


def send(browser, code="GM0014", confirm=True):
    fields = {"bevestig_toestemming": "ja"} if confirm else {}
    return browser.submit(f"/gemeente/{code}/verzenden", fields,
                          form_page=f"/gemeente/{code}/controleren")


def text_of(item, attribute="snapshot"):
    return json.dumps(json.loads(item[attribute]["S"]), ensure_ascii=False)


def scan(aws, table):
    return boto3.client("dynamodb").scan(TableName=aws[table])["Items"]


def test_send_makes_a_delivery_and_shows_the_confirmation(complete, aws, mailbox):
    review = complete.get("/gemeente/GM0014/controleren").text
    assert 'action="/gemeente/GM0014/verzenden"' in review
    response = send(complete)
    assert response.status_code == 303
    assert response.headers["Location"] == "/gemeente/GM0014/verzonden/1"
    page = complete.get(response.headers["Location"]).text
    assert "Aanlevering verzonden" in page and "GM0014-2026-1" in page
    assert "Groningen" in page and "Wat gebeurt er nu?" in page
    assert "Start de aanlevering voor een andere gemeente" in page
    [delivery] = scan(aws, "DeliveriesTableName")
    assert delivery["status"]["S"] == "valid" and delivery["revision"]["N"] == "1"
    assert delivery["personal_code"]["S"] in complete.get("/start").text
    [state] = scan(aws, "ScopeStateTableName")
    assert state["revision"]["N"] == "1" and state["last_sequence"]["N"] == "1"


def test_receipt_mail_summarises_what_was_sent(complete, mailbox):
    send(complete)
    [receipt] = [m for m in mailbox.to("a.devries@groningen.nl") if "Ontvangst" in m.subject]
    assert "GM0014-2026-1" in receipt.subject
    for part in (receipt.text, receipt.html):
        assert "GM0014-2026-1" in part and "Groningen" in part and "2026" in part
        assert "Cliënten zijn tevreden." in part
        assert "Mee eens 55,5%" in part
        assert "verzend opnieuw" in part
    code = re.search(r"persoonlijke code (\w{4}-\w{4})", receipt.text).group(1)
    assert code in receipt.html


def test_colleagues_of_the_municipality_get_a_notice(complete, aws, mailbox):
    from tests.browser import Browser
    import app

    colleague = Browser(app.app)
    register(colleague, email="collega@groningen.nl", codes=("GM0014",))
    send(complete)
    [notice] = [m for m in mailbox.to("collega@groningen.nl") if "aanlevering gedaan" in m.subject]
    assert "GM0014-2026-1" in notice.text and "GM0014-2026-1" in notice.html
    own = re.search(r"code is: (\w{4}-\w{4})", mailbox.to("a.devries@groningen.nl")[0].text)[1]
    assert own in notice.text  # the colleague sees only the personal code


def test_nothing_is_sent_while_answers_are_missing(browser, mailbox, aws):
    register(browser)
    browser.get(mailbox.last_link("a.devries@groningen.nl"))
    save(browser, "opzet", ALL["opzet"])
    response = send(browser)
    assert response.status_code == 400
    assert "Er is niets verzonden" in response.text
    assert "Nog niet alle antwoorden zijn compleet" in response.text
    assert scan(aws, "DeliveriesTableName") == []


def test_consent_must_be_given_and_confirmed(complete, aws):
    unconfirmed = send(complete, confirm=False)
    assert unconfirmed.status_code == 400
    assert "Bevestig dat het college toestemming heeft gegeven" in unconfirmed.text
    save(complete, "toestemming", [("toestemming_college", "nee")])
    refused = send(complete)
    assert refused.status_code == 400
    assert "Zonder toestemming van het college" in refused.text
    assert scan(aws, "DeliveriesTableName") == []


def test_double_click_makes_one_delivery(complete, aws, mailbox):
    page = complete.get("/gemeente/GM0014/controleren").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    body = f"csrf_token={token}&bevestig_toestemming=ja".encode()
    first = complete.post_raw("/gemeente/GM0014/verzenden", body)
    second = complete.post_raw("/gemeente/GM0014/verzenden", body)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == \
        "/gemeente/GM0014/verzonden/1"  # both clicks end on the same confirmation
    assert len(scan(aws, "DeliveriesTableName")) == 1
    assert len([m for m in mailbox.all() if "Ontvangst" in m.subject]) == 1


def test_concurrent_sends_of_one_draft_make_one_delivery(complete, aws, app_module):
    from chalicelib.delivery import sending
    from chalicelib.questionnaire import drafts, journey

    definition = journey.current_definition()
    [item] = scan(aws, "RegistrantsTableName")
    # five requests that each read the draft before any of them sends
    loaded = [drafts.load_with_registrant(item["id"]["S"], "GM0014", 2026, with_state=True)
              for _ in range(5)]
    results, errors = [], []

    def press(registrant, draft, state):
        try:
            results.append(sending.send(registrant, "GM0014", "Groningen", definition,
                                        draft, state))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=press, args=request) for request in loaded]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # one press wins; every other finds the draft version already sent and sends nothing
    assert [r.delivery_id for r in results] == ["GM0014-2026-1"]
    assert len(errors) == 4 and all(isinstance(e, sending.DraftChanged) for e in errors)
    assert len(scan(aws, "DeliveriesTableName")) == 1
    [stored] = scan(aws, "DraftsTableName")
    assert stored["status"]["S"] == "verzonden" and stored["sent_sequence"]["N"] == "1"


def test_sending_again_later_creates_a_new_delivery_and_keeps_the_old(complete, aws):
    send(complete)
    save(complete, "uitkomsten", [*ALL["uitkomsten"][1:],
                                  ("belangrijkste_uitkomsten", "Gecorrigeerde uitkomsten.")])
    assert "Concept" in complete.get("/start").text
    response = send(complete)
    assert response.headers["Location"] == "/gemeente/GM0014/verzonden/2"
    items = sorted(scan(aws, "DeliveriesTableName"), key=lambda d: int(d["sequence"]["N"]))
    assert [d["revision"]["N"] for d in items] == ["1", "2"]
    assert "Cliënten zijn tevreden." in text_of(items[0])
    assert "Gecorrigeerde uitkomsten." in text_of(items[1])
    start = complete.get("/start").text
    assert "GM0014-2026-1" in start and "GM0014-2026-2" in start
    assert "Vervangen door een nieuwere" in start and "Telt nu" in start


def test_revision_is_strictly_increasing_across_registrants(complete, aws, mailbox):
    from tests.browser import Browser
    import app

    colleague = Browser(app.app)
    register(colleague, email="collega@groningen.nl", codes=("GM0014",))
    colleague.get(mailbox.last_link("collega@groningen.nl"))
    for section, fields in ALL.items():
        save(colleague, section, fields)
    send(complete)
    send(colleague)
    revisions = sorted(int(d["revision"]["N"]) for d in scan(aws, "DeliveriesTableName"))
    assert revisions == [1, 2]
    assert "GM0014-2026-2" in colleague.get("/start").text


def test_snapshot_is_immune_to_later_definition_changes(complete, aws, monkeypatch):
    """After the definition is reworded, what was sent is still published and exported with
    the wording it was sent with."""
    import dataclasses

    from chalicelib.helpdesk import export
    from chalicelib.publication import forwarding
    from chalicelib.questionnaire import definitions as questionnaire
    from devtools.stream_pump import LambdaContext
    from tests.feed_helpers import bucket_object, record

    send(complete)
    original = questionnaire.load("ceo-wmo", 2026)
    renamed = dataclasses.replace(original, sections=tuple(
        dataclasses.replace(s, questions=tuple(dataclasses.replace(q, label="NIEUW LABEL")
                                               for q in s.questions))
        for s in original.sections))
    monkeypatch.setattr(questionnaire, "load", lambda *_: renamed)
    assert complete.get("/start").status_code == 200
    forwarding.handle({"Records": [record("GM0014#2026", 1, "INSERT")]}, LambdaContext("f"))
    document = json.dumps(bucket_object(aws, "2026/GM0014.json"), ensure_ascii=False)
    report = bucket_object(aws, "2026/GM0014.html")
    for published in (document, report):
        assert "NIEUW LABEL" not in published
        assert "Wat zijn de belangrijkste uitkomsten?" in published
    assert export.as_json(2026)["municipalities"][0]["delivery"] == "GM0014-2026-1"
    [delivery] = scan(aws, "DeliveriesTableName")
    assert "NIEUW LABEL" not in text_of(delivery)


def test_another_tab_saving_between_review_and_send_is_caught(complete, aws, monkeypatch):
    from chalicelib.delivery import sending
    from chalicelib.platform.models import Draft

    real_commit = sending._commit

    def edit_then_commit(registrant, municipality, name, definition, draft, *rest):
        stored = Draft.get(draft.registrant_id, draft.key)
        stored.answers = {**stored.answers, "doel": "gewijzigd in tab 2"}
        stored.save()
        return real_commit(registrant, municipality, name, definition, draft, *rest)

    monkeypatch.setattr(sending, "_commit", edit_then_commit)
    response = send(complete)
    assert response.status_code == 409
    assert "Er is niets verzonden" in response.text
    assert scan(aws, "DeliveriesTableName") == []


def test_start_from_an_earlier_delivery(complete, aws, mailbox):
    send(complete)
    from tests.browser import Browser
    import app

    colleague = Browser(app.app)
    register(colleague, email="collega@groningen.nl", codes=("GM0014",))
    colleague.get(mailbox.last_link("collega@groningen.nl"))
    start = colleague.get("/start").text
    assert "Beginnen met de antwoorden van aanlevering GM0014-2026-1" in start
    response = colleague.submit("/gemeente/GM0014/overnemen", {}, form_page="/start")
    assert response.headers["Location"] == "/gemeente/GM0014/controleren"
    review = colleague.get("/gemeente/GM0014/controleren").text
    assert "Alle verplichte vragen zijn ingevuld" in review
    assert "Cliënten zijn tevreden." in review


def test_confirmation_of_another_municipality_is_404(complete):
    send(complete)
    assert complete.get("/gemeente/GM0050/verzonden/1").status_code == 404
    assert complete.get("/gemeente/GM0014/verzonden/99").status_code == 404
    assert complete.get("/gemeente/GM0014/verzonden/abc").status_code == 404


@pytest.mark.parametrize("today,open_,late,fragment", [
    ("2025-12-31", False, False, "Verzenden kan vanaf 1 januari 2026"),
    ("2026-03-01", True, False, "Verzend uiterlijk 30 juni 2026"),
    ("2026-07-15", True, True, "als te laat gemarkeerd"),
    ("2026-11-01", False, False, "De aanlevertermijn is voorbij"),
])
def test_delivery_window(monkeypatch, today, open_, late, fragment):
    from chalicelib.delivery import sending, window

    monkeypatch.setenv("DELIVERY_OPENS", "2026-01-01")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2026-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2026-10-31")
    moment = datetime.fromisoformat(today + "T12:00:00+00:00")
    result = window.window(moment)
    assert (result.open, result.late) == (open_, late)
    assert fragment in result.message


def test_closed_window_keeps_the_questionnaire_readable_but_refuses_sending(
        complete, aws, monkeypatch):
    monkeypatch.setenv("DELIVERY_OPENS", "2020-01-01")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2020-06-30")
    review = complete.get("/gemeente/GM0014/controleren")
    assert review.status_code == 200
    assert "De aanlevertermijn is voorbij" in review.text
    assert 'action="/gemeente/GM0014/verzenden"' not in review.text
    refused = send(complete)
    assert refused.status_code == 400 and "aanlevertermijn is voorbij" in refused.text
    assert scan(aws, "DeliveriesTableName") == []


def test_late_delivery_is_marked(complete, aws, monkeypatch, mailbox):
    monkeypatch.setenv("DELIVERY_DEADLINE", "2020-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")
    response = send(complete)
    assert response.status_code == 303
    assert scan(aws, "DeliveriesTableName")[0]["late"]["BOOL"] is True
    assert "(na de termijn)" in complete.get(response.headers["Location"]).text
    [receipt] = [m for m in mailbox.all() if "Ontvangst" in m.subject]
    assert "(na de termijn)" in receipt.text and "(na de termijn)" in receipt.html


def test_a_delivery_on_time_is_not_marked_late(complete, aws, mailbox):
    response = send(complete)
    assert scan(aws, "DeliveriesTableName")[0]["late"]["BOOL"] is False
    assert "(na de termijn)" not in complete.get(response.headers["Location"]).text
    [receipt] = [m for m in mailbox.all() if "Ontvangst" in m.subject]
    assert "(na de termijn)" not in receipt.text


def test_a_new_draft_after_a_reset_is_sent_too(complete, aws):
    send(complete)
    complete.submit("/gemeente/GM0014/verwijderen", {"bevestig": "ja"},
                    form_page="/gemeente/GM0014/verwijderen")
    for section, fields in ALL.items():  # the same number of saves: the same draft version
        save(complete, section, fields)
    assert send(complete).headers["Location"] == "/gemeente/GM0014/verzonden/2"
    assert len(scan(aws, "DeliveriesTableName")) == 2


def test_a_send_that_meets_a_concurrent_transaction_waits_and_makes_one_delivery(
        complete, aws, monkeypatch):
    """Real DynamoDB cancels a transaction that overlaps another on the same items with
    'TransactionConflict' (moto never does): the send tries again instead of a 500."""
    from pynamodb.connection.base import Connection
    from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

    real = Connection.transact_write_items
    conflicts = []

    def conflicting_once(connection, *args, **kwargs):
        if not conflicts:
            conflicts.append(1)
            cause = VerboseClientError(
                {"Error": {"Code": "TransactionCanceledException", "Message": "conflict"}},
                "TransactWriteItems", cancellation_reasons=[
                    None, None, CancellationReason(code="TransactionConflict")])
            raise TransactWriteError("Failed to write transaction items", cause)
        return real(connection, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", conflicting_once)
    response = send(complete)
    assert response.status_code == 303
    assert response.headers["Location"] == "/gemeente/GM0014/verzonden/1"
    assert conflicts == [1] and len(scan(aws, "DeliveriesTableName")) == 1
