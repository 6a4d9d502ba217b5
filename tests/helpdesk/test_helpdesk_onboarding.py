"""A new helpdesk employee, invited by the CLI, signs in for the first time in a pool that
requires TOTP: chooses a password (NEW_PASSWORD_REQUIRED), sets up the authenticator app from a
QR code or the key as text (MFA_SETUP: AssociateSoftwareToken, VerifySoftwareToken), and from
then on signs in with a code. moto answers these challenges, and checks TOTP codes for real
with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP; where moto does less than Cognito (it has one
fixed secret, and makes TOTP preferred only when told) the test says so."""
from __future__ import annotations

import os
import time

import boto3
import pytest

from tests.support.browser import Browser
from tests.support.tables import scan

NEW = "nieuw@helpdesk.nl"
TEMPORARY = "Tijdelijk-Wachtwoord-1"
CHOSEN = "Eigen-Wachtwoord-2026"


def _pool() -> str:
    return os.environ["HELPDESK_USER_POOL_ID"]


def _code(secret: str) -> str:
    """What the authenticator app shows now for `secret`."""
    from moto.cognitoidp.utils import cognito_totp

    return cognito_totp(secret.replace(" ", "")).generate(time.time()).decode()


@pytest.fixture()
def invited(aws, app_module, monkeypatch, capsys):
    """A pool that requires TOTP (as infra/stack.yaml's), and a new employee invited by the
    CLI; Cognito would mail the temporary password, here it is set as one."""
    from chalicelib.cli import main as cli

    cognito = boto3.client("cognito-idp")
    cognito.set_user_pool_mfa_config(UserPoolId=_pool(), MfaConfiguration="ON",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
    assert cli.main(["--as", "beheer@helpdesk.nl", "invite", NEW.upper()]) == 0
    assert "uitgenodigd (FORCE_CHANGE_PASSWORD)" in capsys.readouterr().out
    cognito.admin_set_user_password(UserPoolId=_pool(), Username=NEW, Password=TEMPORARY,
                                    Permanent=False)
    return Browser(app_module.app)


def _sign_in(agent, password: str):
    return agent.submit("/helpdesk/inloggen", {"email": NEW, "wachtwoord": password})


def test_the_cli_invites_into_the_helpdesk_group_and_is_audited(invited, aws, capsys):
    from chalicelib.cli import main as cli

    groups = boto3.client("cognito-idp").admin_list_groups_for_user(
        UserPoolId=_pool(), Username=NEW)["Groups"]
    assert [g["GroupName"] for g in groups] == ["helpdesk"]
    [entry] = [e for e in scan(aws, "Audit") if e["subject"]["S"] == f"helpdesk#{NEW}"]
    assert entry["actor"]["S"] == "cli:beheer@helpdesk.nl"
    assert cli.main(["--as", "beheer@helpdesk.nl", "invite", NEW]) == 1
    assert "bestaat al; gebruik --resend" in capsys.readouterr().err
    assert cli.main(["--as", "beheer@helpdesk.nl", "invite", NEW, "--resend"]) == 0
    assert cli.main(["--as", "beheer@helpdesk.nl", "invite", "geen-adres"]) == 1
    with pytest.raises(SystemExit):
        cli.main(["invite", "x@helpdesk.nl"])  # who invites goes in the audit trail


def test_first_sign_in_new_password_then_authenticator_then_codes(invited, app_module, aws):
    first = _sign_in(invited, TEMPORARY)
    assert first.status_code == 303 and first.headers["Location"] == "/helpdesk/nieuw-wachtwoord"
    assert invited.get("/helpdesk").status_code == 401  # not in yet
    form = invited.get("/helpdesk/nieuw-wachtwoord")
    assert form.status_code == 200 and "Kies een wachtwoord" in form.text

    mismatch = invited.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": CHOSEN,
                                                             "herhaal": CHOSEN + "x"})
    assert mismatch.status_code == 400 and "niet gelijk" in mismatch.text
    weak = invited.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": "kort",
                                                         "herhaal": "kort"})
    assert weak.status_code == 400 and "minstens 12 tekens" in weak.text  # the pool refused
    chosen = invited.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": CHOSEN,
                                                           "herhaal": CHOSEN})
    assert chosen.status_code == 303 and chosen.headers["Location"] == "/helpdesk/authenticator"
    assert invited.get("/helpdesk").status_code == 401  # the second factor is still to come

    page = invited.get("/helpdesk/authenticator")
    assert page.status_code == 200 and "Authenticator-app instellen" in page.text
    assert "asdf asdf asdf" in page.text  # the key as text (moto's one fixed secret)
    assert '<figure class="qr-code"><svg' in page.text  # and as a QR code to scan
    assert page.headers["Cache-Control"] == "no-store"
    bad = invited.submit("/helpdesk/authenticator", {"code": "12a"})
    assert bad.status_code == 400 and "zes cijfers" in bad.text
    wrong = invited.submit("/helpdesk/authenticator",
                           {"code": "000000" if _code("asdfasdfasdf") != "000000" else "111111"})
    assert wrong.status_code == 400 and "De code klopt niet" in wrong.text
    done = invited.submit("/helpdesk/authenticator", {"code": _code("asdfasdfasdf")})
    assert done.status_code == 303 and done.headers["Location"] == "/helpdesk"
    assert invited.get("/helpdesk").status_code == 200
    actions = [e["action"]["S"] for e in scan(aws, "Audit")
               if e["subject"]["S"] == f"helpdesk#{NEW}"]
    assert "ingelogd (eerste keer: authenticator-app ingesteld)" in actions
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=_pool(), Username=NEW)
    assert user["UserStatus"] == "CONFIRMED"
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"

    # the next sign-in asks for a code from the app, as every later one does
    later = Browser(app_module.app)
    asked = _sign_in(later, CHOSEN)
    assert asked.headers["Location"] == "/helpdesk/code"
    assert later.submit("/helpdesk/code", {"code": _code("asdfasdfasdf")}).headers[
        "Location"] == "/helpdesk"
    assert later.get("/helpdesk").status_code == 200


