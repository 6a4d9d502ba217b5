"""Hostile input against every route: never a 500, always a Dutch page, and nothing stored
unless the request was valid. Markup typed by anyone never becomes markup anywhere."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import flows
from tests.support.answers import ALL
from tests.support.flows import save, send
from tests.support.tables import scan

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
    state = {}
    for key in aws:
        if key.endswith("TableName") and key != "RateLimitsTableName":
            state[key] = sorted(map(str, scan(aws, key)))
    return state


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
    receipt = [m for m in mailbox.all() if "Ontvangst" in m.subject][0]
    agent = helpdesk
    helpdesk_page = agent.get("/helpdesk?q=a.devries@groningen.nl").text
    registrant_id = re.search(r"/helpdesk/registrant/([0-9a-f]{32})", helpdesk_page).group(1)
    helpdesk_detail = agent.get(f"/helpdesk/registrant/{registrant_id}").text
    for rendered in (review, start, receipt.html, helpdesk_page, helpdesk_detail):
        assert "<script>alert" not in rendered and "<img src=x" not in rendered
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in review
