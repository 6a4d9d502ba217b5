"""Four-eyes ("vier ogen"): with it on, a send makes a delivery that waits; a coordinator who
did not send it approves it (then it counts and is published) or sends it back with a reason.
Through the pages, as the helpdesk, the representatives and the publication site see it."""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.answers import with_answer
from tests.support.browser import Browser
from tests.support.feed import bucket_object, record, run
from tests.support.flows import fill_all, save, send, signed_in
from tests.support.tables import scan

ELS = "e.jansen@groningen.nl"
PIET = "p.bakker@groningen.nl"
VIEW = "/gemeente/GM0014/aanlevering/"


def text(response) -> str:
    return html.unescape(response.text)


def registrant_id(helpdesk, name: str) -> str:
    page = text(helpdesk.get("/helpdesk/gemeente/GM0014"))
    return re.search(rf'value="([^"]+)"(?: checked)?><label for="coord-\d+">{name} \(',
                     page).group(1)


def set_four_eyes(helpdesk, on: bool, *coordinators: str):
    ids = [("coordinator", registrant_id(helpdesk, name)) for name in coordinators]
    return helpdesk.submit("/helpdesk/gemeente/GM0014/vier-ogen",
                           [("vier_ogen", "aan" if on else "uit"), *ids],
                           form_page="/helpdesk/gemeente/GM0014")


def decide(browser, number: str, kind: str, reason: str | None = None, confirmed: bool = True):
    """Posts a decision; an approval `confirmed` as on its confirmation page."""
    fields = [("reden", reason)] if reason is not None else []
    if kind == "goedkeuren" and confirmed:
        fields.append(("bevestigd", "ja"))
    return browser.submit(f"{VIEW}{number}/{kind}", fields, form_page="/start")


def feed_document(aws, sequence: int):
    run([record("GM0014#2026", sequence, "MODIFY")])
    return bucket_object(aws, "ceo-wmo/2026/GM0014.json")


def delivery_item(aws, sequence: int) -> dict:
    return next(item for item in scan(aws, "DeliveriesTableName")
                if item["sequence"]["N"] == str(sequence))


@pytest.fixture()
def team(browser, mailbox, app_module, helpdesk):
    """Anna, Els and Piet represent Groningen; the helpdesk switches four-eyes on with Els as
    the coordinator."""
    signed_in(browser, mailbox, codes=("GM0014",))
    els = signed_in(Browser(app_module.app), mailbox, email=ELS, naam="Els Jansen")
    piet = signed_in(Browser(app_module.app), mailbox, email=PIET, naam="Piet Bakker")
    assert set_four_eyes(helpdesk, True, "Els Jansen").status_code == 200
    return browser, els, piet


def test_a_send_waits_until_another_coordinator_approves_then_it_counts_and_is_published(
        team, mailbox, aws):
    anna, els, _piet = team
    fill_all(anna)
    review = text(anna.get("/gemeente/GM0014/controleren"))
    assert "Uw gemeente werkt met vier ogen" in review
    confirmation = anna.get(send(anna).headers["Location"])
    assert "wacht op goedkeuring door een coördinator (Els Jansen)" in text(confirmation)
    # the receipt of a delivery that waits says so, not the green "Aanlevering verzonden"
    assert "Aanlevering verzonden" not in text(confirmation)
    assert "panel--success" not in confirmation.text
    assert "<h1>Verzonden, wacht op goedkeuring</h1>" in confirmation.text
    assert delivery_item(aws, 1)["status"]["S"] == "pending"
    assert feed_document(aws, 1) is None  # nothing published while it waits
    receipt = mailbox.to("a.devries@groningen.nl")[-1]
    assert "wacht op goedkeuring door een coördinator" in receipt.text
    assert receipt.subject.endswith("(wacht op goedkeuring)")
    for part in (receipt.text, receipt.html):
        assert "Ze telt nog niet: ze wacht op goedkeuring." in part
    request = mailbox.to(ELS)[-1]
    assert request.subject.startswith("Ter goedkeuring: aanlevering GM0014-2026-1")
    assert "/gemeente/GM0014/aanlevering/GM0014-2026-1" in request.text
    assert "wacht op goedkeuring" in mailbox.to(PIET)[-1].text  # the colleague's notice
    assert "wacht op goedkeuring" in text(anna.get("/start"))
    assert "Bekijken en goedkeuren" in text(els.get("/start"))

    approved = decide(els, "GM0014-2026-1", "goedkeuren")
    assert approved.status_code == 303
    assert "U heeft de aanlevering goedgekeurd" in text(els.get(approved.headers["Location"]))
    item = delivery_item(aws, 1)
    assert item["status"]["S"] == "valid" and item["revision"]["N"] == "1"
    document = feed_document(aws, 1)
    assert document["status"] == "published"
    assert document["delivery"]["id"] == "GM0014-2026-1" and document["revision"] == 1
    assert "is goedgekeurd door Els Jansen" in mailbox.to("a.devries@groningen.nl")[-1].text
    assert "U heeft aanlevering GM0014-2026-1" in mailbox.to(ELS)[-1].text
    view = text(anna.get(f"{VIEW}GM0014-2026-1"))
    assert "Telt nu" in view and "door Els Jansen" in view


