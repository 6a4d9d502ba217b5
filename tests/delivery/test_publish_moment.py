"""Publishing at a chosen moment ("publiceren vanaf"): the delivery counts at once, but the
feed keeps what it published before (or nothing) until the moment has passed; then the
reconciler publishes it, once. The moment can be changed or cancelled until it passes.
Through the pages, the bucket and the feed's change notifications; the clock is moved
(tests/support/clock.py), never waited for."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.answers import ALL
from tests.support.browser import Browser
from tests.support.clock import Clock
from tests.support.feed import bucket_object, notifications_in, record, run, subscribe_queue
from tests.support.flows import fill_all, save, send, signed_in
from tests.support.tables import scan

VIEW = "/gemeente/GM0014/aanlevering/"
ELS = "e.jansen@groningen.nl"
NEWS = "Nieuw: de raad zag deze cijfers eerst"  # the second delivery's headline


def text(response) -> str:
    """What the page says, without its tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.text)).split())


def amsterdam_fields(hours_ahead: float) -> tuple[str, str]:
    """(date, time) as typed in the form for the whole minute `hours_ahead` from now."""
    from chalicelib.platform.formatting import amsterdam

    moment = (datetime.now(UTC) + timedelta(hours=hours_ahead)).astimezone(amsterdam())
    return f"{moment:%d-%m-%Y}", f"{moment:%H:%M}"


def send_from(browser, when: tuple[str, str] | None, choice: str = "vanaf"):
    fields = [("publiceren", choice if when else "direct")]
    if when:
        fields += [("publiceren_datum", when[0]), ("publiceren_tijd", when[1])]
    return send(browser, extra=fields)


def shown(aws, sequence: int) -> dict | None:
    """What the site holds for Groningen after the stream forwarded `sequence`'s change."""
    run([record("GM0014#2026", sequence)])
    return bucket_object(aws, "ceo-wmo/2026/GM0014.json")


def reconcile():
    """A scheduled run of the reconciler (what EventBridge queues every 15 minutes)."""
    from chalicelib.publication import reconcile as reconciler

    return reconciler.run({}).outcomes


def news_for(queue: str) -> list[dict]:
    return [n for n in notifications_in(queue) if n.get("municipality") == "GM0014"
            or "GM0014" in str(n)]


@pytest.fixture()
def published_once(browser, mailbox, aws):
    """Anna sent Groningen's first delivery, published at once; the site shows it."""
    signed_in(browser, mailbox)
    fill_all(browser)
    assert send_from(browser, None).status_code == 303
    assert shown(aws, 1)["delivery"]["id"] == "GM0014-2026-1"
    save(browser, "uitkomsten", [(name, NEWS if name == "belangrijkste_uitkomsten" else value)
                                 for name, value in ALL["uitkomsten"]])
    return browser


