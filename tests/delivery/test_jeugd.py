"""CEO Jeugd beside CEO Wmo: one representative delivers both for one municipality, each
through its own questionnaire, window, numbers and feed (`ceo-jeugd/<cycle>/<code>.json`); a
delivery (or taking one back) for one instrument never touches the other's: the other's feed
objects stay byte for byte, its deliveries and draft as they were."""
from __future__ import annotations

import html
import re
from datetime import date

import boto3
import pytest

from tests.support.feed import bucket_object, record, run, validate
from tests.support.flows import fill_all, save, send, signed_in
from tests.support.tables import scan

JEUGD = "ceo-jeugd"
WMO_KEYS = ("ceo-wmo/2026/GM0014.json", "ceo-wmo/2026/GM0014.html", "ceo-wmo/2026/index.json",
            "ceo-wmo/2026/national.json")


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.text)).split())


def stored(aws, key: str) -> tuple[bytes, str] | None:
    """An object's bytes and ETag as the bucket holds them (None: not there)."""
    s3 = boto3.client("s3")
    try:
        found = s3.get_object(Bucket=aws["PublicationBucketName"], Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    return found["Body"].read(), found["ETag"]


@pytest.fixture()
def both(browser, mailbox, aws):
    """Anna sent Groningen's Wmo delivery, forwarded; the Wmo feed objects as they were then."""
    signed_in(browser, mailbox)
    fill_all(browser)
    assert send(browser).headers["Location"] == "/gemeente/GM0014/verzonden/1"
    run([record("GM0014#2026", 1)])
    before = {key: stored(aws, key) for key in WMO_KEYS}
    assert all(before.values())
    return browser, before


def test_one_representative_delivers_both_and_the_feed_holds_both_wmo_untouched(both, aws):
    anna, before = both
    fill_all(anna, instrument=JEUGD)
    sent = send(anna, instrument=JEUGD)
    assert sent.status_code == 303
    assert sent.headers["Location"] == "/gemeente/GM0014/jeugd/verzonden/1"
    assert "GM0014-2026-J1" in text(anna.get(sent.headers["Location"]))
    run([record("GM0014#2026#jeugd", 1)])
    document = bucket_object(aws, "ceo-jeugd/2026/GM0014.json")
    validate(document)
    assert document["instrument"] == JEUGD and document["status"] == "published"
    assert document["delivery"]["id"] == "GM0014-2026-J1"
    assert document["delivery"]["questionnaire"]["definition"] == \
        "ceo-jeugd/2026/questionnaire-2026.1.json"
    assert document["headline"]["text"].startswith("Ouders en jongeren voelen zich serieus")
    scores = {row["question_id"]: row for row in document["scores"]}
    assert set(scores) == {"o1", "j4"} and scores["o1"]["agree"] == 80.0
    assert scores["j4"]["agree"] == 62.0
    report = bucket_object(aws, "ceo-jeugd/2026/GM0014.html")
    assert "Cliëntervaring Jeugd — onderzoek over 2025" in report and "Wmo" not in report
    topics = next(a for a in document["answers"] if a["question_id"] == "onderwerpen")
    assert "gezond en veilig opgroeien" in topics["text"]
    # Jeugd's own index, national figures and definition; the root index knows both
    index = bucket_object(aws, "ceo-jeugd/2026/index.json")
    validate(index, "cycle-index")
    assert index["municipalities"]["GM0014"]["document"] == "ceo-jeugd/2026/GM0014.json"
    national = bucket_object(aws, "ceo-jeugd/2026/national.json")
    validate(national, "national")
    assert set(national["questions"]) == {"o1", "j4"}
    validate(bucket_object(aws, "ceo-jeugd/2026/questionnaire-2026.1.json"), "questionnaire")
    root = bucket_object(aws, "index.json")
    validate(root, "root-index")
    assert set(root["instruments"]) == {"ceo-wmo", JEUGD}
    # the Wmo objects are exactly what they were: same bytes, same ETag (never rewritten)
    assert {key: stored(aws, key) for key in WMO_KEYS} == before
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["delivery"]["id"] == "GM0014-2026-1"
    # the start page shows both, each with its own delivery that counts
    start = text(anna.get("/start"))
    wmo, jeugd = start.split("CEO Jeugd (Groningen)", 1)
    assert "GM0014-2026-1" in wmo and "Telt nu" in wmo and "GM0014-2026-J1" not in wmo
    assert re.search(r"GM0014-2026-J1.{0,80}Telt nu", jeugd)
    view = anna.get("/gemeente/GM0014/aanlevering/GM0014-2026-J1")
    assert view.status_code == 200 and "Ik werd snel geholpen." not in view.text
    assert "Ik voelde mij serieus genomen door de hulpverlener." in html.unescape(view.text)


def test_taking_jeugd_back_retracts_only_jeugd(both, aws):
    anna, before = both
    fill_all(anna, instrument=JEUGD)
    send(anna, instrument=JEUGD)
    run([record("GM0014#2026#jeugd", 1)])
    number = "GM0014-2026-J1"
    page = anna.get(f"/gemeente/GM0014/aanlevering/{number}/terugnemen")
    revision = re.search(r'name="revisie" value="(\d+)"', page.text)[1]
    taken = anna.submit(f"/gemeente/GM0014/aanlevering/{number}/terugnemen",
                        [("revisie", revision), ("reden", "Verkeerde cijfers")],
                        form_page=f"/gemeente/GM0014/aanlevering/{number}/terugnemen")
    assert taken.status_code == 303
    run([record("GM0014#2026#jeugd", 1)])
    assert bucket_object(aws, "ceo-jeugd/2026/GM0014.json")["status"] == "retracted"
    assert {key: stored(aws, key) for key in WMO_KEYS} == before
    statuses = {i["scope"]["S"]: i["status"]["S"] for i in scan(aws, "DeliveriesTableName")}
    assert statuses == {"GM0014#2026": "valid", "GM0014#2026#jeugd": "withdrawn"}


def test_each_instrument_has_its_own_draft_and_questions(browser, mailbox, aws):
    signed_in(browser, mailbox)
    wmo_page = html.unescape(browser.get("/gemeente/GM0014/vragen/opzet").text)
    jeugd_page = html.unescape(browser.get("/gemeente/GM0014/jeugd/vragen/opzet").text)
    assert "Effect op gezond en veilig opgroeien" in jeugd_page and "CEO Jeugd" in jeugd_page
    assert "Effect op gezond en veilig opgroeien" not in wmo_page
    assert "Toegankelijkheid van de voorzieningen" in wmo_page
    saved = save(browser, "onderzoek", [("onderzoek_uitgevoerd", "ja")], instrument=JEUGD)
    assert saved.headers["Location"] == "/gemeente/GM0014/jeugd/vragen/opzet"
    drafts = {i["key"]["S"]: i for i in scan(aws, "DraftsTableName")}
    assert set(drafts) == {"GM0014#2026#jeugd"}  # no Wmo draft came of it
    assert drafts["GM0014#2026#jeugd"]["instrument"]["S"] == JEUGD
    # the review page and sending belong to Jeugd's own questionnaire
    review = text(browser.get("/gemeente/GM0014/jeugd/controleren"))
    assert "Modelvragenlijst MCJO gebruikt" in review and "CEO Jeugd" in review
    assert browser.get("/gemeente/GM0014/jeugd/vragen/bestaat-niet").status_code == 404


def test_each_instrument_has_its_own_sending_window(browser, mailbox, aws, monkeypatch):
    from chalicelib.platform import cycles

    open_window = cycles.SendingWindow(date(2026, 1, 1), date(2099, 6, 30), date(2099, 10, 31))
    closed = cycles.SendingWindow(date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3))
    monkeypatch.setattr(cycles, "settings", lambda: {"ceo-wmo": {2026: open_window},
                                                      JEUGD: {2026: closed}})
    monkeypatch.setenv("DELIVERY_WINDOW", "cycle")
    signed_in(browser, mailbox)
    fill_all(browser, instrument=JEUGD)
    refused = send(browser, instrument=JEUGD)
    assert refused.status_code == 400 and "aanlevertermijn is voorbij" in text(refused)
    assert scan(aws, "DeliveriesTableName") == []
    fill_all(browser)
    assert send(browser).status_code == 303  # Wmo's window is open
    assert [i["scope"]["S"] for i in scan(aws, "DeliveriesTableName")] == ["GM0014#2026"]


