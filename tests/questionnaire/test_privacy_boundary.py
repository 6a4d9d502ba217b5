"""The privacy rule at its edge, on every surface that shows figures: 19 valid answers are
withheld, 20 are shown — in the feed and the citizen's report, on the review page, in the
receipt mail and in the helpdesk's export. (Every other test uses 19 against 398, which would
not notice the rule moving by one.)"""
from __future__ import annotations

import json

import pytest

from tests.support.answers import with_answer
from tests.support.feed import bucket_object, deliver, make_registrant, record, run
from tests.support.flows import fill_all, save, send, signed_in

EDGE = [(19, True), (20, False)]
STATEMENT = "Wist u dat u gebruik kon maken van een onafhankelijke cliëntondersteuner?"


def test_the_rule_itself():
    from chalicelib.questionnaire import privacy

    assert privacy.minimum_valid_answers() == 20
    assert privacy.withheld(19) and not privacy.withheld(20)
    assert privacy.withheld(4, minimum=5) and not privacy.withheld(5, minimum=5)


@pytest.mark.parametrize("valid,withheld", EDGE)
def test_feed_and_report(aws, app_module, valid, withheld):
    deliver(make_registrant(), scores__q5__n=str(valid))
    run([record("GM0014#2026", 1, "INSERT")])
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    [row] = [r for r in document["scores"] if r["question_id"] == "q5"]
    assert row["withheld"] is withheld
    assert (row["agree"] is None) is withheld
    report = bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    assert (f"te weinig antwoorden ({valid})" in report) is withheld


@pytest.mark.parametrize("valid,withheld", EDGE)
def test_review_page_and_receipt(browser, mailbox, aws, valid, withheld):
    signed_in(browser, mailbox)
    fill_all(browser)
    save(browser, "uitkomsten", with_answer("uitkomsten", "scores__q5__n", str(valid)))
    review = browser.get("/gemeente/GM0014/controleren").text
    named = f"{STATEMENT} ({valid} geldige antwoorden)"
    assert ("Niet getoond op de publicatiesite" in review) is withheld
    assert (named in review.replace("<li>", "").replace("</li>", "")) is withheld
    sent = send(browser, extra=[("bevestig_waarschuwingen", "ja")])
    assert sent.status_code == 303
    [receipt] = [m for m in mailbox.to("a.devries@groningen.nl")
                 if m.subject.startswith("Ontvangstbevestiging")]
    for body in (receipt.text, receipt.html):
        assert ("Niet getoond op de publicatiesite" in body) is withheld
        assert (named in body) is withheld


@pytest.mark.parametrize("valid,withheld", EDGE)
def test_helpdesk_export(helpdesk, aws, valid, withheld):
    person = make_registrant(email="exp@ede.nl", codes=("GM0014", "GM0034"))
    deliver(person, code="GM0014")
    deliver(person, code="GM0034", scores__q1__n=str(valid))
    data = json.loads(helpdesk.get("/helpdesk/export/2026/json").text)
    score = data["municipalities"][1]["scores"]["q1"]
    assert score["n"] == valid and score["withheld"] is withheld
    assert (score["agree"] is None) is withheld
    assert data["national"]["q1"]["municipalities"] == (1 if withheld else 2)
