"""Sending: immutable deliveries, exactly once, receipts, history and the delivery window."""
from __future__ import annotations

import json
import re
import threading
from datetime import datetime

import pytest

from tests.support.answers import ALL, with_answer
from tests.support.browser import Browser
from tests.support.feed import bucket_object, record
from tests.support.flows import (
    fill_all,
    register,
    register_fill_and_send,
    reset,
    save,
    seen_on,
    send,
    signed_in,
)
from tests.support.tables import scan


@pytest.fixture()
def complete(browser, mailbox):
    signed_in(browser, mailbox, codes=("GM0014", "GM0034"))
    return fill_all(browser)


def text_of(item, attribute="snapshot"):
    return json.dumps(json.loads(item[attribute]["S"]), ensure_ascii=False)


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
    assert "of bewaar haar als bestand" in page  # a delivery is "ze/haar" in every text
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
        # a statement ends with its own full stop; its figures follow on a line of their own
        assert not re.search(r"\.: \w", part), re.search(r".{30}\.: \w.{20}", part)
    code = re.search(r"persoonlijke code (\w{4}-\w{4})", receipt.text).group(1)
    assert code in receipt.html


def test_colleagues_of_the_municipality_get_a_notice(complete, aws, mailbox):
    import app

    colleague = Browser(app.app)
    register(colleague, email="collega@groningen.nl", codes=("GM0014",))
    send(complete)
    [notice] = [m for m in mailbox.to("collega@groningen.nl") if "aanlevering gedaan" in m.subject]
    assert "GM0014-2026-1" in notice.text and "GM0014-2026-1" in notice.html
    own = re.search(r"code is: (\w{4}-\w{4})", mailbox.to("a.devries@groningen.nl")[0].text)[1]
    # a colleague is named, not coded: the personal code stays the helpdesk's key
    assert "door uw collega Anna de Vries" in notice.text and own not in notice.text


def test_nothing_is_sent_while_answers_are_missing(browser, mailbox, aws):
    signed_in(browser, mailbox)
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


def test_the_review_page_says_before_the_button_what_blocks_sending(complete, aws,
                                                                    monkeypatch):
    save(complete, "toestemming", [("toestemming_college", "nee")])
    review = complete.get("/gemeente/GM0014/controleren").text
    assert "Alle verplichte vragen zijn ingevuld" not in review
    blocked = review.index("U kunt nog niet verzenden")
    assert "geen toestemming" in review[blocked:]
    assert re.search(r'<a href="/gemeente/GM0014/vragen/toestemming\?terug=controleren'
                     r'#toestemming_college">Wijzig het antwoord over toestemming</a>', review)
    assert ">Verzenden</button>" not in review  # no button that can only refuse
    # a closed window is named there too, before the answers
    monkeypatch.setenv("DELIVERY_OPENS", "2020-01-01")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2020-06-30")
    closed = complete.get("/gemeente/GM0014/controleren").text
    blocked = closed.index("U kunt nu niet verzenden")
    assert blocked < closed.index("De aanlevertermijn is voorbij") < closed.index('id="verzenden"')
    # consent given: the green notice and the button again
    save(complete, "toestemming", ALL["toestemming"])
    monkeypatch.delenv("DELIVERY_OPENS")
    monkeypatch.delenv("DELIVERY_DEADLINE")
    ready = complete.get("/gemeente/GM0014/controleren").text
    assert "Alle verplichte vragen zijn ingevuld" in ready and "U kunt nog niet" not in ready
    assert ">Verzenden</button>" in ready


def test_double_click_makes_one_delivery(complete, aws, mailbox):
    page = complete.get("/gemeente/GM0014/controleren").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    body = f"csrf_token={token}&gezien={seen_on(page)}&bevestig_toestemming=ja".encode()
    first = complete.post_raw("/gemeente/GM0014/verzenden", body)
    second = complete.post_raw("/gemeente/GM0014/verzenden", body)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == \
        "/gemeente/GM0014/verzonden/1"  # both clicks end on the same confirmation
    assert len(scan(aws, "DeliveriesTableName")) == 1
    assert len([m for m in mailbox.all() if "Ontvangst" in m.subject]) == 1


