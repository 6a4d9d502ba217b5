"""Rotating the signing key signs nobody out: the key ring (one key per line, the current one
first) signs with the new key and still accepts what the previous one signed — sessions, forms
already open, kept-input cookies — until the previous key is dropped. The webhook's secret
rotates with an overlap the site can follow: each request carries a signature per secret."""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from tests.support.answers import ALL
from tests.support.flows import page_path, signed_in, version_on

OLD, NEW = "oude-sleutel-" + "a" * 40, "nieuwe-sleutel-" + "b" * 40


def test_a_rotation_keeps_sessions_and_open_forms(browser, mailbox, aws, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", OLD)
    signed_in(browser, mailbox)
    form = browser.get(page_path("opzet")).text  # opened before the rotation
    token = browser.csrf_token(page_path("opzet"))

    monkeypatch.setenv("SECRET_KEY", f"{NEW}\n{OLD}")
    assert browser.get("/start").status_code == 200  # still signed in
    saved = browser.post_raw(page_path("opzet"), urlencode(
        [("csrf_token", token), *ALL["opzet"], ("versie", version_on(form)),
         ("actie", "volgende")]).encode())
    assert saved.status_code == 303  # the open form still posts

    monkeypatch.setenv("SECRET_KEY", NEW)  # the previous key dropped: its signatures end
    assert browser.get("/start").status_code == 401
    refused = browser.post_raw(page_path("opzet"), urlencode(
        [("csrf_token", token), *ALL["opzet"], ("actie", "volgende")]).encode())
    assert refused.status_code == 403  # the form token no longer verifies


def test_new_signatures_use_the_new_key():
    import os

    from chalicelib.web import csrf
    from chalicelib.web.cookies import SignedCookie

    previous = os.environ.get("SECRET_KEY")
    try:
        os.environ["SECRET_KEY"] = f"{NEW}\n{OLD}"
        issued = SignedCookie("ceo-test", 60).issue({"x": 1}).split(";", 1)[0].split("=", 1)[1]
        token = csrf.token_for("n" * 32)
        os.environ["SECRET_KEY"] = NEW  # readable with the new key alone
        assert SignedCookie("ceo-test", 60)._serializer().loads(issued) == {"x": 1}
        assert token == csrf.token_for("n" * 32, NEW)
    finally:
        if previous is None:
            os.environ.pop("SECRET_KEY", None)
        else:
            os.environ["SECRET_KEY"] = previous


def test_the_webhook_signs_with_every_secret_during_a_rotation(monkeypatch):
    from chalicelib.publication import targets

    sent = []

    class Answer:
        status = 200

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self):
            return b""

    def capture(request, timeout):
        sent.append(request)
        return Answer()

    monkeypatch.setattr(targets.urllib.request, "urlopen", capture)
    monkeypatch.setenv("WEBHOOK_SECRET", "nieuw-geheim\noud-geheim")
    target = targets.WebhookTarget("https://site.example/feed", targets.config.webhook_secrets(),
                                   mirror=None)  # type: ignore[arg-type]
    target._post("index", "index.json", b"{}", "application/json", "key")
    [request] = sent
    timestamp = request.get_header("X-ceo-timestamp")
    signatures = request.get_header("X-ceo-signature").split(", ")
    for secret, signature in zip(("nieuw-geheim", "oud-geheim"), signatures, strict=True):
        expected = hmac.new(secret.encode(), timestamp.encode() + b".{}",
                            hashlib.sha256).hexdigest()
        assert signature == f"sha256={expected}"