def test_the_approval_page_shows_answers_and_confirmed_warnings_first_and_asks_once_more(
        team, aws):
    """Issue 24 §2: the coordinator reads the answers and the warnings the sender confirmed
    before the decisions, which stand apart, and approving asks for a confirmation."""
    anna, els, piet = team
    fill_all(anna)
    save(anna, "opzet", with_answer("opzet", "onderwerpen", "kwaliteit"))
    assert send(anna, extra=[("bevestig_waarschuwingen", "ja")]).status_code == 303
    page = text(els.get(f"{VIEW}GM0014-2026-1"))
    warning = page.index("Waarschuwingen die de afzender heeft bevestigd")
    assert "toegankelijkheid, kwaliteit én effect" in page[warning:warning + 600]
    answers_at = page.index("Doel en opzet van het onderzoek")
    approve_at = page.index('action="/gemeente/GM0014/aanlevering/GM0014-2026-1/goedkeuren"')
    back_at = page.index('action="/gemeente/GM0014/aanlevering/GM0014-2026-1/terugsturen"')
    assert warning < answers_at < approve_at < back_at
    assert page[approve_at:back_at].count("</form>") == 1  # two forms, not one with two ends
    assert page[approve_at:back_at].count("</section>") == 1  # each decision its own card
    # the colleague without the role reads the same, without decisions
    colleague = text(piet.get(f"{VIEW}GM0014-2026-1"))
    assert "Waarschuwingen die de afzender" in colleague and "/goedkeuren" not in colleague

    from chalicelib.platform.formatting import amsterdam

    later = (datetime.now(UTC) + timedelta(hours=1)).astimezone(amsterdam())
    moment = [("publiceren", "vanaf"), ("publiceren_datum", f"{later:%d-%m-%Y}"),
              ("publiceren_tijd", f"{later:%H:%M}")]
    asked = decide(els, "GM0014-2026-1", "goedkeuren", confirmed=False)
    assert asked.status_code == 200
    confirm = text(asked)
    assert "<h1>Aanlevering GM0014-2026-1 goedkeuren?</h1>" in confirm
    assert "Ja, goedkeuren en publiceren" in confirm and "toont haar direct" in confirm
    assert "toegankelijkheid, kwaliteit én effect" in confirm
    assert delivery_item(aws, 1)["status"]["S"] == "pending"
    assert feed_document(aws, 1) is None  # asking published nothing
    refused = decide(piet, "GM0014-2026-1", "goedkeuren", confirmed=False)
    assert refused.status_code == 403 and "Ja, goedkeuren" not in text(refused)
    with_moment = els.submit(f"{VIEW}GM0014-2026-1/goedkeuren", moment, form_page="/start")
    assert with_moment.status_code == 200  # the chosen moment is said and carried along
    assert "toont haar vanaf" in text(with_moment)
    assert f'name="publiceren_datum" value="{later:%d-%m-%Y}"' in with_moment.text
    assert 'name="bevestigd" value="ja"' in with_moment.text
    assert decide(els, "GM0014-2026-1", "goedkeuren").status_code == 303
    assert delivery_item(aws, 1)["status"]["S"] == "valid"


