"""Looking at a sent delivery: a representative opens any delivery of their municipalities (their
own and colleagues', any cycle), the helpdesk any delivery; the answers as on the review page,
who sent it and when, where it stands, the report as the site shows it, JSON and HTML files."""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re

import boto3
import pytest

from tests.support.answers import ALL, with_answer
from tests.support.browser import Browser
from tests.support.feed import bucket_object, record
from tests.support.flows import fill_all, save, send, signed_in

VIEW = "/gemeente/GM0014/aanlevering/GM0014-2026-1"


@pytest.fixture()
def colleague(app_module, mailbox, delivered):
    """A second representative of Groningen, signed in (Anna sent GM0014-2026-1)."""
    return signed_in(Browser(app_module.app), mailbox, email="els@groningen.nl",
                     naam="Els Jansen", codes=("GM0014",))


def summary_rows(page: str) -> list[tuple[str, str]]:
    """(question, answer) of every answer row, text only, change links left out."""
    rows = []
    for row in re.findall(r'<div class="summary-row[^"]*">(.*?)</div>', page, flags=re.DOTALL):
        question = re.search(r"<dt>(.*?)</dt>", row, flags=re.DOTALL)
        answer = re.search(r"<dd>(.*?)</dd>", row, flags=re.DOTALL)
        if question and answer:
            text = re.sub(r"<[^>]+>", " ", answer.group(1))
            rows.append((html.unescape(question.group(1)).strip(),
                         " ".join(html.unescape(text).split())))
    return rows


def test_the_sender_opens_the_delivery_from_the_start_page(delivered):
    review = delivered.get("/gemeente/GM0014/controleren").text
    start = delivered.get("/start").text
    assert f'<a class="nr" href="{VIEW}">GM0014-2026-1</a>' in start
    page = delivered.get(VIEW)
    assert page.status_code == 200
    assert "<h1>Aanlevering GM0014-2026-1</h1>" in page.text
    assert "Telt nu" in page.text and "Anna de Vries</a>" not in page.text
    assert "Anna de Vries (u)" in page.text
    assert re.search(r"Verzonden</dt><dd>\d+ \w+ 2026 om \d\d:\d\d uur", page.text)
    # the answers read exactly as on the review page: one piece of code renders both
    answers = [row for row in summary_rows(review) if row[1] != "Niet ingevuld"]  # not sent
    assert answers and set(answers) <= set(summary_rows(page.text))
    shown = re.sub(r"<[^>]+>", "", page.text)
    assert "Mee eens: 55,5%" in shown and "Wijzig" not in page.text
    assert 'media="print" href="/assets/print.css?v=' in page.text
    confirmation = delivered.get("/gemeente/GM0014/verzonden/1").text
    assert f'href="{VIEW}"' in confirmation


def test_a_colleague_sees_the_delivery_with_the_sender_s_name(colleague):
    page = colleague.get(VIEW).text
    assert "Anna de Vries, persoonlijke code" in page and "(u)" not in page
    assert f'href="{VIEW}"' in colleague.get("/start").text


def test_only_representatives_of_the_municipality_get_in(app_module, mailbox, delivered,
                                                         browser):
    outsider = signed_in(Browser(app_module.app), mailbox, email="piet@ede.nl",
                         codes=("GM0228",))
    for path in (VIEW, f"{VIEW}/json", f"{VIEW}/html", f"{VIEW}/rapport"):
        assert outsider.get(path).status_code == 404, path  # as if it did not exist
        assert Browser(app_module.app).get(path).status_code == 401, path
        assert delivered.get(path).status_code == 200, path
    for path in ("/gemeente/GM0014/aanlevering/GM0014-2026-2",  # no such delivery
                 "/gemeente/GM0014/aanlevering/GM0228-2026-1",  # another municipality's
                 "/gemeente/GM0228/aanlevering/GM0014-2026-1",
                 "/gemeente/GM0014/aanlevering/GM0014-2026-1x",
                 "/gemeente/XX/aanlevering/GM0014-2026-1",
                 f"{VIEW}/pdf"):
        response = delivered.get(path)
        assert response.status_code == 404, path
        assert "Pagina niet gevonden" in response.text


def test_the_status_follows_corrections_and_withdrawals(delivered, helpdesk):
    save(delivered, "uitkomsten", with_answer("uitkomsten", "scores__q1__n", "399"))
    assert send(delivered).status_code == 303
    first = delivered.get(VIEW).text
    assert "Vervangen door een nieuwere aanlevering" in first
    assert 'Nu telt <a href="/gemeente/GM0014/aanlevering/GM0014-2026-2">' in first
    withdraw = "/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-2"
    helpdesk.submit(withdraw, {"reden": "Verkeerde telling"}, form_page=withdraw)
    second = delivered.get("/gemeente/GM0014/aanlevering/GM0014-2026-2").text
    assert "Ingetrokken door de helpdesk" in second and "reden: Verkeerde telling" in second
    assert "Nu telt" in second and "GM0014-2026-1</a>" in second
    assert "Telt nu" in delivered.get(VIEW).text
    helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1", {"reden": "Ook fout"},
                    form_page="/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1")
    assert "geen uitkomsten" in delivered.get(VIEW).text


