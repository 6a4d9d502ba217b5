"""The helpdesk's session is held server-side: signing out ends it for good (a copied cookie is
refused), and a disabled or removed employee loses access at the next Cognito re-check."""
from __future__ import annotations

import os

import boto3
import pytest

USER = "medewerker@helpdesk.nl"


def _pool() -> str:
    return os.environ["HELPDESK_USER_POOL_ID"]


@pytest.fixture()
def recheck_every_request(monkeypatch):
    from datetime import timedelta

    from chalicelib.helpdesk import signins

    monkeypatch.setattr(signins, "RECHECK_AFTER", timedelta(0))


def test_signing_out_holds_even_for_a_copied_cookie(helpdesk):
    copied = dict(helpdesk.cookies)
    assert helpdesk.get("/helpdesk").status_code == 200
    helpdesk.submit("/helpdesk/uitloggen", {}, form_page="/helpdesk")
    assert helpdesk.get("/helpdesk").status_code == 401
    helpdesk.cookies = copied  # the cookie as it was before signing out, replayed
    assert helpdesk.get("/helpdesk").status_code == 401


def test_a_disabled_employee_is_signed_out_at_the_next_check(helpdesk, recheck_every_request):
    assert helpdesk.get("/helpdesk").status_code == 200
    boto3.client("cognito-idp").admin_disable_user(UserPoolId=_pool(), Username=USER)
    assert helpdesk.get("/helpdesk").status_code == 401
    boto3.client("cognito-idp").admin_enable_user(UserPoolId=_pool(), Username=USER)
    assert helpdesk.get("/helpdesk").status_code == 401  # the session is gone, not paused


def test_an_employee_taken_out_of_the_group_is_signed_out(helpdesk, recheck_every_request):
    boto3.client("cognito-idp").admin_remove_user_from_group(
        UserPoolId=_pool(), Username=USER, GroupName="helpdesk")
    assert helpdesk.get("/helpdesk").status_code == 401


def test_within_fifteen_minutes_cognito_is_not_asked_again(helpdesk, monkeypatch):
    from chalicelib.helpdesk import auth

    asked = []
    monkeypatch.setattr(auth, "still_allowed", lambda user: asked.append(user) or True)
    for _ in range(3):
        assert helpdesk.get("/helpdesk").status_code == 200
    assert asked == []


def test_the_cookie_alone_is_not_a_session(aws, app_module):
    """A validly signed cookie naming a session that was never opened gets nowhere."""
    from chalicelib.helpdesk import access
    from tests.support.browser import Browser

    forged = Browser(app_module.app)
    value = access.SESSION.issue({"s": "nooit-geopend"}).split(";")[0]
    name, cookie = value.split("=", 1)
    forged.cookies[name] = cookie
    assert forged.get("/helpdesk").status_code == 401
