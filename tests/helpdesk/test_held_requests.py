"""Issue 25 item 10: an unauthenticated registration cannot fill the helpdesk's queue. One held
request per account (however many registrations), at most MAX_HELD municipalities waiting,
and the helpdesk refuses many requests at once."""
from __future__ import annotations

import re

import pytest

from tests.support.flows import register
from tests.support.tables import scan

CODES = ("GM0014", "GM0034", "GM0037", "GM0047", "GM0050", "GM0059", "GM0060")


@pytest.fixture(autouse=True)
def domain_check(monkeypatch):
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")


def _held(aws) -> dict[str, set[str]]:
    return {item["registrant_id"]["S"]: set(item.get("municipalities", {}).get("SS", []))
            for item in scan(aws, "HeldTableName")}


def test_five_municipalities_wait_as_one_request_six_are_refused(browser, aws, mailbox):
    from chalicelib.accounts import registration

    assert registration.MAX_HELD == 5
    refused = register(browser, email="veel@gmail.com", codes=CODES[:6])
    assert refused.status_code == 400
    assert "hoogstens 5 gemeenten per aanmelding" in refused.text
    assert scan(aws, "RegistrantsTableName") == [] and _held(aws) == {}
    assert mailbox.to("veel@gmail.com") == []

    accepted = register(browser, email="veel@gmail.com", codes=CODES[:5])
    assert accepted.status_code == 303
    assert list(_held(aws).values()) == [set(CODES[:5])]  # one request, five municipalities


def test_registering_again_adds_to_the_one_request_up_to_the_cap(browser, aws):
    register(browser, email="weer@gmail.com", codes=CODES[:3])
    register(browser, email="weer@gmail.com", codes=CODES[3:6])
    [waiting] = _held(aws).values()
    assert waiting == set(CODES[:5])  # the sixth did not fit; still one request
    [registrant] = scan(aws, "RegistrantsTableName")
    assert set(registrant["held_municipalities"]["SS"]) == set(CODES[:5])


def _registrant_id(helpdesk, email: str) -> str:
    found = helpdesk.get(f"/helpdesk?q={email}").text.split("<h2>Resultaten</h2>")[1]
    return re.search(r'href="/helpdesk/registrant/([0-9a-f]{32})"', found).group(1)


def test_the_request_goes_with_its_last_municipality(helpdesk, browser, aws):
    register(browser, email="twee@gmail.com", codes=CODES[:2])
    registrant_id = _registrant_id(helpdesk, "twee@gmail.com")
    page = f"/helpdesk/registrant/{registrant_id}"
    helpdesk.submit(f"{page}/goedkeuren", {"gemeente": CODES[0]}, form_page=page)
    assert _held(aws) == {registrant_id: {CODES[1]}}
    assert helpdesk.get("/helpdesk").text.count("gmail.com</td>") == 1
    helpdesk.submit(f"{page}/afwijzen", {"gemeente": CODES[1], "reden": "onbekend"},
                    form_page=page)
    assert _held(aws) == {}
    assert "Er wachten geen aanmeldingen" in helpdesk.get("/helpdesk").text