def test_the_helpdesk_finds_withdraws_and_restores_jeugd_apart_from_wmo(both, aws, helpdesk):
    anna, before = both
    fill_all(anna, instrument=JEUGD)
    send(anna, instrument=JEUGD)
    run([record("GM0014#2026#jeugd", 1)])
    page = text(helpdesk.get("/helpdesk/gemeente/GM0014"))
    wmo, jeugd = page.split("CEO Jeugd", 1)
    assert "GM0014-2026-1" in wmo and re.search(r"GM0014-2026-J1.{0,60}Telt nu", jeugd)
    found = text(helpdesk.get("/helpdesk?q=GM0014-2026-j1"))
    assert "GM0014-2026-J1" in found
    path = "/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-J1"
    assert "Nog geen" not in text(helpdesk.get(path)) and helpdesk.get(path).status_code == 200
    done = helpdesk.submit(path, {"reden": "Verkeerde lijst"}, form_page=path)
    assert done.status_code == 200 and "is ingetrokken" in done.text
    run([record("GM0014#2026#jeugd", 1)])
    assert bucket_object(aws, "ceo-jeugd/2026/GM0014.json")["status"] == "retracted"
    assert {key: stored(aws, key) for key in WMO_KEYS} == before
    restored = helpdesk.submit("/helpdesk/gemeente/GM0014/herstellen/GM0014-2026-J1",
                               {"reden": "Toch goed"}, form_page="/helpdesk/gemeente/GM0014")
    assert restored.status_code == 200 and "is hersteld" in restored.text
    run([record("GM0014#2026#jeugd", 1)])
    assert bucket_object(aws, "ceo-jeugd/2026/GM0014.json")["delivery"]["id"] == "GM0014-2026-J1"
    assert {key: stored(aws, key) for key in WMO_KEYS} == before


