"""Headers, cookies and logs that a security officer checks on every response."""
from __future__ import annotations

import logging
import re

import pytest

from tests.support.flows import register

REQUIRED = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def assert_secure_headers(response):
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp


def every_route(app):
    for path, methods in app.routes.items():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in methods:
            yield method, concrete


def test_every_route_and_method_sends_the_security_headers(browser, app_module):
    seen = 0
    for method, path in every_route(app_module.app):
        if method == "GET":
            response = browser.get(path)
        else:
            response = browser.post_raw(path, b"")
        assert response.status_code < 500, (method, path)
        assert_secure_headers(response)
        seen += 1
    assert seen >= 10


@pytest.mark.parametrize("request_", [
    ("PUT", "/", {}),                                        # 405 from Chalice
    ("POST", "/", {"content-type": "application/json"}),     # 415 from Chalice
    ("GET", "/assets/onbekend.css", {}),                     # our 404
])
def test_error_responses_are_dutch_pages_with_the_headers(browser, request_):
    method, path, headers = request_
    response = browser.client.http.request(method, path, headers=headers, body=b"")
    assert 400 <= response.status_code < 500
    assert b'<html lang="nl">' in response.body
    assert_secure_headers(response)


def test_pages_never_inline_scripts_or_styles(browser):
    for path in ("/", "/nieuwe-link", "/aangemeld", "/start"):
        text = browser.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text and " style=" not in text, path


def test_assets_are_cacheable_and_versioned(browser):
    page = browser.get("/").text
    css = re.search(r'href="(/assets/style\.css\?v=[0-9a-f]{12})"', page).group(1)
    response = browser.get(css.split("?")[0])
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["Content-Type"].startswith("text/css")


def test_cookies_are_secure_and_host_only_outside_local(monkeypatch):
    from chalicelib.web import cookies, errors

    monkeypatch.setenv("STAGE", "prod")
    cookie = cookies.set_cookie("ceo-sessie", "v", 60)
    assert cookie.startswith("__Host-ceo-sessie=") and "Secure" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Strict-Transport-Security" in errors.security_headers()
    monkeypatch.setenv("STAGE", "local")
    assert "Secure" not in cookies.set_cookie("ceo-sessie", "v", 60)


def test_deployed_stages_refuse_to_run_without_a_configured_secret(monkeypatch):
    from chalicelib.platform import config

    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_PARAMETER", raising=False)
    with pytest.raises(RuntimeError):
        config.secret_key()


def test_deployed_stages_read_the_secret_from_ssm(monkeypatch, aws):
    import boto3

    from chalicelib.platform import config

    boto3.client("ssm").put_parameter(Name="/ceo/test/secret", Value="s3cr3t-from-ssm",
                                      Type="SecureString")
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("SECRET_KEY_PARAMETER", "/ceo/test/secret")
    assert config.secret_key() == "s3cr3t-from-ssm"


def test_logs_never_contain_the_token_or_the_address(browser, mailbox, capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="aanlevermodule-ceo")
    from chalicelib.platform.logs import logger

    logger.setLevel("DEBUG")
    try:
        register(browser)
        link = mailbox.last_link("a.devries@groningen.nl")
        browser.get(link)
        browser.get(link[:-3] + "zzz")
        browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"})
        # an unhandled error on the link route is logged by Chalice with the path
        from chalicelib.accounts import links

        def explode(*_):
            raise RuntimeError("boom")

        original = links.check
        links.check = explode
        try:
            assert browser.get(link).status_code == 500
        finally:
            links.check = original
    finally:
        logger.setLevel("WARNING")
    output = capsys.readouterr()
    logged = output.out + output.err + caplog.text
    assert "registrant created" in logged  # the logs are there ...
    secret = link.split(".")[1]
    assert secret not in logged and secret[:-3] not in logged  # ... without the token
    assert "a.devries@groningen.nl" not in logged


def test_a_careless_log_line_is_still_redacted(caplog):
    from chalicelib.platform.logs import logger

    caplog.set_level(logging.INFO, logger="aanlevermodule-ceo")
    logger.warning("visited http://x/link/abcdef.SECRETSECRET for %s", "jan.smit@ede.nl")
    out = caplog.text
    assert "SECRETSECRET" not in out and "jan.smit@ede.nl" not in out
    assert "/link/[token]" in out and "[e-mailadres]" in out


