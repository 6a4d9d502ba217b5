"""Registration as a municipal representative experiences it."""
from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

import pytest

from tests.support.browser import deliver_queued
from tests.support.flows import VALID, register
from tests.support.tables import scan


def registrants(aws):
    return scan(aws, "RegistrantsTableName")


def test_registration_page_lists_all_342_municipalities_grouped_by_province(browser):
    page = browser.get("/")
    assert page.status_code == 200
    assert len(re.findall(r'type="checkbox" name="gemeente"', page.text)) == 342
    assert "&#39;s-Gravenhage" in page.text
    assert len(re.findall(r'<fieldset class="province">', page.text)) == 12
    assert "namens de gekozen gemeente" in page.text


def test_registration_mails_a_link_that_opens_the_start_page(browser, mailbox):
    response = register(browser, codes=("GM0014", "GM0034"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/aangemeld"
    assert "Controleer uw e-mail" in browser.get("/aangemeld").text

    [mail] = mailbox.to("a.devries@groningen.nl")
    code = re.search(r"persoonlijke code is: ([A-Z0-9]{4}-[A-Z0-9]{4})", mail.text).group(1)
    assert code in mail.subject and code in mail.html
    link = mailbox.last_link("a.devries@groningen.nl")
    assert link in mail.text and link in mail.html
    for part in (mail.text, mail.html):
        assert "Groningen" in part and "Almere" in part
        assert "spam" in part.lower() or "nieuwe link" in part.lower()
        assert "helpdesk" in part.lower()
        assert re.search(r"werkt tot en met (<strong>)?\d{1,2} \w+ 20\d\d", part)

    landing = browser.get(link)
    assert landing.status_code == 303
    assert landing.headers["Location"] == "/start"
    start = browser.get("/start")
    assert start.status_code == 200
    assert "Groningen" in start.text and "Almere" in start.text
    assert start.text.count("Nog niet begonnen") == 4  # CEO Wmo and CEO Jeugd of each
    assert code in start.text


def test_values_are_normalised_when_stored(browser, aws):
    register(browser, email="  A.DeVries@Groningen.NL ", telefoon="050-3679111",
             naam="  Anna   de Vries ")
    [item] = registrants(aws)
    assert item["email"]["S"] == "a.devries@groningen.nl"
    assert item["phone"]["S"] == "+31503679111"
    assert item["name"]["S"] == "Anna de Vries"
    assert re.fullmatch(r"[ACDEFHJKMNPQRTUVWXY34679]{4}-[ACDEFHJKMNPQRTUVWXY34679]{4}",
                        item["personal_code"]["S"])


def test_international_phone_numbers_are_accepted(browser, aws):
    assert register(browser, telefoon="+49 30 12345678").status_code == 303
    assert registrants(aws)[0]["phone"]["S"] == "+493012345678"


CASES = [
    ({"naam": ""}, "naam", "Vul uw naam in"),
    ({"naam": "A"}, "naam", "minimaal 2 tekens"),
    ({"naam": "x" * 101}, "naam", "maximaal 100 tekens"),
    ({"naam": "Anna\u202eseirV"}, "naam", "tekens die wij niet kunnen verwerken"),
    ({"naam": "Anna\x00"}, "naam", "tekens die wij niet kunnen verwerken"),
    ({"email": ""}, "email", "Vul uw e-mailadres in"),
    ({"email": "anna@"}, "email", "Vul een geldig e-mailadres in"),
    ({"email": "anna@groningen.nl<script>"}, "email", "Vul een geldig e-mailadres in"),
    ({"email": "a" * 250 + "@x.nl"}, "email", "maximaal 254 tekens"),
    ({"telefoon": ""}, "telefoon", "Vul uw telefoonnummer in"),
    ({"telefoon": "12345"}, "telefoon", "Vul een geldig telefoonnummer in"),
    ({"telefoon": "bel me maar"}, "telefoon", "Vul een geldig telefoonnummer in"),
    ({"namens": None}, "namens", "Bevestig dat u zich aanmeldt namens"),
]


@pytest.mark.parametrize("override,field,message", CASES)
def test_each_invalid_field_is_explained_beside_it_and_in_the_summary(
        browser, aws, mailbox, override, field, message):
    response = register(browser, **override)
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert "Er is een probleem" in page
    assert f'<a href="#{field}">' in response.text
    assert re.search(rf'id="{field}-fout">.*{re.escape(message)}', page)
    assert "<title>Fout: " in response.text
    assert registrants(aws) == [] and mailbox.all() == []


def test_municipality_errors(browser, aws):
    none = register(browser, codes=())
    assert none.status_code == 400 and "Kies minstens één gemeente" in html.unescape(none.text)
    unknown = register(browser, codes=("GM0014", "GM9999"))
    assert unknown.status_code == 400 and "Kies gemeenten uit de lijst" in unknown.text
    assert 'value="GM0014" id="gemeente" checked' in unknown.text or \
        re.search(r'value="GM0014" id="[^"]+" checked', unknown.text)
    too_many = register(browser, codes=[f"GM{n:04d}" for n in range(41)])
    assert too_many.status_code == 400
    assert registrants(aws) == []


def test_what_the_user_typed_is_kept_after_an_error(browser):
    response = register(browser, naam="Jörg <b>Öztürk</b>", telefoon="nope",
                        codes=("GM0034", "GM0050"))
    assert response.status_code == 400
    assert 'value="Jörg &lt;b&gt;Öztürk&lt;/b&gt;"' in response.text
    assert 'value="nope"' in response.text
    assert re.search(r'value="GM0034" id="[^"]+" checked', response.text)
    assert re.search(r'value="GM0050" id="[^"]+" checked', response.text)
    assert "Gekozen: Almere, Zeewolde" in response.text


def test_same_answer_for_known_and_unknown_address_and_never_a_second_account(
        browser, aws, mailbox):
    first = register(browser, codes=("GM0014",))
    again = register(browser, codes=("GM0034",), naam="Iemand Anders", telefoon="0201234567")
    assert (first.status_code, first.headers["Location"], first.body) == \
        (again.status_code, again.headers["Location"], again.body)
    [item] = registrants(aws)
    assert set(item["municipalities"]["SS"]) == {"GM0014", "GM0034"}
    assert item["name"]["S"] == "Anna de Vries"  # the unauthenticated form cannot rewrite it
    assert len(mailbox.to("a.devries@groningen.nl")) == 2
    lookups = scan(aws, "LookupsTableName")
    unique = [entry for entry in lookups if not entry["key"]["S"].startswith("zoek#")]
    assert sorted(entry["key"]["S"].split("#")[0] for entry in unique) == ["code", "email"]
    assert {entry["registrant_id"]["S"] for entry in lookups} == {item["id"]["S"]}


def test_personal_code_collision_gets_a_new_code(browser, aws, monkeypatch):
    from chalicelib.accounts import personal_codes

    codes = iter(["AAAA-CCCC", "AAAA-CCCC", "DDDD-EEEE"])
    monkeypatch.setattr(personal_codes, "new_code", lambda: next(codes))
    register(browser, email="een@groningen.nl")
    register(browser, email="twee@groningen.nl")
    stored = sorted(item["personal_code"]["S"] for item in registrants(aws))
    assert stored == ["AAAA-CCCC", "DDDD-EEEE"]


def test_concurrent_registrations_of_one_address_make_one_account(aws, app_module,
                                                                   monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.atomic import one_request_at_a_time

    one_request_at_a_time(monkeypatch)  # DynamoDB's atomic requests; moto's are not

    from chalicelib.accounts import registration
    from chalicelib.accounts.registration_form import NewRegistration

    new = NewRegistration("Anna", "race@groningen.nl", "+31503679111",
                                       ("GM0014",))
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda _: registration.register(new), range(6)))
    [account] = registrants(aws)
    lookups = scan(aws, "LookupsTableName")
    assert len([i for i in lookups if not i["key"]["S"].startswith("zoek#")]) == 2
    assert {i["registrant_id"]["S"] for i in lookups} == {account["id"]["S"]}  # search too


def test_no_raw_token_is_stored(browser, aws, mailbox):
    register(browser)
    token = mailbox.last_link("a.devries@groningen.nl").split("/link/")[1]
    secret = token.split(".")[1]
    for table in ("RegistrantsTableName", "LookupsTableName", "RateLimitsTableName"):
        assert secret not in str(scan(aws, table))
    [stored] = json.loads(registrants(aws)[0]["link_hashes"]["S"])
    assert len(stored) == 64 and stored != secret


def test_rate_counters_hold_no_address_or_ip_in_clear(browser, aws):
    register(browser)
    dump = str(scan(aws, "RateLimitsTableName"))
    assert "groningen" not in dump and "127.0.0.1" not in dump
    assert all("expires_at" in item for item in scan(aws, "RateLimitsTableName"))


def test_too_many_registrations_for_one_address_get_a_dutch_429(browser, aws, mailbox):
    for _ in range(5):  # RATE_LIMIT_PER_EMAIL in .chalice/config.json
        assert register(browser).status_code == 303
    limited = register(browser)
    assert limited.status_code == 429
    assert "Te veel verzoeken" in limited.text
    assert int(limited.headers["Retry-After"]) > 0
    assert len(mailbox.to("a.devries@groningen.nl")) == 5


def test_too_many_requests_from_one_ip_get_a_429(browser, aws):
    statuses = [register(browser, email=f"user{n}@groningen.nl").status_code for n in range(31)]
    assert statuses[:30] == [303] * 30  # RATE_LIMIT_PER_IP
    assert statuses[30] == 429
    assert len(registrants(aws)) == 30


def test_form_without_valid_csrf_token_is_refused(browser, aws):
    body = urlencode({**VALID, "gemeente": "GM0014"}).encode()
    browser.get("/")
    missing = browser.post_raw("/", body)
    forged = browser.post_raw("/", body + b"&csrf_token=" + b"0" * 64)
    assert missing.status_code == forged.status_code == 403
    assert "Het formulier is verlopen" in missing.text
    token = browser.csrf_token("/")
    browser.cookies.clear()  # a token replayed from another browser has no matching cookie
    replayed = browser.post_raw("/", body + f"&csrf_token={token}".encode())
    assert replayed.status_code == 403
    assert registrants(aws) == []


@pytest.mark.parametrize("body,content_type,status,text", [
    (b"naam=x", "application/json", 415, "onverwachte manier"),
    (b"naam=x", "multipart/form-data; boundary=x", 415, "onverwachte manier"),
    (b"naam=%ff%fe", "application/x-www-form-urlencoded", 400, "niet lezen"),
    (b"\xff\xfe\x00", "application/x-www-form-urlencoded", 400, "niet lezen"),
    (b"naam=" + b"x" * 70000, "application/x-www-form-urlencoded", 413, "te groot"),
    (b"&".join(b"a=%d" % n for n in range(600)), "application/x-www-form-urlencoded", 400,
     "niet lezen"),
])
def test_unreadable_bodies_get_a_dutch_4xx(browser, aws, body, content_type, status, text):
    browser.get("/")
    response = browser.post_raw("/", body, headers={"content-type": content_type})
    assert response.status_code == status
    assert text in response.text and '<html lang="nl">' in response.text
    assert registrants(aws) == []


def test_duplicated_single_fields_use_the_first_value(browser, aws):
    response = browser.submit("/", [("naam", "Anna de Vries"), ("naam", "<script>x</script>"),
                                    ("email", "a@groningen.nl"), ("email", "b@groningen.nl"),
                                    ("telefoon", "0503679111"), ("gemeente", "GM0014"),
                                    ("gemeente", "GM0014"), ("namens", "ja")])
    assert response.status_code == 303
    deliver_queued()
    [item] = registrants(aws)
    assert item["email"]["S"] == "a@groningen.nl" and item["name"]["S"] == "Anna de Vries"
    assert item["municipalities"]["SS"] == ["GM0014"]
