"""Issue 26 item 7: Cognito's threat protection (the Plus tier the pool pays for) sees the
person signing in to the helpdesk, not Lambda: every sign-in call carries ContextData with
their address and browser, and never their cookies."""
from __future__ import annotations

import os
from urllib.parse import urlencode

from tests.support.browser import Browser
from tests.support.flows import PASSWORD


def test_sign_in_calls_carry_the_person_s_context_without_cookies(aws, app_module,
                                                                  monkeypatch):
    from chalicelib.helpdesk import auth
    from devtools import aws_resources

    pool = {k: os.environ[k] for k in ("HELPDESK_USER_POOL_ID", "HELPDESK_CLIENT_ID")}
    aws_resources.create_helpdesk_user(pool, "ctx@helpdesk.nl", PASSWORD)
    real = auth._cognito()
    calls: list[tuple[str, dict]] = []

    class Recording:
        def __getattr__(self, name):
            method = getattr(real, name)

            def call(**kwargs):
                calls.append((name, kwargs))
                return method(**kwargs)
            return call

    monkeypatch.setattr(auth, "_cognito", lambda: Recording())
    agent = Browser(app_module.app)
    token = agent.csrf_token("/helpdesk/inloggen")
    agent.cookies["iets"] = "geheim-cookie"
    response = agent.post_raw(
        "/helpdesk/inloggen",
        urlencode({"csrf_token": token, "email": "ctx@helpdesk.nl",
                   "wachtwoord": PASSWORD}).encode(),
        headers={"User-Agent": "Firefox/140 (test)", "Accept-Language": "nl-NL",
                 "Host": "aanleveren.example.nl"})
    assert response.status_code == 303
    [(_, signed_in)] = [(n, k) for n, k in calls if n == "admin_initiate_auth"]
    context = signed_in["ContextData"]
    assert context["IpAddress"] and context["ServerPath"] == "/helpdesk/inloggen"
    assert context["ServerName"] == "aanleveren.example.nl"
    headers = {h["headerName"]: h["headerValue"] for h in context["HttpHeaders"]}
    assert headers["User-Agent"] == "Firefox/140 (test)"
    assert headers["Accept-Language"] == "nl-NL"
    assert "geheim-cookie" not in str(signed_in) and "Cookie" not in headers


def test_the_context_names_only_harmless_headers():
    from chalicelib.helpdesk import auth

    context = auth.context_data("198.51.100.7", "h.nl", "/helpdesk/code", {
        "cookie": "ceo-helpdesk=x", "authorization": "Bearer y", "user-agent": "UA"})
    assert context["IpAddress"] == "198.51.100.7"
    assert context["HttpHeaders"] == [{"headerName": "User-Agent", "headerValue": "UA"}]
    assert auth.with_context(None) == {}