def test_an_error_page_quotes_the_request_id_its_log_line_carries(browser):
    """What a person reads from the 500 page to the helpdesk finds the one log line (the line
    the UnhandledErrors alarm counts), with its route; the keys end with the request."""
    import io
    import json

    from chalicelib.accounts import links
    from chalicelib.platform.logs import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)

    def explode(*_):
        raise RuntimeError("boom")

    original, links.check = links.check, explode
    try:
        page = browser.get("/link/" + "a" * 32 + "." + "b" * 32)
    finally:
        links.check = original
        logger.removeHandler(handler)
    assert page.status_code == 500 and "Er is iets misgegaan" in page.text
    reference = re.search(r'dit kenmerk: <strong class="code">([0-9a-f]+)</strong>',
                          page.text).group(1)
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()
              if '"unhandled error"' in text]
    assert line["request_id"] == reference and line["route"] == "/link/{token}"
    assert "RuntimeError: boom" in line["exception"]
    assert "request_id" not in logger.get_current_keys()


def test_an_event_handlers_log_lines_never_carry_a_web_requests_keys(browser, aws):
    """The local runner serves pages on threads beside the stream pump: while a page request
    is being answered, the forwarder's lines carry no request id or route of it."""
    import io
    import json
    import threading

    from chalicelib.accounts import links
    from chalicelib.platform.logs import logger
    from tests.support.feed import deliver, make_registrant, record, run

    deliver(make_registrant())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    level = logger.log_level
    logger.setLevel(logging.INFO)
    inside, done = threading.Event(), threading.Event()
    original = links.check

    def held(token):
        inside.set()
        done.wait(10)
        return original(token)

    links.check = held
    page = threading.Thread(target=browser.get, args=("/link/" + "a" * 32 + "." + "b" * 32,))
    try:
        page.start()
        assert inside.wait(10)
        run([record("GM0014#2026", 1, "INSERT")])
    finally:
        done.set()
        page.join()
        links.check = original
        logger.removeHandler(handler)
        logger.setLevel(level)
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()
              if '"forwarded"' in text]
    assert line["scope"] == "GM0014#2026"
    assert "request_id" not in line and "route" not in line
    assert "request_id" not in logger.thread_safe_get_current_keys()

def _forged_session(browser, aws) -> str:
    """A session cookie for a real registrant, signed with the key in the repository (as
    anyone who read it could sign one)."""
    from chalicelib.accounts import access as sessions
    from chalicelib.platform.models import Registrant
    from tests.support.tables import scan

    register(browser)
    [person] = scan(aws, "Registrants")
    forged = sessions.start(Registrant.get(person["id"]["S"]))  # STAGE=local: the built-in key
    value = forged.split(";", 1)[0].split("=", 1)[1]
    return value  # sent under the local and the deployed cookie name alike


def test_a_session_signed_with_the_repositorys_key_opens_nothing_in_lambda(browser, aws,
                                                                         monkeypatch):
    browser.cookies["ceo-sessie"] = browser.cookies["__Host-ceo-sessie"] = \
        _forged_session(browser, aws)
    assert browser.get("/start").status_code == 200  # the local stage: it is a session
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "aanlevermodule-ceo-dev-APIHandler")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_PARAMETER", raising=False)
    response = browser.get("/start")
    assert response.status_code != 200 and "Anna de Vries" not in response.text


def test_a_session_signed_with_the_repositorys_key_opens_nothing_without_a_stage(
        browser, aws, monkeypatch):
    """Chalice's test client sets the stage's variables per request, so the session reader
    is asked directly, with the request a browser would send."""
    from chalice.app import Request

    from chalicelib.accounts import access as sessions
    from chalicelib.platform import config

    value = _forged_session(browser, aws)
    cookie = f"ceo-sessie={value}; __Host-ceo-sessie={value}"
    request = Request({"multiValueQueryStringParameters": None, "headers": {"cookie": cookie},
                       "pathParameters": {}, "requestContext": {"httpMethod": "GET",
                                                                "resourcePath": "/start"},
                       "body": None, "isBase64Encoded": False, "stageVariables": {}})
    assert sessions.current(request) is not None  # STAGE=local
    monkeypatch.delenv("STAGE")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_PARAMETER", raising=False)
    with pytest.raises(RuntimeError, match="STAGE=local"):
        sessions.current(request)
    with pytest.raises(RuntimeError):
        config.secret_key()