def test_concurrent_sends_of_one_draft_make_one_delivery(complete, aws, app_module,
                                                       monkeypatch):
    from chalicelib.delivery import sending
    from chalicelib.questionnaire import drafts, journey

    definition = journey.current_definition()
    [item] = scan(aws, "RegistrantsTableName")
    # Real DynamoDB applies a transaction atomically and in isolation; moto applies it item by
    # item, so threads could see half of one. A lock gives moto DynamoDB's guarantee, so this
    # tests the send logic rather than moto's gap.
    from pynamodb.connection.base import Connection

    real_transact = Connection.transact_write_items
    atomic = threading.Lock()

    def isolated(connection, *args, **kwargs):
        with atomic:
            return real_transact(connection, *args, **kwargs)

    monkeypatch.setattr(Connection, "transact_write_items", isolated)
    # five requests that each read the draft before any of them sends
    loaded = [drafts.load_with_registrant(item["id"]["S"], "GM0014", 2026, with_state=True)
              for _ in range(5)]
    results, errors = [], []

    def press(registrant, draft, state):
        try:
            results.append(sending.send(registrant, "GM0014", "Groningen", definition,
                                        draft, state))
        except Exception as error:
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
    save(complete, "uitkomsten", with_answer("uitkomsten", "belangrijkste_uitkomsten",
                                             "Gecorrigeerde uitkomsten."))
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
    import app

    colleague = Browser(app.app)
    signed_in(colleague, mailbox, email="collega@groningen.nl", codes=("GM0014",))
    send(complete)
    # the colleague works in the same draft: a correction after Anna's delivery
    save(colleague, "uitkomsten", with_answer("uitkomsten", "belangrijkste_uitkomsten",
                                              "Correctie van de collega."))
    send(colleague)
    revisions = sorted(int(d["revision"]["N"]) for d in scan(aws, "DeliveriesTableName"))
    assert revisions == [1, 2]
    assert "GM0014-2026-2" in colleague.get("/start").text


def test_snapshot_is_immune_to_later_definition_changes(complete, aws, monkeypatch):
    """After the definition is reworded, what was sent is still published and exported with
    the wording it was sent with."""
    import copy

    from chalicelib.helpdesk import export
    from chalicelib.publication import forwarding
    from chalicelib.questionnaire import journey
    from devtools.stream_pump import LambdaContext

    send(complete)
    [delivery] = scan(aws, "DeliveriesTableName")
    sent = json.loads(delivery["snapshot"]["S"])
    exported = (export.as_json(2026), export.as_csv(2026))

    def reworded(question):
        return copy.replace(
            question, label="NIEUW LABEL", standalone="NIEUW LABEL", caption="NIEUW LABEL",
            options=tuple(copy.replace(o, label="NIEUWE KEUZE") for o in question.options),
            rows=tuple(copy.replace(r, label="NIEUWE RIJ", formats=tuple(
                copy.replace(f, label="NIEUWE VORM", categories=tuple(
                    copy.replace(c, label="NIEUWE CATEGORIE") for c in f.categories))
                for f in r.formats)) for r in question.rows))

    original = journey.current_definition()
    renamed = copy.replace(original, sections=tuple(
        copy.replace(s, title="NIEUWE STAP", questions=tuple(map(reworded, s.questions)))
        for s in original.sections))
    # the names through which the running code reads the current definition
    monkeypatch.setattr(journey, "load", lambda *_: renamed)
    monkeypatch.setattr(export, "load", lambda *_: renamed)
    # the rewording is live: a page rendered now shows it
    assert "NIEUW LABEL" in complete.get("/gemeente/GM0014/vragen/opzet").text
    assert "NIEUW LABEL" in complete.get("/gemeente/GM0014/controleren").text

    forwarding.handle({"Records": [record("GM0014#2026", 1, "INSERT")]}, LambdaContext("f"))
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    report = bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    for published in (json.dumps(document, ensure_ascii=False), report):
        for new in ("NIEUW LABEL", "NIEUWE KEUZE", "NIEUWE RIJ", "NIEUWE CATEGORIE",
                    "NIEUWE STAP", "NIEUWE VORM"):
            assert new not in published
        assert "De belangrijkste uitkomsten" in published
        assert "Gebruikers van een maatwerkvoorziening, Mantelzorgers" in published
    # exactly the wording that was sent, answer by answer
    sent_answers = {a["question_id"]: a for a in sent["answers"]}
    for answer in document["answers"]:
        assert (answer["section"], answer["label"], answer["text"]) == tuple(
            sent_answers[answer["question_id"]][k] for k in ("section", "label", "text"))
    sent_rows = {row_id: row for a in sent["answers"] if a["type"] == "score_table"
                 for row_id, row in a["value"].items()}
    assert [(s["question_id"], s["label"], [c["label"] for c in s["categories"]])
            for s in document["scores"]] == [
        (row_id, row["label"], [c["label"] for c in row["categories"]])
        for row_id, row in sent_rows.items()]
    assert (export.as_json(2026), export.as_csv(2026)) == exported
    assert export.as_json(2026)["municipalities"][0]["delivery"] == "GM0014-2026-1"
    [delivery] = scan(aws, "DeliveriesTableName")
    assert "NIEUW LABEL" not in text_of(delivery)