def test_helpdesk_refuses_chosen_requests_at_once(helpdesk, browser, aws, mailbox):
    register(browser, email="spam1@gmail.com", codes=CODES[:4])
    register(browser, email="spam2@gmail.com", codes=CODES[2:5])
    register(browser, email="echt@gmail.com", codes=CODES[:1])
    first, second, kept = (_registrant_id(helpdesk, f"{name}@gmail.com")
                           for name in ("spam1", "spam2", "echt"))
    queue = helpdesk.get("/helpdesk").text
    assert queue.count('name="aanvraag"') == 3 and "Gekozen aanmeldingen afwijzen" in queue

    no_reason = helpdesk.submit("/helpdesk/aanmeldingen/afwijzen",
                                [("aanvraag", first), ("aanvraag", second)],
                                form_page="/helpdesk")
    assert no_reason.status_code == 400 and "Geef een reden op" in no_reason.text
    none_chosen = helpdesk.submit("/helpdesk/aanmeldingen/afwijzen", {"reden": "spam"},
                                  form_page="/helpdesk")
    assert none_chosen.status_code == 400 and "Kies minstens één aanmelding" in none_chosen.text
    assert len(_held(aws)) == 3

    done = helpdesk.submit("/helpdesk/aanmeldingen/afwijzen",
                           [("aanvraag", first), ("aanvraag", second), ("reden", "spam")],
                           form_page="/helpdesk")
    assert done.status_code == 200 and "2 aanmeldingen afgewezen" in done.text
    assert _held(aws) == {kept: {CODES[0]}}
    people = {item["id"]["S"]: item for item in scan(aws, "RegistrantsTableName")}
    assert "held_municipalities" not in people[first]
    assert "held_municipalities" not in people[second]
    trail = helpdesk.get(f"/helpdesk/registrant/{first}").text
    assert "aanmelding afgewezen" in trail and "spam" in trail

    again = helpdesk.submit("/helpdesk/aanmeldingen/afwijzen",
                            [("aanvraag", first), ("reden", "spam")], form_page="/helpdesk")
    assert "0 aanmeldingen afgewezen" in again.text and "1 waren intussen al afgehandeld" \
        in again.text


def test_a_signed_in_representative_cannot_hold_more_than_the_cap(browser, aws, mailbox,
                                                                  monkeypatch):
    from tests.support.flows import follow_link

    register(browser, email="anna@groningen.nl", codes=("GM0014",))
    follow_link(browser, mailbox, "anna@groningen.nl")
    too_many = browser.submit("/gemeenten-toevoegen",
                              [("gemeente", code) for code in CODES[1:7]],
                              form_page="/gemeenten-toevoegen")
    assert too_many.status_code == 400 and "hoogstens 5 wachten tegelijk" in too_many.text
    assert _held(aws) == {}
    fits = browser.submit("/gemeenten-toevoegen", [("gemeente", code) for code in CODES[1:6]],
                          form_page="/gemeenten-toevoegen")
    assert fits.status_code == 303
    assert list(_held(aws).values()) == [set(CODES[1:6])]


def _registration(email: str, codes: tuple[str, ...]):
    from chalicelib.accounts.registration_form import NewRegistration

    return NewRegistration("Veel", email, "+31503679111", codes)


def test_a_registration_landing_between_anothers_read_and_write_cannot_pass_the_cap(
        aws, app_module, monkeypatch):
    """Registration X reads 2 waiting and has room for 3; registration Y adds 2 in between.
    Without a condition on what X read, X writes its 3 and 7 wait; the cap holds at 5."""
    from chalicelib.accounts import registrants, registration
    from tests.support.atomic import between_read_and_write

    email = "tussen@gmail.com"
    registration.register(_registration(email, CODES[:2]))
    between_read_and_write(monkeypatch, registrants, "find_by_email",  # Y, between
                           lambda: registration.register(_registration(email, CODES[5:7])))
    registration.register(_registration(email, CODES[2:5]))  # X
    [waiting] = _held(aws).values()
    [registrant] = scan(aws, "RegistrantsTableName")
    assert len(waiting) == 5 and set(registrant["held_municipalities"]["SS"]) == waiting
    assert set(CODES[:2]) | set(CODES[5:7]) <= waiting  # what was there stays


def test_many_registrations_of_one_address_at_once_hold_at_most_the_cap(aws, app_module,
                                                                        monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.accounts import registration
    from tests.support.atomic import one_request_at_a_time

    one_request_at_a_time(monkeypatch)
    email = "tegelijk@gmail.com"
    registration.register(_registration(email, CODES[:1]))
    batches = [CODES[1:3], CODES[3:5], CODES[5:7], CODES[2:4]]
    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        list(pool.map(lambda codes: registration.register(_registration(email, codes)),
                      batches))
    [waiting] = _held(aws).values()
    [registrant] = scan(aws, "RegistrantsTableName")
    assert len(waiting) <= 5 and set(registrant["held_municipalities"]["SS"]) == waiting
