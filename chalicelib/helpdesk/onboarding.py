"""A new helpdesk employee's first sign-in in the real user pool, and inviting one.

An administrator invites someone with `python -m chalicelib.cli --as <you> invite
<address>` (AdminCreateUser: Cognito mails a temporary password; the user joins the helpdesk
group). The first sign-in then answers Cognito's challenges from the server, without
JavaScript: NEW_PASSWORD_REQUIRED (choose a password), and, as the pool requires TOTP,
MFA_SETUP: AssociateSoftwareToken gives a secret, shown as a QR code and as text; the code
from the authenticator app goes to VerifySoftwareToken, and AdminRespondToAuthChallenge
finishes the sign-in. TOTP is then made the user's preferred factor, so every later sign-in
asks for a code (auth.py). Only then, and only for members of the helpdesk group, does a
helpdesk session start (auth._finish)."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from ..platform import config
from ..platform.logs import logger
from . import auth
from .auth import SignIn

ISSUER = "Aanlevermodule CEO"
TOO_LATE = ("Het inloggen duurde te lang, of deze stap is al gedaan. Meld u opnieuw aan met uw "
            "e-mailadres en wachtwoord.")
PASSWORD_RULES = ("Kies een wachtwoord van minstens 12 tekens, met hoofdletters, kleine "
                  "letters en cijfers, dat u niet eerder gebruikte.")
WRONG_CODE = ("De code klopt niet. Kijk of de tijd op uw telefoon goed staat, en vul de code "
              "in die de app nu toont.")


def _pool() -> dict[str, str]:
    return {"UserPoolId": config.env("HELPDESK_USER_POOL_ID"),
            "ClientId": config.env("HELPDESK_CLIENT_ID")}


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "?")


def next_step(username: str, result: dict[str, Any], passed_mfa: bool) -> SignIn:
    """What Cognito's answer means: another challenge, or signed in."""
    challenge = result.get("ChallengeName")
    if challenge in auth.CHALLENGES:
        return SignIn(challenge=result["Session"], kind=challenge)
    if challenge:
        logger.warning("unsupported helpdesk challenge", extra={"challenge": challenge})
        return SignIn(error="Uw account vraagt om een stap die de helpdesk-pagina's niet "
                            f"kennen ({challenge}). Neem contact op met de beheerder.")
    if "AuthenticationResult" not in result:
        return SignIn(error=auth.FAILED)
    return auth._finish(username, passed_mfa=passed_mfa)


def set_new_password(username: str, session: str, password: str,
                     context: dict[str, Any] | None = None) -> SignIn:
    """Answers NEW_PASSWORD_REQUIRED. A password the pool refuses keeps the challenge open
    (`retry`); an expired or used session does not."""
    try:
        result = auth._cognito().admin_respond_to_auth_challenge(
            **_pool(), ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": password},
            **auth.with_context(context))
    except ClientError as error:
        code = _code(error)
        logger.info("helpdesk new password refused", extra={"code": code})
        if code in ("InvalidPasswordException", "InvalidParameterException"):
            return SignIn(error=PASSWORD_RULES, challenge=session, kind="NEW_PASSWORD_REQUIRED")
        return SignIn(error=TOO_LATE)
    return next_step(username, result, passed_mfa=False)


def start_authenticator(session: str) -> tuple[str, str] | None:
    """(TOTP secret, the session to verify it with) for MFA_SETUP; None when the session is
    no longer valid."""
    try:
        result = auth._cognito().associate_software_token(Session=session)
    except ClientError as error:
        logger.info("helpdesk authenticator set-up refused", extra={"code": _code(error)})
        return None
    return result["SecretCode"], result.get("Session") or session


def confirm_authenticator(username: str, session: str, code: str,
                          context: dict[str, Any] | None = None) -> SignIn:
    """Verifies the first code of the new authenticator and finishes MFA_SETUP. A wrong code
    keeps the set-up open (`retry`)."""
    cognito = auth._cognito()
    try:
        verified = cognito.verify_software_token(Session=session, UserCode=code,
                                                 FriendlyDeviceName=ISSUER)
    except ClientError as error:
        error_code = _code(error)
        logger.info("helpdesk authenticator code refused", extra={"code": error_code})
        if error_code in ("CodeMismatchException", "EnableSoftwareTokenMFAException"):
            return SignIn(error=WRONG_CODE, challenge=session, kind="MFA_SETUP")
        return SignIn(error=TOO_LATE)
    if verified.get("Status") != "SUCCESS":
        return SignIn(error=WRONG_CODE, challenge=session, kind="MFA_SETUP")
    try:
        result = cognito.admin_respond_to_auth_challenge(
            **_pool(), ChallengeName="MFA_SETUP", Session=verified.get("Session") or session,
            ChallengeResponses={"USERNAME": username}, **auth.with_context(context))
        # every later sign-in asks for a code from this app
        cognito.admin_set_user_mfa_preference(
            UserPoolId=config.env("HELPDESK_USER_POOL_ID"), Username=username,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    except ClientError as error:
        logger.info("helpdesk MFA set-up not finished", extra={"code": _code(error)})
        return SignIn(error=TOO_LATE)
    return next_step(username, result, passed_mfa=True)


def otpauth_uri(username: str, secret: str) -> str:
    """What the QR code holds: the standard key URI authenticator apps read."""
    label = quote(f"{ISSUER}:{username}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(ISSUER)}"


def qr_svg(text: str) -> str:
    """The QR code as inline SVG: no script and no style attribute, so it fits the pages'
    strict CSP. (segno is imported here, not at start-up: only this page needs it.)"""
    import segno

    svg = segno.make_qr(text, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", title="QR-code voor uw authenticator-app",
        svgclass="qr", lineclass=None)
    return str(svg)


def grouped(secret: str) -> str:
    """The secret in blocks of four, easier to type."""
    return " ".join(re.findall(".{1,4}", secret))


# --- inviting ------------------------------------------------------------------------------

_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class InviteRefused(Exception):
    """Dutch message for the administrator."""


def invite(email: str, resend: bool = False) -> str:
    """Creates the user (Cognito mails the temporary password) and adds it to the helpdesk
    group; `resend` mails a new temporary password to an invited user who lost it. Returns
    the user's status."""
    address = email.strip().lower()
    if not _ADDRESS.match(address):
        raise InviteRefused(f"{email!r} is geen e-mailadres.")
    cognito, pool = auth._cognito(), config.env("HELPDESK_USER_POOL_ID")
    if not pool:
        raise InviteRefused("HELPDESK_USER_POOL_ID is niet gezet (de user pool van de stage).")
    try:
        if resend:
            user = cognito.admin_create_user(UserPoolId=pool, Username=address,
                                              MessageAction="RESEND",
                                              DesiredDeliveryMediums=["EMAIL"])["User"]
        else:
            user = cognito.admin_create_user(
                UserPoolId=pool, Username=address, DesiredDeliveryMediums=["EMAIL"],
                UserAttributes=[{"Name": "email", "Value": address},
                                {"Name": "email_verified", "Value": "true"}])["User"]
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=address, GroupName=auth.GROUP)
    except ClientError as error:
        code = _code(error)
        if code == "UsernameExistsException":
            raise InviteRefused(f"{address} bestaat al; gebruik --resend voor een nieuw "
                                "tijdelijk wachtwoord.") from error
        if code == "UserNotFoundException":
            raise InviteRefused(f"{address} is nog niet uitgenodigd.") from error
        raise InviteRefused(f"Cognito weigerde: {code}") from error
    return str(user.get("UserStatus", "?"))