def test_approving_ones_own_delivery_or_without_being_coordinator_is_refused(team, aws,
                                                                          app_module, mailbox):
    _anna, els, piet = team
    fill_all(els)
    send(els)  # Els, the only coordinator, sends herself
    own = decide(els, "GM0014-2026-1", "goedkeuren")
    assert own.status_code == 403
    assert "U kunt uw eigen aanlevering niet goedkeuren" in text(own)
    not_coordinator = decide(piet, "GM0014-2026-1", "goedkeuren")
    assert not_coordinator.status_code == 403
    assert "Alleen een coördinator" in text(not_coordinator)
    assert "U kunt uw eigen aanlevering niet goedkeuren" in text(els.get(f"{VIEW}GM0014-2026-1"))
    assert "Goedkeuren en publiceren" not in text(piet.get(f"{VIEW}GM0014-2026-1"))
    assert delivery_item(aws, 1)["status"]["S"] == "pending"
    assert "Er is nog geen andere coördinator" in mailbox.to(ELS)[-1].text
    assert feed_document(aws, 1) is None


def test_sending_back_needs_a_reason_and_the_delivery_never_counts(team, mailbox, aws):
    anna, els, _piet = team
    fill_all(anna)
    send(anna)
    for blank in ("", "   \n  "):
        refused = decide(els, "GM0014-2026-1", "terugsturen", blank)
        assert refused.status_code == 400 and "Schrijf waarom" in text(refused)
    too_long = decide(els, "GM0014-2026-1", "terugsturen", "x" * 5000)
    assert too_long.status_code == 400 and "te lang" in text(too_long)
    assert delivery_item(aws, 1)["status"]["S"] == "pending"
    sent_back = decide(els, "GM0014-2026-1", "terugsturen", "Tabel 2 klopt niet <b>echt</b>")
    assert sent_back.status_code == 303
    item = delivery_item(aws, 1)
    assert item["status"]["S"] == "returned"
    assert "Tabel 2 klopt niet <b>echt</b>" in mailbox.to("a.devries@groningen.nl")[-1].text
    assert "teruggestuurd door Els Jansen" in mailbox.to("a.devries@groningen.nl")[-1].text
    assert "U heeft aanlevering GM0014-2026-1" in mailbox.to(ELS)[-1].text
    start = anna.get("/start").text
    assert "is teruggestuurd" in start and "&lt;b&gt;echt&lt;/b&gt;" in start
    assert feed_document(aws, 1) is None
    again = decide(els, "GM0014-2026-1", "goedkeuren")  # a replayed or stale click
    assert again.status_code == 409 and "wacht niet (meer)" in text(again)
    # the answers were sent back, not used up: sending them again needs no edit first
    page = anna.get("/gemeente/GM0014/controleren").text
    review = html.unescape(page)
    assert "Deze antwoorden zijn verzonden" not in review
    assert "Aanlevering GM0014-2026-1 is teruggestuurd" in review  # and why, once more
    assert "Reden: Tabel 2 klopt niet &lt;b&gt;echt&lt;/b&gt;" in page
    assert 'action="/gemeente/GM0014/verzenden"' in review
    assert send(anna).headers["Location"].endswith("/gemeente/GM0014/verzonden/2")
    assert delivery_item(aws, 2)["status"]["S"] == "pending"
    assert "is teruggestuurd" not in text(anna.get("/gemeente/GM0014/controleren"))


def test_only_the_newest_delivery_can_be_approved(team, aws):
    anna, els, _piet = team
    fill_all(anna)
    send(anna)
    fill_all(anna)  # a correction: the draft is saved again, then sent again
    send(anna)
    stale = decide(els, "GM0014-2026-1", "goedkeuren")
    assert stale.status_code == 409 and "vervangen door een nieuwere" in text(stale)
    assert "voordat ze werd goedgekeurd" in text(anna.get(f"{VIEW}GM0014-2026-1"))
    assert decide(els, "GM0014-2026-2", "goedkeuren").status_code == 303
    document = feed_document(aws, 2)
    assert document["delivery"]["id"] == "GM0014-2026-2" and document["revision"] == 1