def test_with_mfa_required_the_first_sign_in_passes_through_the_app(invited, monkeypatch):
    monkeypatch.setenv("HELPDESK_MFA_REQUIRED", "true")
    _sign_in(invited, TEMPORARY)
    invited.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": CHOSEN, "herhaal": CHOSEN})
    done = invited.submit("/helpdesk/authenticator", {"code": _code("asdfasdfasdf")})
    assert done.headers["Location"] == "/helpdesk"  # set up here counts as MFA passed


def test_a_pool_without_mfa_signs_in_after_the_new_password(aws, app_module, capsys):
    """The local pool (./dev run) does not require TOTP: the new password is the last step."""
    from chalicelib.cli import main as cli

    assert cli.main(["--as", "beheer@helpdesk.nl", "invite", NEW]) == 0
    boto3.client("cognito-idp").admin_set_user_password(
        UserPoolId=_pool(), Username=NEW, Password=TEMPORARY, Permanent=False)
    agent = Browser(app_module.app)
    _sign_in(agent, TEMPORARY)
    done = agent.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": CHOSEN,
                                                       "herhaal": CHOSEN})
    assert done.headers["Location"] == "/helpdesk" and agent.get("/helpdesk").status_code == 200


def test_steps_without_their_challenge_go_back_to_signing_in(invited, app_module):
    stranger = Browser(app_module.app)
    for path in ("/helpdesk/nieuw-wachtwoord", "/helpdesk/authenticator"):
        assert stranger.get(path).headers["Location"] == "/helpdesk/inloggen"
        response = stranger.submit(path, {"wachtwoord": CHOSEN, "herhaal": CHOSEN,
                                          "code": "123456"}, form_page="/helpdesk/inloggen")
        assert response.headers["Location"] == "/helpdesk/inloggen"
    _sign_in(invited, TEMPORARY)  # a password step cannot be used as the app's step
    assert invited.get("/helpdesk/authenticator").headers["Location"] == "/helpdesk/inloggen"


def test_a_challenge_cognito_no_longer_knows_says_to_sign_in_again(invited, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib.helpdesk import auth

    _sign_in(invited, TEMPORARY)
    invited.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": CHOSEN, "herhaal": CHOSEN})
    real = auth._cognito()

    class Expired:
        def __getattr__(self, name):
            return getattr(real, name)

        def associate_software_token(self, **_):
            raise ClientError({"Error": {"Code": "NotAuthorizedException"}},
                              "AssociateSoftwareToken")

    monkeypatch.setattr(auth, "_cognito", lambda: Expired())
    page = invited.get("/helpdesk/authenticator")
    assert page.status_code == 401 and "duurde te lang" in page.text


def test_the_key_is_also_a_qr_code_for_the_app():
    from chalicelib.helpdesk import onboarding

    uri = onboarding.otpauth_uri("nieuw@helpdesk.nl", "ABCDEFGHIJKLMNOP")
    assert uri == ("otpauth://totp/Aanlevermodule%20CEO%3Anieuw%40helpdesk.nl"
                   "?secret=ABCDEFGHIJKLMNOP&issuer=Aanlevermodule%20CEO")
    assert onboarding.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
    svg = onboarding.qr_svg(uri)
    assert svg.startswith("<svg") and "QR-code voor uw authenticator" in svg
    assert "style=" not in svg and "<script" not in svg  # fits the pages' strict CSP