def test_a_scheduled_delivery_counts_at_once_but_is_published_only_after_its_moment_once(
        published_once, aws, helpdesk, monkeypatch, mailbox):
    anna = published_once
    queue = subscribe_queue(aws)
    clock = Clock(monkeypatch)
    when = amsterdam_fields(2)
    sent = send_from(anna, when)
    assert sent.status_code == 303
    confirmation = text(anna.get(sent.headers["Location"]))
    assert f"toont de uitkomsten vanaf {when[0][:2].lstrip('0')}" in confirmation
    receipt = [m for m in mailbox.to("a.devries@groningen.nl") if "GM0014-2026-2" in m.text][-1]
    assert f"Publicatie: vanaf {when[0][:2].lstrip('0')}" in receipt.text
    # it counts: for the helpdesk, the municipality's own pages
    page = text(helpdesk.get("/helpdesk/gemeente/GM0014"))
    assert re.search(r"GM0014-2026-2.{0,80}Telt nu; publicatie gepland vanaf", page)
    assert "Telt nu; de publicatiesite toont haar pas vanaf" in text(anna.get(f"{VIEW}"
                                                                              "GM0014-2026-2"))
    # the start page says what is true: it waits for its moment (not "Telt nu")
    start = text(anna.get("/start"))
    row = re.findall(r"GM0014-2026-2.{0,160}", start)[-1]
    assert f"Wordt gepubliceerd op {when[0][:2].lstrip('0')}" in row and "Telt nu" not in row
    # the stream's forward and a reconciler run before the moment: the site keeps delivery 1
    assert shown(aws, 2)["delivery"]["id"] == "GM0014-2026-1"
    assert reconcile()["GM0014#2026"] == "up to date"
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["delivery"]["id"] == "GM0014-2026-1"
    assert NEWS not in bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    assert NEWS not in str(bucket_object(aws, "ceo-wmo/2026/GM0014.json"))
    notifications_in(queue)  # the relabelled old content: no news about delivery 2
    # the moment passes (nobody ran anything then: an outage); the next run publishes it
    clock.advance(3)
    assert reconcile()["GM0014#2026"].startswith("released: ")
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    assert document["delivery"]["id"] == "GM0014-2026-2" and document["status"] == "published"
    assert document["headline"]["text"] == NEWS
    assert NEWS in bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    row = re.findall(r"GM0014-2026-2.{0,160}", text(anna.get("/start")))[-1]
    assert "Telt nu" in row and "Wordt gepubliceerd" not in row
    revision = document["revision"]
    # exactly once: later runs and a late stream record publish nothing again
    assert reconcile()["GM0014#2026"] == "up to date"
    assert shown(aws, 2)["revision"] == revision
    news = [n for n in notifications_in(queue) if "GM0014" in str(n)]
    assert len(news) == 1 and f'"revision": {revision}' in str(news).replace("'", '"')
    from chalicelib.helpdesk import audit_trail
    from chalicelib.platform import audit

    actions = [e.action for e in audit_trail.trail(audit.subject_municipality("GM0014"))]
    assert "gepubliceerd op het gekozen moment" in actions


def test_the_first_delivery_scheduled_publishes_nothing_before_its_moment(browser, mailbox,
                                                                          aws, monkeypatch):
    clock = Clock(monkeypatch)
    signed_in(browser, mailbox)
    fill_all(browser)
    assert send_from(browser, amsterdam_fields(1)).status_code == 303
    assert shown(aws, 1) is None  # no retraction, no document: nothing at all
    reconcile()
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json") is None
    assert bucket_object(aws, "ceo-wmo/2026/index.json") is None
    clock.advance(2)
    reconcile()
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["delivery"]["id"] == "GM0014-2026-1"


@pytest.mark.parametrize(("fields", "message"), [
    ((), "Vul de datum in vanaf wanneer"),
    ((("publiceren_datum", "31-02-2027"), ("publiceren_tijd", "09:00")),
     "Vul een bestaande datum in"),
    ((("publiceren_datum", "morgen"), ("publiceren_tijd", "09:00")),
     "Vul een bestaande datum in"),
    ((("publiceren_datum", "01-01-2027"), ("publiceren_tijd", "25:00")),
     "Vul een bestaand tijdstip in"),
    ((("publiceren_datum", "01-01-2020"), ("publiceren_tijd", "09:00")),
     "Kies een moment in de toekomst"),
])
def test_a_bad_moment_gets_a_dutch_error_and_nothing_is_sent(browser, mailbox, aws, fields,
                                                            message):
    signed_in(browser, mailbox)
    fill_all(browser)
    refused = browser.submit("/gemeente/GM0014/verzenden",
                             [("bevestig_toestemming", "ja"), ("publiceren", "vanaf"),
                              *fields], form_page="/gemeente/GM0014/controleren")
    assert refused.status_code == 400 and message in text(refused)
    assert scan(aws, "DeliveriesTableName") == []


def test_the_moment_must_lie_within_the_sending_window(browser, mailbox, aws, monkeypatch):
    from chalicelib.platform.formatting import amsterdam

    last_day = (datetime.now(UTC) + timedelta(days=5)).astimezone(amsterdam()).date()
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", last_day.isoformat())
    signed_in(browser, mailbox)
    fill_all(browser)
    after = (last_day + timedelta(days=1)).strftime("%d-%m-%Y")
    refused = send_from(browser, (after, "00:30"))
    assert refused.status_code == 400
    assert "Kies een moment binnen de aanlevertermijn" in text(refused)
    assert scan(aws, "DeliveriesTableName") == []
    assert send_from(browser, (last_day.strftime("%d-%m-%Y"), "23:59")).status_code == 303