def test_season_overview_and_reminders_per_instrument(aws, helpdesk, mailbox):
    """Groningen delivered Wmo only: delivered on Wmo's overview, not on Jeugd's; a reminder
    from Jeugd's overview goes to its representative, names CEO Jeugd, and is a record of its
    own beside a Wmo reminder of the same day."""
    from tests.support.browser import deliver_queued
    from tests.support.feed import deliver, make_registrant

    anna = make_registrant("anna@groningen.nl", ("GM0014",))
    deliver(anna, "GM0014")
    mailbox.all()
    wmo = helpdesk.get("/helpdesk/seizoen").text
    jeugd = helpdesk.get("/helpdesk/seizoen?onderzoek=jeugd").text
    assert 'name="gemeente" value="GM0014"' not in wmo  # delivered: nothing to tick
    assert 'name="gemeente" value="GM0014"' in jeugd  # Jeugd not delivered yet
    assert "GM0014-2026-1" in wmo and "GM0014-2026-1" not in jeugd
    csv = helpdesk.get("/helpdesk/seizoen.csv?onderzoek=jeugd").text
    assert "GM0014-2026-1" not in csv and "Aangemeld, niet begonnen" in csv
    assert helpdesk.get("/helpdesk/seizoen?onderzoek=zorg").status_code == 400
    sent = helpdesk.submit("/helpdesk/seizoen/herinnering",
                           [("gemeente", "GM0014"), ("onderzoek", "jeugd")],
                           form_page="/helpdesk/seizoen?onderzoek=jeugd")
    assert sent.status_code == 200 and "Herinnering verstuurd" in sent.text
    deliver_queued()
    [mail] = [m for m in mailbox.to("anna@groningen.nl") if m.subject.startswith("Herinnering")]
    assert "CEO Jeugd" in mail.subject and "cliëntervaringsonderzoek Jeugd" in mail.text
    # Wmo counts as delivered: the same selection on Wmo's overview reminds nobody
    again = helpdesk.submit("/helpdesk/seizoen/herinnering", [("gemeente", "GM0014")],
                            form_page="/helpdesk/seizoen")
    assert "intussen aangeleverd" in again.text
    # a Jeugd delivery makes Groningen delivered on Jeugd's overview too
    deliver(anna, "GM0014", instrument=JEUGD)
    jeugd = helpdesk.get("/helpdesk/seizoen?onderzoek=jeugd").text
    assert 'name="gemeente" value="GM0014"' not in jeugd and "GM0014-2026-J1" in jeugd
    keys = [r["key"]["S"] for r in scan(aws, "Reminders")]
    assert len(keys) == 1 and keys[0].startswith("jeugd#2026#")