def test_a_coordinator_removed_while_a_delivery_waits(team, aws, helpdesk, monkeypatch):
    """The coordinator's role is checked in the approval's own transaction: one removed
    between the page and the click cannot approve. The helpdesk sees the wait and can send
    it back."""
    from chalicelib.delivery import four_eyes

    anna, els, _piet = team
    fill_all(anna)
    send(anna)
    els_id = registrant_id(helpdesk, "Els Jansen")
    stale_roles = four_eyes.coordinator_ids("GM0014")
    assert set_four_eyes(helpdesk, True, "Piet Bakker").status_code == 200
    monkeypatch.setattr(four_eyes, "coordinator_ids", lambda code: stale_roles)
    raced = decide(els, "GM0014-2026-1", "goedkeuren")
    assert raced.status_code == 409 and "intussen gewijzigd" in text(raced)
    assert delivery_item(aws, 1)["status"]["S"] == "pending"
    monkeypatch.undo()
    assert els_id not in four_eyes.coordinator_ids("GM0014")
    page = text(helpdesk.get("/helpdesk/gemeente/GM0014"))
    assert "Wacht op goedkeuring" in page
    blank = helpdesk.submit("/helpdesk/gemeente/GM0014/terugsturen/GM0014-2026-1",
                            {"reden": ""}, form_page="/helpdesk/gemeente/GM0014")
    assert blank.status_code == 400
    sent_back = helpdesk.submit("/helpdesk/gemeente/GM0014/terugsturen/GM0014-2026-1",
                                {"reden": "Geen coördinator meer"},
                                form_page="/helpdesk/gemeente/GM0014")
    assert sent_back.status_code == 200 and "is teruggestuurd" in text(sent_back)
    assert delivery_item(aws, 1)["status"]["S"] == "returned"
    assert "door de helpdesk" in text(anna.get(f"{VIEW}GM0014-2026-1"))
    trail = text(helpdesk.get("/helpdesk/gemeente/GM0014"))
    assert "aanlevering teruggestuurd" in trail and "vier ogen ingesteld" in trail


def test_coordinators_manage_four_eyes_themselves(team, aws, helpdesk):
    anna, els, piet = team
    piet_id = registrant_id(helpdesk, "Piet Bakker")
    els_id = registrant_id(helpdesk, "Els Jansen")
    read_only = text(anna.get("/gemeente/GM0014/vier-ogen"))
    assert "Vier ogen staat <strong>aan</strong>" in anna.get("/gemeente/GM0014/vier-ogen").text
    assert "Coördinatoren: Els Jansen" in read_only
    forged = anna.submit("/gemeente/GM0014/vier-ogen", [("vier_ogen", "uit")],
                         form_page="/gemeente/GM0014/vier-ogen")
    assert forged.status_code == 403 and "Alleen een coördinator" in text(forged)
    nobody = els.submit("/gemeente/GM0014/vier-ogen", [("vier_ogen", "aan")],
                        form_page="/gemeente/GM0014/vier-ogen")
    assert nobody.status_code == 400 and "minstens één coördinator" in text(nobody)
    outsider = els.submit("/gemeente/GM0014/vier-ogen",
                          [("vier_ogen", "aan"), ("coordinator", "iemand-anders")],
                          form_page="/gemeente/GM0014/vier-ogen")
    assert outsider.status_code == 409
    bad_switch = els.submit("/gemeente/GM0014/vier-ogen", [("vier_ogen", "ja\x00")],
                            form_page="/gemeente/GM0014/vier-ogen")
    assert bad_switch.status_code == 400
    saved = els.submit("/gemeente/GM0014/vier-ogen",
                       [("vier_ogen", "aan"), ("coordinator", els_id), ("coordinator", piet_id)],
                       form_page="/gemeente/GM0014/vier-ogen")
    assert saved.status_code == 303
    assert "u bent coördinator" in text(piet.get("/start"))
    piet_code = re.search(r'Piet Bakker</a> \((?:<span class="code">)?([A-Z0-9]{4}-[A-Z0-9]{4})',
                          text(helpdesk.get("/helpdesk/gemeente/GM0014"))).group(1)
    els_code = re.search(r'Els Jansen</a> \((?:<span class="code">)?([A-Z0-9]{4}-[A-Z0-9]{4})',
                         text(helpdesk.get("/helpdesk/gemeente/GM0014"))).group(1)
    trail = text(helpdesk.get("/helpdesk/gemeente/GM0014")).split("<h2>Logboek</h2>")[-1]
    # the append-only trail names people by personal code only: erasing one leaves no name
    assert f"{piet_code} is nu coördinator" in trail and f"vertegenwoordiger {els_code}" in trail
    assert "Piet Bakker" not in trail and "Els Jansen" not in trail
    assert all("Jansen" not in str(item) and "Bakker" not in str(item)
               for item in scan(aws, "AuditTableName") + scan(aws, "HeldTableName"))
    memberships = {item["registrant_id"]["S"]: item.get("coordinator", {}).get("BOOL")
                   for item in scan(aws, "MembershipsTableName")}
    assert memberships[piet_id] is True and memberships[els_id] is True