def test_another_tab_saving_between_review_and_send_is_caught(complete, aws, monkeypatch):
    from chalicelib.delivery import sending
    from chalicelib.platform.models import Draft

    real_commit = sending._commit

    def edit_then_commit(registrant, municipality, name, definition, draft, *rest):
        stored = Draft.get(draft.key)
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
    import app

    colleague = Browser(app.app)
    signed_in(colleague, mailbox, email="collega@groningen.nl", codes=("GM0014",))
    assert "Beginnen met de antwoorden" not in colleague.get("/start").text  # the shared draft
    reset(colleague)
    start = colleague.get("/start").text
    assert "Beginnen met de antwoorden van aanlevering GM0014-2026-1" in start
    response = colleague.submit("/gemeente/GM0014/overnemen", {}, form_page="/start")
    assert response.headers["Location"] == "/gemeente/GM0014/controleren"
    review = colleague.get("/gemeente/GM0014/controleren").text
    assert "Alle verplichte vragen zijn ingevuld" in review
    assert "Cliënten zijn tevreden." in review


def test_confirmation_of_another_municipality_is_404(delivered, app_module, mailbox):
    """A delivery that exists, of a municipality that is not theirs: the access check
    answers as for a page that does not exist."""
    almere = Browser(app_module.app)
    register_fill_and_send(almere, mailbox, email="collega@almere.nl", code="GM0034")
    assert "GM0034-2026-1" in almere.get("/gemeente/GM0034/verzonden/1").text  # it exists
    assert delivered.get("/gemeente/GM0014/verzonden/1").status_code == 200  # theirs
    for path in ("/gemeente/GM0034/verzonden/1",   # another's municipality, with a delivery
                 "/gemeente/GM0050/verzonden/1"):  # a real municipality that is not theirs
        refused = delivered.get(path)
        assert refused.status_code == 404, path
        assert "Pagina niet gevonden" in refused.text and "GM0034-2026-1" not in refused.text
    assert delivered.get("/gemeente/GM0014/verzonden/99").status_code == 404
    assert delivered.get("/gemeente/GM0014/verzonden/abc").status_code == 404


@pytest.mark.parametrize("today,open_,late,fragment", [
    ("2025-12-31", False, False, "Verzenden kan vanaf 1 januari 2026"),
    ("2026-03-01", True, False, "Verzend uiterlijk 30 juni 2026"),
    ("2026-07-15", True, True, "als te laat gemarkeerd"),
    ("2026-11-01", False, False, "De aanlevertermijn is voorbij"),
])
def test_delivery_window(monkeypatch, today, open_, late, fragment):
    from chalicelib.delivery import window

    monkeypatch.setenv("DELIVERY_OPENS", "2026-01-01")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2026-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2026-10-31")
    moment = datetime.fromisoformat(today + "T12:00:00+00:00")
    result = window.window(moment)
    assert (result.open, result.late) == (open_, late)
    assert fragment in result.message


@pytest.mark.parametrize("today,late_until,expected", [
    ("2026-03-01", "2026-10-31", "Verzend uiterlijk 30 juni 2026: dan is uw aanlevering op "
                                "tijd. Daarna nemen wij een aanlevering nog aan tot en met 31 "
                                "oktober 2026, gemarkeerd als te laat."),
    ("2026-07-15", "2026-10-31", "De termijn liep tot en met 30 juni 2026. Daarna nemen wij een "
                                "aanlevering nog aan tot en met 31 oktober 2026, gemarkeerd als "
                                "te laat."),
    ("2026-11-01", "2026-10-31", "De aanlevertermijn liep tot en met 30 juni 2026; te laat "
                                "aanleveren kon tot en met 31 oktober 2026."),
    ("2026-03-01", "2026-06-30", "Verzend uiterlijk 30 juni 2026; daarna nemen wij geen "
                                "aanlevering meer aan."),
])
def test_the_deadlines_in_words(monkeypatch, today, late_until, expected):
    from chalicelib.delivery import window

    monkeypatch.setenv("DELIVERY_DEADLINE", "2026-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", late_until)
    assert window.deadlines(datetime.fromisoformat(today + "T12:00:00+00:00")) == expected