def test_four_eyes_holds_jeugd_until_a_coordinator_approves_it_wmo_untouched(
        both, aws, mailbox, app_module, helpdesk):
    """Four-eyes is the municipality's, for both instruments: a Jeugd send waits, the
    coordinator approves it on its own number, and only Jeugd's feed changes."""
    from tests.support.browser import Browser

    anna, before = both
    els = signed_in(Browser(app_module.app), mailbox, email="e.jansen@groningen.nl",
                    naam="Els Jansen")
    page = html.unescape(helpdesk.get("/helpdesk/gemeente/GM0014").text)
    els_id = re.search(r'value="([^"]+)"(?: checked)?><label for="coord-\d+">Els Jansen \(',
                       page)[1]
    assert helpdesk.submit("/helpdesk/gemeente/GM0014/vier-ogen",
                           [("vier_ogen", "aan"), ("coordinator", els_id)],
                           form_page="/helpdesk/gemeente/GM0014").status_code == 200
    fill_all(anna, instrument=JEUGD)
    waiting = anna.get(send(anna, instrument=JEUGD).headers["Location"])
    assert "wacht op goedkeuring" in text(waiting)
    run([record("GM0014#2026#jeugd", 1)])
    assert bucket_object(aws, "ceo-jeugd/2026/GM0014.json") is None  # nothing while it waits
    number = "GM0014-2026-J1"
    start = text(els.get("/start"))
    assert re.search(rf"{number}.{{0,40}}wacht op goedkeuring", start)
    approved = els.submit(f"/gemeente/GM0014/aanlevering/{number}/goedkeuren",
                          [("publiceren", "direct"), ("bevestigd", "ja")], form_page="/start")
    assert approved.status_code == 303, approved.text
    run([record("GM0014#2026#jeugd", 1)])
    assert bucket_object(aws, "ceo-jeugd/2026/GM0014.json")["delivery"]["id"] == number
    assert {key: stored(aws, key) for key in WMO_KEYS} == before


def test_work_on_jeugd_alone_keeps_a_representative_active_for_the_retention_rules(aws):
    """Retention erases representatives inactive for a whole cycle: a save in the Jeugd
    draft is activity as much as one in the Wmo draft."""
    from datetime import UTC, datetime

    from chalicelib.accounts import registrants, retention
    from chalicelib.platform.models import Draft, Registrant, scope_key
    from tests.support.feed import deliver, make_registrant

    person = make_registrant("jeugd@groningen.nl", ("GM0014",))
    deliver(person, "GM0014", instrument=JEUGD)
    long_ago, worked = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 3, 1, tzinfo=UTC)
    Registrant(person.id).update(actions=[Registrant.created_at.set(long_ago),
                                          Registrant.updated_at.set(long_ago),
                                          Registrant.link_issued_at.set(long_ago)])
    draft = Draft.get(scope_key("GM0014", 2026, JEUGD))
    draft.update(actions=[Draft.section_editors.set(
        {section: {**edit, "at": worked.isoformat()}
         for section, edit in (draft.section_editors or {}).items()})],
        add_version_condition=False)
    assert retention.last_active(registrants.get(person.id)) == worked


def test_a_failed_jeugd_notification_fails_jeugd_not_wmo(aws, monkeypatch):
    """SNS refuses the change notification of the Jeugd document only: the Jeugd scope is
    left unrecorded (to be retried), the Wmo scope of the same batch is recorded."""
    from chalicelib.platform.models import ScopeState
    from chalicelib.publication import notifications
    from tests.support.feed import deliver, make_registrant

    person = make_registrant("beide@groningen.nl", ("GM0014",))
    deliver(person, "GM0014")
    deliver(person, "GM0014", instrument=JEUGD)
    real = notifications._sns()

    class RefusesJeugd:
        def publish_batch(self, TopicArn, PublishBatchRequestEntries):
            entries = PublishBatchRequestEntries
            refused = [e for e in entries
                       if e["MessageAttributes"]["instrument"]["StringValue"] == JEUGD]
            answer = real.publish_batch(TopicArn=TopicArn, PublishBatchRequestEntries=[
                e for e in entries if e not in refused])
            return {**answer, "Failed": [{"Id": e["Id"], "Code": "Throttled"} for e in refused]}

    monkeypatch.setattr(notifications, "_sns", lambda: RefusesJeugd())
    outcome = run([record("GM0014#2026", 1), record("GM0014#2026#jeugd", 1)])
    assert len(outcome["batchItemFailures"]) == 1
    assert ScopeState.get("GM0014#2026").forwarded_revision == 1
    assert ScopeState.get("GM0014#2026#jeugd").forwarded_revision is None


