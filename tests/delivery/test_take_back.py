"""Taking a delivery back: the municipality itself withdraws the delivery that counts, with a
reason; the previous one counts again (or nothing), colleagues are told, the helpdesk can
restore it. Through the pages, as the representatives, the helpdesk and the site see it."""
from __future__ import annotations

import html
import re

import pytest

from tests.support.answers import ALL
from tests.support.browser import Browser
from tests.support.feed import bucket_object, record, run
from tests.support.flows import fill_all, save, send, signed_in
from tests.support.tables import scan

ANNA = "a.devries@groningen.nl"
ELS = "e.jansen@groningen.nl"
PIET = "p.bakker@groningen.nl"
VIEW = "/gemeente/GM0014/aanlevering/"


def text(response) -> str:
    """What the page says, without its tags."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.text)).split())


def confirmation(browser, number: str):
    return browser.get(f"{VIEW}{number}/terugnemen")


def take_back(browser, number: str, reason: str | None, revision: str | None = None):
    """Opens the confirmation page (for the CSRF token and the revision it shows) and posts
    it; `revision` overrides what the page showed (a page opened earlier)."""
    page = confirmation(browser, number)
    shown = re.search(r'name="revisie" value="(\d+)"', page.text)
    fields = [("revisie", revision if revision is not None else shown.group(1))]
    if reason is not None:
        fields.append(("reden", reason))
    return browser.submit(f"{VIEW}{number}/terugnemen", fields,
                          form_page=f"{VIEW}{number}/terugnemen")


def revision_shown(browser, number: str) -> str:
    return re.search(r'name="revisie" value="(\d+)"', confirmation(browser, number).text)[1]


def statuses(aws) -> dict[int, str]:
    return {int(i["sequence"]["N"]): i["status"]["S"] for i in scan(aws, "DeliveriesTableName")}


def feed(aws, sequence: int = 1) -> dict | None:
    run([record("GM0014#2026", sequence)])
    return bucket_object(aws, "ceo-wmo/2026/GM0014.json")


def set_four_eyes(helpdesk, *coordinators: str):
    """The helpdesk switches four-eyes on for Groningen with these coordinators."""
    page = html.unescape(helpdesk.get("/helpdesk/gemeente/GM0014").text)
    ids = [("coordinator", re.search(
        rf'value="([^"]+)"(?: checked)?><label for="coord-\d+">{name} \(', page)[1])
           for name in coordinators]
    return helpdesk.submit("/helpdesk/gemeente/GM0014/vier-ogen", [("vier_ogen", "aan"), *ids],
                           form_page="/helpdesk/gemeente/GM0014")


def trail():
    from chalicelib.helpdesk import audit_trail
    from chalicelib.platform import audit

    return audit_trail.trail(audit.subject_municipality("GM0014"))


@pytest.fixture()
def two_sent(browser, mailbox, app_module):
    """Anna sent twice for Groningen (GM0014-2026-2 counts); Piet is her colleague."""
    signed_in(browser, mailbox)
    piet = signed_in(Browser(app_module.app), mailbox, email=PIET, naam="Piet Bakker")
    fill_all(browser)
    assert send(browser).status_code == 303
    save(browser, "uitkomsten", ALL["uitkomsten"])
    assert send(browser).status_code == 303
    return browser, piet


def test_a_representative_takes_back_the_latest_and_the_previous_counts_again(
        two_sent, aws, mailbox, helpdesk):
    from chalicelib.accounts import registrants

    anna, piet = two_sent
    assert feed(aws, 2)["delivery"]["id"] == "GM0014-2026-2"
    view = text(anna.get(f"{VIEW}GM0014-2026-2"))
    assert "Deze aanlevering terugnemen" in view
    assert "Deze aanlevering terugnemen" not in text(anna.get(f"{VIEW}GM0014-2026-1"))
    page = text(confirmation(anna, "GM0014-2026-2"))
    assert "Daarna telt weer aanlevering GM0014-2026-1" in page
    done = take_back(anna, "GM0014-2026-2", "De raad heeft de cijfers nog niet gezien")
    assert done.status_code == 303
    assert "U heeft de aanlevering teruggenomen" in text(anna.get(done.headers["Location"]))
    assert statuses(aws) == {1: "valid", 2: "withdrawn"}
    document = feed(aws, 2)  # the site shows the previous delivery again
    assert document["delivery"]["id"] == "GM0014-2026-1" and document["revision"] == 3
    [notice] = [m for m in mailbox.to(PIET) if "teruggenomen" in m.subject]
    assert "Anna de Vries heeft aanlevering GM0014-2026-2" in notice.text
    assert "De raad heeft de cijfers nog niet gezien (nu telt GM0014-2026-1)" in notice.text
    assert not [m for m in mailbox.to(ANNA) if "teruggenomen" in m.subject]
    assert "Teruggenomen door de gemeente" in text(piet.get("/start"))
    # audited by personal code, never by name, in the same trail the helpdesk reads
    code = registrants.find_by_email(ANNA).personal_code
    [entry] = [e for e in trail() if e.action == "teruggenomen door de gemeente"]
    assert entry.actor == f"vertegenwoordiger {code}" and "Anna" not in str(entry)
    assert entry.reason == "De raad heeft de cijfers nog niet gezien"
    # the helpdesk restores it as any withdrawal
    restored = helpdesk.submit("/helpdesk/gemeente/GM0014/herstellen/GM0014-2026-2",
                               {"reden": "Op verzoek van de gemeente"},
                               form_page="/helpdesk/gemeente/GM0014")
    assert "is hersteld" in restored.text
    assert feed(aws, 2)["delivery"]["id"] == "GM0014-2026-2"


def test_taking_back_the_only_delivery_retracts_it(browser, mailbox, aws):
    signed_in(browser, mailbox)
    fill_all(browser)
    send(browser)
    assert feed(aws)["status"] == "published"
    page = text(confirmation(browser, "GM0014-2026-1"))
    assert "Daarna telt er voor het onderzoek over 2025 geen aanlevering meer" in page
    assert take_back(browser, "GM0014-2026-1", "Verkeerde gemeente").status_code == 303
    assert feed(aws)["status"] == "retracted"
    # the answers are open again, to correct and send anew
    assert "Verzenden" in text(browser.get("/gemeente/GM0014/controleren"))
    assert send(browser).status_code == 303
    assert feed(aws, 2)["delivery"]["id"] == "GM0014-2026-2"


def test_a_reason_is_required_and_nothing_changes_without_it(two_sent, aws):
    anna, _ = two_sent
    for reason in (None, "   "):
        refused = take_back(anna, "GM0014-2026-2", reason)
        assert refused.status_code == 400
        assert "Schrijf waarom u de aanlevering terugneemt" in text(refused)
    too_long = take_back(anna, "GM0014-2026-2", "x" * 1001)
    assert too_long.status_code == 400 and "te lang" in text(too_long)
    assert statuses(aws) == {1: "valid", 2: "valid"}
    assert trail() == []


def test_a_stale_page_is_refused_and_changes_nothing(two_sent, aws, helpdesk):
    anna, piet = two_sent
    # Piet's page was opened when 2 counted; then the helpdesk withdrew and restored it
    seen = revision_shown(piet, "GM0014-2026-2")
    for action in ("intrekken", "herstellen"):
        helpdesk.submit(f"/helpdesk/gemeente/GM0014/{action}/GM0014-2026-2", {"reden": "x"},
                        form_page="/helpdesk/gemeente/GM0014")
    before = len(trail())
    stale = take_back(piet, "GM0014-2026-2", "te laat", revision=seen)
    assert stale.status_code == 409 and "intussen" in text(stale)
    # a delivery that no longer counts (a newer one was sent since the page was opened)
    seen = revision_shown(piet, "GM0014-2026-2")
    save(anna, "uitkomsten", ALL["uitkomsten"])
    send(anna)
    gone = take_back(piet, "GM0014-2026-2", "te laat", revision=seen)
    assert gone.status_code == 409
    assert "GM0014-2026-2 telt nu niet (nu telt GM0014-2026-3)" in text(gone)
    assert statuses(aws) == {1: "valid", 2: "valid", 3: "valid"}
    assert len(trail()) == before


def test_without_a_csrf_token_nothing_is_taken_back(two_sent, aws):
    anna, _ = two_sent
    refused = anna.post_raw(f"{VIEW}GM0014-2026-2/terugnemen", b"revisie=2&reden=x")
    assert refused.status_code == 403
    assert statuses(aws) == {1: "valid", 2: "valid"}


def test_with_four_eyes_only_a_coordinator_may_take_back(browser, mailbox, app_module,
                                                         helpdesk, aws):
    signed_in(browser, mailbox)
    els = signed_in(Browser(app_module.app), mailbox, email=ELS, naam="Els Jansen")
    piet = signed_in(Browser(app_module.app), mailbox, email=PIET, naam="Piet Bakker")
    assert set_four_eyes(helpdesk, "Els Jansen").status_code == 200
    fill_all(browser)
    send(browser)
    els.submit(f"{VIEW}GM0014-2026-1/goedkeuren", [("bevestigd", "ja")], form_page="/start")
    assert feed(aws)["status"] == "published"
    for outsider in (browser, piet):  # the sender and a colleague: not coordinators
        assert "Deze aanlevering terugnemen" not in text(outsider.get(f"{VIEW}GM0014-2026-1"))
        assert "alleen een coördinator" in text(confirmation(outsider, "GM0014-2026-1"))
        refused = outsider.submit(f"{VIEW}GM0014-2026-1/terugnemen",
                                  {"revisie": "1", "reden": "mag niet"}, form_page="/start")
        assert refused.status_code == 403 and "alleen een coördinator" in text(refused)
    assert statuses(aws) == {1: "valid"}
    assert "Deze aanlevering terugnemen" in text(els.get(f"{VIEW}GM0014-2026-1"))
    assert take_back(els, "GM0014-2026-1", "College trekt toestemming in").status_code == 303
    assert feed(aws)["status"] == "retracted"
    told = {m.to for m in mailbox.all() if "teruggenomen" in m.subject}
    assert told == {ANNA, PIET}
