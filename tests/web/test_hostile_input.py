"""Hostile input against every route: never a 500, always a Dutch page, and nothing stored
unless the request was valid. Markup typed by anyone never becomes markup anywhere."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support import flows
from tests.support.answers import ALL
from tests.support.flows import save, send
from tests.support.tables import contents, scan

ODD = st.sampled_from(["", "\x00", "\u202e", "\ufeff", "💥" * 3, "Zoë", "<script>x</script>",
                       "' OR 1=1 --", "../../etc/passwd", "%00", "a" * 5000, "\udcff"[:0],
                       "GM0014", "ja", "2026-01-01", "1.234,5", "\r\n\r\n"])
TEXT = st.one_of(ODD, st.text(max_size=40))
FIELDS = st.sampled_from(["naam", "email", "telefoon", "gemeente", "namens", "doel", "versie",
                          "actie", "overschrijven", "hersteld", "terug", "bevestig",
                          "bevestig_toestemming", "reden", "q", "wachtwoord", "code",
                          "scores__q1__n", "periode", "periode__tot", "random"])
CONTENT_TYPES = st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                 "multipart/form-data; boundary=x", "text/plain", None,
                                 "application/x-www-form-urlencoded; charset=latin-1"])


def concrete_paths(app):
    for path, methods in app.routes.items():
        for method in methods:
            yield method, path


@pytest.fixture()
def signed_in(delivered):
    return delivered


def stored_state(aws):
    return contents(aws, skip=frozenset({"RateLimitsTableName"}))


def test_the_state_compared_holds_every_item_and_shows_a_change(delivered, aws):
    import boto3

    before = stored_state(aws)
    assert {k: len(v) for k, v in before.items()} == {k: len(scan(aws, k)) for k in before}
    assert before["DeliveriesTableName"] and before["RegistrantsTableName"]
    [registrant] = scan(aws, "Registrants")
    boto3.client("dynamodb").update_item(
        TableName=aws["RegistrantsTableName"], Key={"id": registrant["id"]},
        UpdateExpression="SET #n = :n", ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "Iemand anders"}})
    after = stored_state(aws)
    assert [k for k in before if before[k] != after[k]] == ["RegistrantsTableName"]


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_route_answers_hostile_input_with_a_500(signed_in, app_module, aws, data):
    method, pattern = data.draw(st.sampled_from(sorted(concrete_paths(app_module.app))))
    segment = st.one_of(
        st.sampled_from(["GM0014", "GM0034", "opzet", "1", "GM0014-2026-1", "csv", "json",
                         "style.css", "x" * 300, "%3Cscript%3E", "..", "0" * 32]),
        st.text(alphabet="abcGM0123456789-_.~", min_size=1, max_size=12))
    path = re.sub(r"\{[^}]+\}", lambda _: data.draw(segment), pattern)
    fields = data.draw(st.lists(st.tuples(FIELDS, TEXT), max_size=12))
    csrf = data.draw(st.sampled_from(["valid", "missing", "forged"]))
    content_type = data.draw(CONTENT_TYPES)
    if method == "GET":
        query = urlencode(fields)
        response = signed_in.get(f"{path}?{query}" if query else path)
    else:
        if csrf == "valid":
            # any form page carries the token (it belongs to the browser, not the session,
            # which an earlier example may have signed out)
            fields.append(("csrf_token", signed_in.csrf_token("/nieuwe-link")))
        elif csrf == "forged":
            fields.append(("csrf_token", "f" * 64))
        body = urlencode(fields).encode()
        if data.draw(st.booleans()):
            body = data.draw(st.binary(max_size=200))
        before = stored_state(aws) if csrf != "valid" else None
        headers = {"content-type": content_type} if content_type else {}
        response = signed_in.client.http.request(method, path, headers={
            **headers, "cookie": "; ".join(f"{k}={v}" for k, v in signed_in.cookies.items())},
            body=body)
        if before is not None:
            assert stored_state(aws) == before, (method, path, "changed without a valid form")
    assert response.status_code < 500, (method, path, response.body[:300])
    if response.status_code >= 400 and b"<html" in response.body[:200]:
        assert b'<html lang="nl">' in response.body


def test_markup_typed_by_users_never_becomes_markup(browser, mailbox, aws, helpdesk):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    flows.signed_in(browser, mailbox, naam=f"Anna {payload}"[:100], codes=("GM0014",))
    for section, fields in ALL.items():
        save(browser, section, [(n, payload if n in ("doel", "verbeteracties") else v)
                                for n, v in fields])
    review = browser.get("/gemeente/GM0014/controleren").text
    start = browser.get("/start").text
    send(browser)
    receipt = next(m for m in mailbox.all() if "Ontvangst" in m.subject)
    agent = helpdesk
    helpdesk_page = agent.get("/helpdesk?q=a.devries@groningen.nl").text
    registrant_id = re.search(r"/helpdesk/registrant/([0-9a-f]{32})", helpdesk_page).group(1)
    helpdesk_detail = agent.get(f"/helpdesk/registrant/{registrant_id}").text
    for rendered in (review, start, receipt.html, helpdesk_page, helpdesk_detail):
        assert "<script>alert" not in rendered and "<img src=x" not in rendered
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in review


# --- the helpdesk's forms, signed in ------------------------------------------------------------

# Sign-in and onboarding are forms of their own (the test above sends them everything); signing
# out would leave the later examples nothing to test.
NOT_HERE = {"/helpdesk/inloggen", "/helpdesk/code", "/helpdesk/nieuw-wachtwoord",
            "/helpdesk/authenticator", "/helpdesk/uitloggen"}
# What each page or form reads (the rest of the fields are noise to it).
FORM_FIELDS = {
    "/helpdesk": ["q"],
    "/helpdesk/seizoen": ["jaar", "provincie", "status"],
    "/helpdesk/seizoen.csv": ["jaar", "provincie", "status"],
    "/helpdesk/seizoen/herinnering": ["gemeente", "gemeente", "jaar", "provincie", "status"],
    "/helpdesk/gemeente/{code}": ["jaar"],
    "/helpdesk/gemeente/{code}/vergelijken": ["van", "naar"],
    "/helpdesk/gemeente/{code}/uitzondering": ["tot", "reden", "huidig"],
    "/helpdesk/gemeente/{code}/uitzondering-intrekken": ["reden", "huidig"],
    "/helpdesk/gemeente/{code}/domein-vertrouwen": ["domein", "reden"],
    "/helpdesk/gemeente/{code}/domein-verwijderen": ["domein", "reden"],
    "/helpdesk/gemeente/{code}/intrekken/{delivery_id}": ["reden"],
    "/helpdesk/gemeente/{code}/herstellen/{delivery_id}": ["reden"],
    "/helpdesk/registrant/{registrant_id}/gegevens": ["naam", "email", "telefoon", "reden",
                                                      "versie"],
    "/helpdesk/registrant/{registrant_id}/verwijderen": ["reden", "bevestig", "versie"],
    "/helpdesk/registrant/{registrant_id}/link-intrekken": ["reden"],
}
MEMBERSHIP_FIELDS = ["gemeente", "reden", "vertrouw_domein"]
VALUES = {
    "q": ["GM0014-2026-1", "anna", "Den Haag", "050", "@", "*", "a.devries@groningen.nl"],
    "jaar": ["2026", "2025", "2021", "2020", "2027", "٢٠٢٦", "-1", "2026.0"],
    "provincie": ["Groningen", "Flevoland", "groningen", "Atlantis"],
    "status": ["geen-onderzoek", "verzonden", "te-laat", "Verzonden", "klaar"],
    "gemeente": ["GM0014", "GM0034", "gm0034", "GM9999", "GM0014 ", "0014"],
    "van": ["GM0014-2026-1", "GM0014-2025-1", "gm0014-2026-1", "GM0034-2026-1"],
    "naar": ["GM0014-2026-1", "GM0014-2026-2", "GM0014-2026-1 "],
    "tot": ["2026-12-31", "31-12-2026", "2099-01-01", "2025-01-01", "30-02-2026", "morgen"],
    "huidig": ["", "2026-12-31", "2027-01-05", "2026-12-31x"],
    "domein": ["almere-diensten.nl", "gemeente.nl", "gmail.com", "iemand@ede.nl", "a..b",
               "-x.nl", "almere.nl"],
    "naam": ["Anna de Vries", "A", "Zoë van 't Hof"],
    "email": ["a.devries@groningen.nl", "nieuw@groningen.nl", "geen-adres", "a@b"],
    "telefoon": ["050 367 91 11", "06 12345678", "+31 6 12345678", "12"],
    "versie": ["", "2026-01-01T00:00:00+00:00"],
    "bevestig": ["ja", "nee", "JA"],
    "vertrouw_domein": ["ja", "nee"],
    "reden": ["verzoek", "", "   "],
}
# What the helpdesk's sign-in check writes whatever the answer: its session.
ALWAYS_WRITTEN = {"HelpdeskSessionsTableName"}


def helpdesk_paths(app):
    for path, methods in app.routes.items():
        if path.startswith("/helpdesk") and path not in NOT_HERE:
            for method in methods:
                yield method, path


def form_fields(pattern: str) -> st.SearchStrategy:
    names = FORM_FIELDS.get(pattern) or (MEMBERSHIP_FIELDS if pattern.startswith(
        "/helpdesk/registrant/") and pattern.rsplit("/", 1)[1] in (
            "goedkeuren", "afwijzen", "gemeente-toevoegen", "gemeente-verwijderen") else [])
    field = st.sampled_from(names) if names else FIELDS
    pair = field.flatmap(lambda name: st.tuples(st.just(name), st.one_of(
        st.sampled_from(VALUES.get(name, [""])), TEXT)))
    return st.lists(st.one_of(pair, pair, pair, st.tuples(FIELDS, TEXT)), max_size=8)


@pytest.fixture()
def helpdesk_with_data(delivered, helpdesk, aws):
    """Signed in, with a delivery (Groningen), its registrant and a trusted domain."""
    from chalicelib.helpdesk import domains

    domains.trust("medewerker@helpdesk.nl", "GM0034", "almere-diensten.nl", "samenwerking")
    registrant = scan(aws, "Registrants")[0]["id"]["S"]
    return helpdesk, registrant


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_helpdesk_form_answers_bad_input_with_a_500_or_a_change(helpdesk_with_data,
                                                                    app_module, aws, data):
    """Window exceptions, trusted domains, personal data, reminders, the season overview's
    filters and the rest, as a signed-in employee: any input gets a Dutch page below 500, and
    an answer of 400 or more changed nothing in any table."""
    agent, registrant = helpdesk_with_data
    method, pattern = data.draw(st.sampled_from(sorted(helpdesk_paths(app_module.app))))
    segment = {
        "code": st.sampled_from(["GM0014", "GM0014", "GM0034", "GM9999", "gm0014", "<b>"]),
        "registrant_id": st.sampled_from([registrant, registrant, "0" * 32,
                                          registrant.upper()]),
        "number": st.sampled_from(["GM0014-2026-1", "GM0014-2026-9", "GM0034-2026-1", "x"]),
        "delivery_id": st.sampled_from(["GM0014-2026-1", "GM0014-2025-1", "%00"]),
        "kind": st.sampled_from(["json", "html", "rapport", "x"]),
        "cycle": st.sampled_from(["2026", "2025", "1999", "abc"]),
        "file_format": st.sampled_from(["csv", "json", "pdf"]),
    }
    path = re.sub(r"\{([^}]+)\}", lambda m: data.draw(segment[m.group(1)]), pattern)
    fields = data.draw(form_fields(pattern))
    before = stored_state(aws)
    if method == "GET":
        query = urlencode(fields)
        response = agent.get(f"{path}?{query}" if query else path)
    else:
        csrf = data.draw(st.sampled_from(["valid"] * 8 + ["missing", "forged"]))
        if csrf == "valid":
            fields.append(("csrf_token", agent.csrf_token("/helpdesk")))
        elif csrf == "forged":
            fields.append(("csrf_token", "f" * 64))
        response = agent.post_raw(path, urlencode(fields).encode())
    event(f"{method} {pattern} -> {response.status_code}")
    assert response.status_code < 500, (method, path, fields, response.text[:500])
    if response.status_code >= 400:
        if b"<html" in response.body[:200]:
            assert b'<html lang="nl">' in response.body, (method, path)
        after = stored_state(aws)
        changed = [k for k in before if before[k] != after[k] and k not in ALWAYS_WRITTEN]
        assert changed == [], (method, path, fields, response.status_code, changed)