def test_a_jeugd_delivery_s_report_is_what_the_site_shows(both, aws):
    """The report page of the Jeugd delivery that counts (after a correction) is byte for byte
    the Jeugd report in the bucket: rendered from Jeugd's scope and definition."""
    anna, _ = both
    fill_all(anna, instrument=JEUGD)
    send(anna, instrument=JEUGD)
    save(anna, "uitkomsten", [("belangrijkste_uitkomsten", "Gecorrigeerd.")], instrument=JEUGD)
    send(anna, instrument=JEUGD)
    run([record("GM0014#2026#jeugd", 2)])
    assert bucket_object(aws, "ceo-jeugd/2026/GM0014.json")["revision"] == 2
    report = anna.get("/gemeente/GM0014/aanlevering/GM0014-2026-J2/rapport")
    assert report.status_code == 200
    assert report.text == bucket_object(aws, "ceo-jeugd/2026/GM0014.html")


def test_the_helpdesk_exports_each_instrument_and_names_it(aws, helpdesk):
    """The national export is per instrument (`?onderzoek=jeugd`), its rows and file say
    which; Wmo's stays what it was without the choice."""
    import csv
    import io
    import json

    from tests.support.feed import deliver, make_registrant

    anna = make_registrant("anna@groningen.nl", ("GM0014", "GM0034"))
    deliver(anna, "GM0014")
    deliver(anna, "GM0034", instrument=JEUGD)
    wmo = json.loads(helpdesk.get("/helpdesk/export/2026/json").text)
    assert wmo["instrument"] == "ceo-wmo"
    assert [(r["code"], r["delivery"]) for r in wmo["municipalities"]] == [
        ("GM0014", "GM0014-2026-1")]
    response = helpdesk.get("/helpdesk/export/2026/json?onderzoek=jeugd")
    assert "ceo-jeugd-2026.json" in response.headers["Content-Disposition"]
    jeugd = json.loads(response.text)
    assert jeugd["instrument"] == JEUGD
    assert [(r["code"], r["delivery"], r["instrument"]) for r in jeugd["municipalities"]] == [
        ("GM0034", "GM0034-2026-J1", JEUGD)]
    assert jeugd["national"] and set(jeugd["national"]) != set(wmo["national"])  # its questions
    table = list(csv.reader(io.StringIO(
        helpdesk.get("/helpdesk/export/2026/csv?onderzoek=jeugd").text)))
    assert table[0][-1] == "onderzoek" and [row[-1] for row in table[1:]] == [JEUGD, JEUGD]
    assert table[1][2] == "GM0034-2026-J1" and table[-1][0] == "NL"
    assert helpdesk.get("/helpdesk/export/2026/csv?onderzoek=zorg").status_code == 400
    links = helpdesk.get("/helpdesk").text
    assert "/helpdesk/export/2026/csv?onderzoek=jeugd" in links


def test_the_helpdesk_search_lists_what_a_person_sent_for_both_instruments(aws, helpdesk):
    from tests.support.feed import deliver, make_registrant

    anna = make_registrant("anna@groningen.nl", ("GM0014",))
    deliver(anna, "GM0014")
    deliver(anna, "GM0014", instrument=JEUGD)
    deliver(anna, "GM0014", instrument=JEUGD)
    found = text(helpdesk.get("/helpdesk?q=anna@groningen.nl"))
    assert re.search(r"GM0014-2026-1 \(telt nu\), GM0014-2026-J1, GM0014-2026-J2 \(telt nu\)",
                     found), found
