"""Helpdesk sign-in against the Cognito user pool, from the server (no JavaScript needed).

The password (and, when enabled, the TOTP code) goes to Cognito with AdminInitiateAuth; only
members of the `helpdesk` group get a helpdesk session: a signed cookie of its own, which a
representative's session can never stand in for (helpdesk/access.py). With HELPDESK_MFA_REQUIRED
(prod) a sign-in that did not pass an MFA challenge is refused, whatever the pool says."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from ..platform import config
from ..platform.logs import logger
from ..platform.records import Record

GROUP = "helpdesk"


@lru_cache(maxsize=1)
def _cognito() -> Any:
    import boto3

    return boto3.client("cognito-idp")


def mfa_required() -> bool:
    return config.env("HELPDESK_MFA_REQUIRED", "false").lower() == "true"


class SignIn(Record):
    """Outcome: `user` when signed in; `challenge` (Cognito's session) when the challenge
    `kind` must be answered first — a TOTP code, or on the first sign-in a new password and
    setting up the authenticator app (onboarding.py); else `error`."""

    user: str | None = None
    challenge: str | None = None
    error: str | None = None
    kind: str = "SOFTWARE_TOKEN_MFA"


CHALLENGES = {"SOFTWARE_TOKEN_MFA", "NEW_PASSWORD_REQUIRED", "MFA_SETUP"}


FAILED = "Het e-mailadres of wachtwoord klopt niet, of u heeft geen toegang tot de helpdesk."


def _finish(username: str, passed_mfa: bool) -> SignIn:
    if mfa_required() and not passed_mfa:
        logger.warning("helpdesk sign-in without MFA refused")
        return SignIn(error="Voor de helpdesk is tweestapsverificatie verplicht. Stel een "
                            "authenticator-app in via de beheerder.")
    if not _in_group(username):
        logger.warning("sign-in by a user outside the helpdesk group")
        return SignIn(error=FAILED)
    return SignIn(user=username)


def _in_group(username: str) -> bool:
    groups = _cognito().admin_list_groups_for_user(
        UserPoolId=config.env("HELPDESK_USER_POOL_ID"), Username=username)["Groups"]
    return GROUP in {g["GroupName"] for g in groups}


def still_allowed(username: str) -> bool:
    """The user still exists, is enabled and is still in the helpdesk group."""
    try:
        user = _cognito().admin_get_user(UserPoolId=config.env("HELPDESK_USER_POOL_ID"),
                                         Username=username)
        return bool(user.get("Enabled", True)) and _in_group(username)
    except ClientError as error:  # removed, or the pool refuses: no access either way
        logger.info("helpdesk user re-check refused", extra={"code": _code(error)})
        return False


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "?")


# What Cognito's threat protection may see of the browser: never a cookie or credential.
CONTEXT_HEADERS = ("User-Agent", "Accept-Language", "Accept", "Referer", "X-Forwarded-For")


def context_data(ip: str, host: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """Cognito's ContextData for a sign-in call made by this server: the person's address and
    browser, so threat protection (the Plus tier's adaptive authentication) judges them, not
    Lambda's address. No EncodedData: that needs Cognito's script in the browser, and the
    sign-in works without JavaScript."""
    lower = {name.lower(): value for name, value in headers.items()}
    return {"IpAddress": ip, "ServerName": host or "unknown", "ServerPath": path,
            "HttpHeaders": [{"headerName": name, "headerValue": lower[name.lower()][:1000]}
                            for name in CONTEXT_HEADERS if name.lower() in lower]}


def with_context(context: dict[str, Any] | None) -> dict[str, Any]:
    return {"ContextData": context} if context else {}


def sign_in(username: str, password: str, context: dict[str, Any] | None = None) -> SignIn:
    cognito = _cognito()
    try:
        result = cognito.admin_initiate_auth(
            UserPoolId=config.env("HELPDESK_USER_POOL_ID"),
            ClientId=config.env("HELPDESK_CLIENT_ID"), AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
            **with_context(context))
    except ClientError as error:  # wrong password, unknown user, locked, throttled, …
        logger.info("helpdesk sign-in refused", extra={"code": _code(error)})
        return SignIn(error=FAILED)
    if result.get("ChallengeName") in CHALLENGES:
        return SignIn(challenge=result["Session"], kind=result["ChallengeName"])
    if result.get("ChallengeName"):
        return SignIn(error="Uw account moet eerst worden ingesteld door de beheerder "
                            f"({result['ChallengeName']}).")
    return _finish(username, passed_mfa=False)


def answer_mfa(username: str, session: str, code: str,
               context: dict[str, Any] | None = None) -> SignIn:
    cognito = _cognito()
    try:
        result = cognito.admin_respond_to_auth_challenge(
            UserPoolId=config.env("HELPDESK_USER_POOL_ID"),
            ClientId=config.env("HELPDESK_CLIENT_ID"), ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session, ChallengeResponses={"USERNAME": username,
                                                 "SOFTWARE_TOKEN_MFA_CODE": code},
            **with_context(context))
    except ClientError as error:  # wrong or expired code, used session, …
        logger.info("helpdesk MFA refused", extra={"code": _code(error)})
        return SignIn(error="De code klopt niet of is verlopen. Meld u opnieuw aan.")
    if "AuthenticationResult" not in result:
        return SignIn(error=FAILED)
    return _finish(username, passed_mfa=True)