def test_start_and_review_pages_say_until_when_sending_is_on_time_and_late(complete,
                                                                           monkeypatch):
    monkeypatch.setenv("DELIVERY_OPENS", "2020-01-01")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2099-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2099-10-31")
    on_time, late = "uiterlijk 30 juni 2099: dan is uw aanlevering op tijd", \
        "nog aan tot en met 31 oktober 2099, gemarkeerd als te laat"
    start = complete.get("/start").text
    assert on_time in start and late in start
    review = complete.get("/gemeente/GM0014/controleren").text
    assert on_time in review[:review.index(">Verzenden</button>")]
    assert late in review[:review.index(">Verzenden</button>")]
    # before the window opens, the page says when it opens and both days too
    monkeypatch.setenv("DELIVERY_OPENS", "2099-01-01")
    review = complete.get("/gemeente/GM0014/controleren").text
    assert "Verzenden kan vanaf 1 januari 2099" in review and on_time in review and late in review
    # where sending is always open (the local stage), no dates are made up
    for name in ("DELIVERY_OPENS", "DELIVERY_DEADLINE", "DELIVERY_LATE_UNTIL"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("DELIVERY_WINDOW", "open")
    assert 'id="termijn"' not in complete.get("/start").text


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
    reset(complete)
    fill_all(complete)  # the same number of saves: the same draft version
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


def test_next_cycle_starts_without_last_years_consent_fieldwork_or_report(browser, mailbox, aws):
    """Prefilling from the previous cycle's delivery copies what still holds (aims, method,
    actions), never last year's college consent, its date, the fieldwork or the report."""
    from chalicelib.questionnaire import drafts, journey
    from tests.support.answers import COMPLETE_RAW

    signed_in(browser, mailbox, codes=("GM0014",))
    [item] = scan(aws, "RegistrantsTableName")
    definition = journey.current_definition()
    drafts.start_from(item["id"]["S"], "GM0014", definition, COMPLETE_RAW, definition.cycle - 1)
    [draft] = scan(aws, "DraftsTableName")
    kept = json.loads(draft["answers"]["S"])
    for gone in ("toestemming_college", "toestemming_datum", "periode", "periode__tot",
                 "rapport_url", "rapport_datum", "besproken_raad_datum", "onderzoek_uitgevoerd"):
        assert gone not in kept, gone
    assert kept["doel"] == COMPLETE_RAW["doel"] and kept["methode"] == COMPLETE_RAW["methode"]
    review = browser.get("/gemeente/GM0014/controleren").text
    assert "Alle verplichte vragen zijn ingevuld" not in review
    assert "Deze antwoorden ontbreken nog of kloppen niet" in review


def test_warnings_need_one_acknowledgement_and_withheld_scores_are_named(complete, mailbox,
                                                                          aws):
    save(complete, "opzet", with_answer("opzet", "onderwerpen", "kwaliteit"))
    save(complete, "uitkomsten", with_answer("uitkomsten", "scores__q5__n", "12"))
    review = complete.get("/gemeente/GM0014/controleren")
    text = review.text
    assert "Controleer dit punt" in text and "toegankelijkheid, kwaliteit én effect" in text
    assert "Niet getoond op de publicatiesite" in text
    assert re.search(r"<li>Wist u dat u gebruik kon maken van een onafhankelijke "
                     r"cliëntondersteuner\? \(12 geldige antwoorden\)</li>", text)
    refused = send(complete)
    assert refused.status_code == 400 and "bevestig dat de antwoorden toch kloppen" in \
        refused.text
    assert scan(aws, "DeliveriesTableName") == []
    sent = send(complete, extra=[("bevestig_waarschuwingen", "ja")])
    assert sent.status_code == 303
    [receipt] = [m for m in mailbox.to("a.devries@groningen.nl")
                 if m.subject.startswith("Ontvangstbevestiging")]
    for body in (receipt.text, receipt.html):
        assert "Niet getoond op de publicatiesite" in body
        assert "Wist u dat u gebruik kon maken van een onafhankelijke cliëntondersteuner? " \
               "(12 geldige antwoorden)" in body