def test_the_moment_can_be_changed_or_cancelled_until_it_passes(published_once, aws,
                                                               monkeypatch):
    anna = published_once
    clock = Clock(monkeypatch)
    send_from(anna, amsterdam_fields(1))
    page = text(anna.get(f"{VIEW}GM0014-2026-2"))
    assert "Publicatiemoment opslaan" in page
    later = amsterdam_fields(5)
    moved = anna.submit(f"{VIEW}GM0014-2026-2/publicatiemoment",
                        [("publiceren", "vanaf"), ("publiceren_datum", later[0]),
                         ("publiceren_tijd", later[1])], form_page=f"{VIEW}GM0014-2026-2")
    assert moved.status_code == 303
    assert "Het publicatiemoment is gewijzigd" in text(anna.get(moved.headers["Location"]))
    bad = anna.submit(f"{VIEW}GM0014-2026-2/publicatiemoment",
                      [("publiceren", "vanaf"), ("publiceren_datum", "gisteren")],
                      form_page=f"{VIEW}GM0014-2026-2")
    assert bad.status_code == 400 and "Vul een bestaande datum in" in text(bad)
    clock.advance(2)  # the first moment has passed: it no longer applies
    reconcile()
    assert shown(aws, 2)["delivery"]["id"] == "GM0014-2026-1"
    # cancelled: published at once, through the stream
    cancelled = anna.submit(f"{VIEW}GM0014-2026-2/publicatiemoment", [("publiceren", "direct")],
                            form_page=f"{VIEW}GM0014-2026-2")
    assert cancelled.status_code == 303
    assert shown(aws, 2)["delivery"]["id"] == "GM0014-2026-2"
    clock.advance(4)  # the moved moment passes: nothing left to release
    assert reconcile()["GM0014#2026"] == "up to date"


def test_a_passed_moment_can_no_longer_be_changed(published_once, aws, monkeypatch):
    anna = published_once
    clock = Clock(monkeypatch)
    send_from(anna, amsterdam_fields(1))
    form_page = anna.get(f"{VIEW}GM0014-2026-2")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text)[1]
    clock.advance(2)  # passed, not yet released: too late all the same
    later = amsterdam_fields(5)
    from urllib.parse import urlencode

    late = anna.post_raw(f"{VIEW}GM0014-2026-2/publicatiemoment", urlencode([
        ("csrf_token", token), ("publiceren", "vanaf"), ("publiceren_datum", later[0]),
        ("publiceren_tijd", later[1])]).encode())
    assert late.status_code == 409 and "al voorbij" in text(late)
    assert reconcile()["GM0014#2026"].startswith("released: ")
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["delivery"]["id"] == "GM0014-2026-2"


def test_with_four_eyes_the_approving_coordinator_chooses_the_moment(
        browser, mailbox, app_module, helpdesk, aws, monkeypatch):
    signed_in(browser, mailbox)
    els = signed_in(Browser(app_module.app), mailbox, email=ELS, naam="Els Jansen")
    page = html.unescape(helpdesk.get("/helpdesk/gemeente/GM0014").text)
    els_id = re.search(r'value="([^"]+)"(?: checked)?><label for="coord-\d+">Els Jansen \(',
                       page)[1]
    helpdesk.submit("/helpdesk/gemeente/GM0014/vier-ogen",
                    [("vier_ogen", "aan"), ("coordinator", els_id)],
                    form_page="/helpdesk/gemeente/GM0014")
    clock = Clock(monkeypatch)
    fill_all(browser)
    assert "Wanneer mag" not in text(browser.get("/gemeente/GM0014/controleren"))
    send(browser)
    assert "Wanneer mag" in text(els.get(f"{VIEW}GM0014-2026-1"))
    bad = els.submit(f"{VIEW}GM0014-2026-1/goedkeuren", [("publiceren", "vanaf")],
                     form_page="/start")
    assert bad.status_code == 400 and "Vul de datum in" in text(bad)
    assert scan(aws, "DeliveriesTableName")[0]["status"]["S"] == "pending"
    when = amsterdam_fields(1)
    approved = els.submit(f"{VIEW}GM0014-2026-1/goedkeuren",
                          [("publiceren", "vanaf"), ("publiceren_datum", when[0]),
                           ("publiceren_tijd", when[1]), ("bevestigd", "ja")],
                          form_page="/start")
    assert approved.status_code == 303
    assert shown(aws, 1) is None
    clock.advance(2)
    reconcile()
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["delivery"]["id"] == "GM0014-2026-1"