def test_switching_off_makes_the_next_send_count_at_once(team, aws, helpdesk):
    anna, _els, _piet = team
    assert set_four_eyes(helpdesk, False, "Els Jansen").status_code == 200
    fill_all(anna)
    send(anna)
    assert delivery_item(aws, 1)["status"]["S"] == "valid"
    assert feed_document(aws, 1)["delivery"]["id"] == "GM0014-2026-1"


def test_the_season_overview_shows_the_wait_and_no_reminder_goes_out(team, aws, helpdesk):
    from chalicelib.helpdesk import reminders, season

    anna, _els, _piet = team
    fill_all(anna)
    send(anna)
    [row] = [r for r in season.overview(2026) if r.code == "GM0014"]
    assert row.status == season.Status.APPROVAL
    page = text(helpdesk.get("/helpdesk/seizoen?status=ter-goedkeuring"))
    assert "Groningen" in page and "wacht op goedkeuring (vier ogen)" in page
    from datetime import date

    assert "GM0014" in reminders.plan(["GM0014"], 2026, date(2026, 6, 1)).delivered


def test_a_send_after_the_coordinator_changed_the_reviewed_answers_is_refused(team, aws,
                                                                            mailbox):
    """Anna checks the answers; coordinator Els then changes a section; Anna presses
    Verzenden: nothing goes out under Anna's name with Els's text for Els to approve."""
    from tests.support.answers import with_answer
    from tests.support.flows import save, seen_on

    anna, els, _piet = team
    fill_all(anna)
    review = anna.get("/gemeente/GM0014/controleren").text
    save(els, "uitkomsten", with_answer("uitkomsten", "belangrijkste_uitkomsten",
                                        "Door de coördinator herschreven."))
    refused = anna.submit("/gemeente/GM0014/verzenden",
                          [("gezien", seen_on(review)), ("bevestig_toestemming", "ja")],
                          form_page="/gemeente/GM0014/controleren")
    assert refused.status_code == 409
    assert re.search(r"Gewijzigd sinds u controleerde: ‘Uitkomsten’ door Els Jansen "
                     r"\(vandaag \d\d:\d\d\)", text(refused))
    assert scan(aws, "DeliveriesTableName") == []
    assert not [m for m in mailbox.to(ELS) if m.subject.startswith("Ter goedkeuring")]


def test_a_tagged_address_of_a_coordinator_is_the_same_person_not_a_second_account(
        team, aws, mailbox, app_module):
    """`e.jansen+alt@groningen.nl` passes the domain check; it must not become a second
    account Els could appoint as the other pair of eyes."""
    before = {item["id"]["S"] for item in scan(aws, "RegistrantsTableName")}
    alt = Browser(app_module.app)
    from tests.support.flows import register

    register(alt, email="E.Jansen+alt@groningen.nl", naam="Els Anders")
    assert {item["id"]["S"] for item in scan(aws, "RegistrantsTableName")} == before
    assert mailbox.to("e.jansen+alt@groningen.nl") == []  # the link goes to Els's mailbox


def test_an_approval_from_the_senders_own_mailbox_is_refused(team, aws, mailbox, app_module,
                                                            helpdesk, monkeypatch):
    """Two accounts of one mailbox (one made before addresses were compared by mailbox):
    the second may not approve what the first sent."""
    from chalicelib.accounts import registrants
    from tests.support.flows import register

    _anna, els, _piet = team
    with monkeypatch.context() as before_the_fix:  # addresses compared as typed
        before_the_fix.setattr(registrants, "email_key", lambda email: f"email#{email}",
                               raising=False)
        alt = Browser(app_module.app)
        register(alt, email="e.jansen+alt@groningen.nl", naam="Els Anders")
    alt.get(mailbox.last_link("e.jansen+alt@groningen.nl"))
    assert set_four_eyes(helpdesk, True, "Els Jansen", "Els Anders").status_code == 200
    fill_all(els)
    assert send(els).status_code == 303
    refused = decide(alt, "GM0014-2026-1", "goedkeuren")
    assert refused.status_code == 403
    assert "U kunt uw eigen aanlevering niet goedkeuren" in text(refused)
    assert delivery_item(aws, 1)["status"]["S"] == "pending"