def test_files_to_keep_hold_everything_that_was_sent(delivered, aws):
    data = delivered.get(f"{VIEW}/json")
    assert data.headers["Content-Type"].startswith("application/json")
    assert 'filename="aanlevering-GM0014-2026-1.json"' in data.headers["Content-Disposition"]
    parsed = json.loads(data.text)
    [stored] = boto3.client("dynamodb").scan(TableName=aws["DeliveriesTableName"])["Items"]
    snapshot = json.loads(stored["snapshot"]["S"])
    assert parsed["answers"] == snapshot["answers"] and parsed["derived"] == snapshot["derived"]
    assert parsed["delivery"]["id"] == "GM0014-2026-1"
    assert parsed["delivery"]["standing"] == "counts"
    assert parsed["delivery"]["sent_by"]["name"] == "Anna de Vries"
    page = delivered.get(f"{VIEW}/html")
    assert 'attachment; filename="aanlevering-GM0014-2026-1.html"' in \
        page.headers["Content-Disposition"]
    assert page.text.startswith("<!DOCTYPE html>") and "Cliënten zijn tevreden." in page.text
    shown = {row for row in summary_rows(delivered.get(VIEW).text) if row[0] != "Verzonden door"}
    assert shown <= set(summary_rows(page.text))


def test_the_report_is_what_the_site_shows_with_only_its_own_styles_allowed(delivered, aws):
    from chalicelib.publication import forwarding
    from devtools.stream_pump import LambdaContext

    forwarding.handle({"Records": [record("GM0014#2026", 1, "INSERT")]}, LambdaContext("f"))
    report = delivered.get(f"{VIEW}/rapport")
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("text/html")
    assert report.text == bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    policy = report.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    style = re.search(r"<style>(.*?)</style>", report.text, flags=re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert report.headers["X-Frame-Options"] == "DENY"  # the other headers stay
    # everywhere else the strict policy holds
    assert "style-src 'self'" in delivered.get(VIEW).headers["Content-Security-Policy"]


def test_the_view_shows_what_was_sent_even_when_the_definition_changes_later(delivered, aws):
    client = boto3.client("dynamodb")
    [stored] = client.scan(TableName=aws["DeliveriesTableName"])["Items"]
    snapshot = json.loads(stored["snapshot"]["S"])
    snapshot["answers"][0]["label"] = "Het doel zoals de vragenlijst het toen vroeg"
    client.update_item(TableName=aws["DeliveriesTableName"], Key={
        "scope": stored["scope"], "sequence": stored["sequence"]},
        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "snapshot"},
        ExpressionAttributeValues={":s": {"S": json.dumps(snapshot)}})
    page = delivered.get(VIEW).text
    assert "Het doel zoals de vragenlijst het toen vroeg" in page


def test_the_helpdesk_opens_any_delivery(helpdesk, delivered):
    municipality = helpdesk.get("/helpdesk/gemeente/GM0014").text
    assert 'href="/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-1"' in municipality
    page = helpdesk.get("/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-1")
    assert page.status_code == 200 and "Telt nu" in page.text
    assert re.search(r'<a href="/helpdesk/registrant/[0-9a-f]{32}">Anna de Vries</a>', page.text)
    assert "Deze aanlevering intrekken" in page.text
    for kind in ("json", "html", "rapport"):
        assert helpdesk.get(f"/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-1/{kind}"
                            ).status_code == 200
    for path in ("/helpdesk/gemeente/GM0034/aanlevering/GM0014-2026-1",
                 "/helpdesk/gemeente/GM9999/aanlevering/GM9999-2026-1",
                 "/helpdesk/gemeente/GM0014/aanlevering/GM0014-2025-1",
                 "/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-1/xml"):
        assert helpdesk.get(path).status_code == 404, path


def test_deliveries_of_an_earlier_cycle_open_too(browser, mailbox, aws):
    import copy

    from chalicelib.delivery import sending
    from chalicelib.questionnaire import drafts
    from chalicelib.questionnaire.definitions import load
    from tests.support.answers import COMPLETE_RAW
    from tests.support.feed import make_registrant

    person = make_registrant(email="a.devries@groningen.nl", codes=("GM0014",))
    definition = load("ceo-wmo", 2026)
    earlier = copy.replace(definition, cycle=2025)
    drafts.start_from(person.id, "GM0014", earlier, COMPLETE_RAW, 2025)
    registrant, draft, state = drafts.load_with_registrant(person.id, "GM0014", 2025,
                                                           with_state=True)
    sending.send(registrant, "GM0014", "Groningen", earlier, draft, state)
    browser.get(mailbox.last_link("a.devries@groningen.nl"))
    page = browser.get("/gemeente/GM0014/aanlevering/GM0014-2025-1")
    assert page.status_code == 200 and "onderzoek over 2024, aangeleverd in 2025" in page.text
    assert "Telt nu" in page.text


def test_everything_typed_is_shown_as_text(browser, mailbox):
    payload = '<script>alert("x")</script>'
    signed_in(browser, mailbox)
    fill_all(browser, answers={**ALL, "opzet": with_answer("opzet", "doel", payload)})
    send(browser)
    for path in (VIEW, f"{VIEW}/html"):
        text = browser.get(path).text
        assert "<script>alert" not in text and "&lt;script&gt;alert" in text, path