def test_a_person_appointed_coordinator_gets_a_mail_saying_so(team, mailbox, helpdesk):
    """Issue 24 §2: by the helpdesk or by a coordinator; with the delivery that waits already
    (its approval request went out before they were coordinator); nobody else is told."""
    anna, els, _piet = team
    [by_helpdesk] = [m for m in mailbox.to(ELS) if m.subject.startswith("U bent coördinator")]
    assert by_helpdesk.subject == "U bent coördinator voor Groningen"
    assert "De helpdesk heeft u aangewezen als coördinator voor Groningen" in by_helpdesk.text
    assert "Uw gemeente werkt met vier ogen" in by_helpdesk.text
    fill_all(anna)
    send(anna)
    before = {address: len(mailbox.to(address)) for address in (ELS, PIET)}
    ids = [("coordinator", registrant_id(helpdesk, name)) for name in ("Els Jansen",
                                                                       "Piet Bakker")]
    saved = els.submit("/gemeente/GM0014/vier-ogen", [("vier_ogen", "aan"), *ids],
                       form_page="/gemeente/GM0014/vier-ogen")
    assert saved.status_code == 303
    [appointed] = mailbox.to(PIET)[before[PIET]:]
    assert appointed.subject == "U bent coördinator voor Groningen"
    assert "Els Jansen heeft u aangewezen" in appointed.text
    assert "/gemeente/GM0014/aanlevering/GM0014-2026-1" in appointed.text  # waits already
    assert "/gemeente/GM0014/aanlevering/GM0014-2026-1" in appointed.html
    assert len(mailbox.to(ELS)) == before[ELS]  # already coordinator: no mail
    assert not [m for m in mailbox.to("a.devries@groningen.nl")
                if m.subject.startswith("U bent coördinator")]


def test_an_approval_link_opened_signed_out_leads_back_to_the_delivery_after_signing_in(
        team, mailbox, app_module):
    """Issue 24 §2: the coordinator opens the mail's link in a browser without a session,
    then the personal link: the delivery, not /start. Only a page of one's own municipality,
    only a page looked at (GET), and only once."""
    anna, _els, _piet = team
    fill_all(anna)
    send(anna)
    view_url = re.search(r"http://127\.0\.0\.1:8000(/gemeente/\S+)",
                         mailbox.to(ELS)[-1].text).group(1)
    assert view_url == f"{VIEW}GM0014-2026-1"
    other_browser = Browser(app_module.app)
    signed_out = other_browser.get(view_url)
    assert signed_out.status_code == 401
    assert "daarna komt u vanzelf terug op deze pagina" in text(signed_out)
    arrived = other_browser.get(mailbox.last_link(ELS))
    assert arrived.status_code == 303 and arrived.headers["Location"].endswith(view_url)
    assert "Goedkeuren of terugsturen" in text(other_browser.get(view_url))
    again = other_browser.get(mailbox.last_link(ELS))  # remembered once, not for ever
    assert again.headers["Location"].endswith("/start")

    elsewhere = Browser(app_module.app)  # a page of a municipality Els does not represent
    assert elsewhere.get("/gemeente/GM0034/aanlevering/GM0034-2026-1").status_code == 401
    assert elsewhere.get(mailbox.last_link(ELS)).headers["Location"].endswith("/start")
    review = Browser(app_module.app)  # any page of the municipality, e.g. a questionnaire's
    assert review.get("/gemeente/GM0014/controleren").status_code == 401
    assert review.get(mailbox.last_link(ELS)).headers["Location"].endswith(
        "/gemeente/GM0014/controleren")
    posted = Browser(app_module.app)
    posted.post_raw(f"{view_url}/terugsturen", b"reden=x",
                    {"content-type": "application/x-www-form-urlencoded"})
    assert posted.get(mailbox.last_link(ELS)).headers["Location"].endswith("/start")
