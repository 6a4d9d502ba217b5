"""Configuration that cannot be wrong silently: checked when a function starts (app.py) and by
`./dev deploy --dry-run` before anything is deployed.

On prod a problem stops the start with one error that lists every problem, so a deploy with
the local placeholders never shows representatives a helpdesk number nobody answers, or a
privacy statement that names nobody responsible for their data; on dev the
same findings are logged as warnings (a test stage may use placeholders)."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from email.utils import parseaddr

from . import cycles, instruments
from .config import LOCAL_HELPDESK_EMAIL, PLACEHOLDER_PRIVACY_CONTROLLER, RETENTION_SCHEDULES

# What the local stage shows; a real helpdesk is reachable elsewhere.
PLACEHOLDER_PHONES = {"0701234567", "0123456789", "0000000000"}
RESERVED_MAIL_DOMAINS = ("example.com", "example.nl", "example.org", "example.net", "test",
                         "invalid", "localhost")
# What a privacy controller left to fill in looks like (compared without case and spaces);
# the local default is one of them.
PLACEHOLDER_CONTROLLERS = {" ".join(PLACEHOLDER_PRIVACY_CONTROLLER.casefold().split()),
                           "beheerder", "de beheerder", "organisatie", "naam organisatie",
                           "onbekend", "todo", "tbd", "nog invullen", "invullen", "placeholder",
                           "-", "x", "xxx", "..."}
PLACEHOLDER_CONTROLLER_MARKS = ("<", ">", "{", "}", "example", "voorbeeld", "todo", "xxx")


class ConfigurationError(RuntimeError):
    """The stage's settings would run the app wrongly; the message lists each problem."""


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return "0" + digits[2:] if digits.startswith("31") and phone.strip().startswith("+") \
        else digits


def _reserved(domain: str) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in RESERVED_MAIL_DOMAINS)


def _sender_problems(sender: str) -> list[str]:
    """MAIL_SENDER, "Name <address>": the registration page tells people to look for both in
    their spam folder, so both must be real."""
    name, address = parseaddr(sender)
    domain = address.rsplit("@", 1)[-1].lower() if "@" in address else ""
    if not sender.strip():
        return ["MAIL_SENDER is not set: mails need a sender (.chalice/config.json, per stage)"]
    if not name.strip() or not domain:
        return [f"MAIL_SENDER is {sender!r}: write it as 'Name <address>' (the registration "
                f"page names both, to look for in the spam folder)"]
    if _reserved(domain):
        return [f"MAIL_SENDER is the placeholder {sender!r}: set the stage's real sender "
                f"(.chalice/config.json)"]
    return []


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Every problem with a deployed stage's settings (none for the local stage)."""
    env = os.environ if environ is None else environ
    stage = env.get("STAGE", "local")
    if stage == "local":
        return []
    found = []
    if stage not in ("dev", "prod"):
        found.append(f"STAGE is {stage!r}: local, dev or prod")
    phone = env.get("HELPDESK_PHONE", "").strip()
    if not phone:
        found.append("HELPDESK_PHONE is not set: every page and mail shows the helpdesk's number")
    elif _digits(phone) in PLACEHOLDER_PHONES or len(set(_digits(phone)[1:])) <= 1:
        found.append(f"HELPDESK_PHONE is the placeholder {phone!r}: set the helpdesk's real "
                     f"number (stack parameter HelpdeskPhone)")
    email = env.get("HELPDESK_EMAIL", "").strip()
    domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
    if not domain:
        found.append("HELPDESK_EMAIL is not set: every page and mail gives it (and Reply-To)")
    elif _reserved(domain) or email.casefold() == LOCAL_HELPDESK_EMAIL:
        found.append(f"HELPDESK_EMAIL is the placeholder {email!r}: set the helpdesk's real "
                     f"address (stack parameter HelpdeskEmail)")
    found += _sender_problems(env.get("MAIL_SENDER", ""))
    if not env.get("PUBLICATION_SITE_NAME", "").strip():
        found.append("PUBLICATION_SITE_NAME is not set: pages and mails name the site the "
                     "results go to (stack parameter PublicationSiteName)")
    controller = " ".join(env.get("PRIVACY_CONTROLLER", "").casefold().split()).rstrip(".")
    if not controller:
        found.append("PRIVACY_CONTROLLER is not set: the privacy statement must name who is "
                     "responsible for the personal data (stack parameter PrivacyController, "
                     "e.g. the organisation's legal name)")
    elif controller in PLACEHOLDER_CONTROLLERS or \
            any(mark in controller for mark in PLACEHOLDER_CONTROLLER_MARKS):
        found.append(f"PRIVACY_CONTROLLER is the placeholder "
                     f"{env.get('PRIVACY_CONTROLLER', '').strip()!r}: the privacy statement "
                     f"must name who is responsible for the personal data (stack parameter "
                     f"PrivacyController, e.g. the organisation's legal name)")
    schedule = env.get("RETENTION_SCHEDULE", "").strip().lower()
    if schedule and schedule not in RETENTION_SCHEDULES:
        found.append(f"RETENTION_SCHEDULE is {schedule!r}: apply, dry-run or off")
    limit = env.get("RETENTION_MAX_PER_RUN", "").strip()
    if limit and not (limit.isascii() and limit.isdigit()):
        found.append(f"RETENTION_MAX_PER_RUN is {limit!r}: a number of registrants")
    base_url = env.get("BASE_URL", "")
    if base_url and not base_url.startswith("https://"):
        found.append(f"BASE_URL {base_url!r} is not https: links in mails would not work, or "
                     f"leak the personal link")
    if not (env.get("SECRET_KEY_PARAMETER") or env.get("SECRET_KEY")):
        found.append("SECRET_KEY_PARAMETER is not set: no signing key for sessions")
    if env.get("DELIVERY_WINDOW", "cycle") == "cycle":
        found += [window for window in sending_windows(env).values() if isinstance(window, str)]
    return found


def sending_windows(environ: Mapping[str, str]) -> dict[str, cycles.SendingWindow | str]:
    """{instrument: its sending window in the stage's CURRENT_CYCLE, or why it has none}: each
    instrument has its own window, and the start check and `./dev deploy --dry-run` both look
    at every one through this."""
    result: dict[str, cycles.SendingWindow | str] = {}
    for instrument in instruments.IDS:
        try:
            result[instrument] = cycles.window_of(instrument,
                                                  int(environ.get("CURRENT_CYCLE", "2026")))
        except (cycles.CycleSettingsError, ValueError) as error:
            result[instrument] = str(error)
    return result


def require(environ: Mapping[str, str] | None = None) -> None:
    """When a function starts: prod refuses to run with any problem; dev logs them. Only in
    Lambda (AWS_LAMBDA_FUNCTION_NAME): `chalice package` imports the app with the stage's
    variables from .chalice/config.json, before the stack's parameters supply the real ones
    (`./dev deploy --dry-run` checks those)."""
    env = os.environ if environ is None else environ
    if not env.get("AWS_LAMBDA_FUNCTION_NAME"):
        return
    found = problems(env)
    if not found:
        return
    if env.get("STAGE") == "prod":
        raise ConfigurationError("The prod stage refuses to start:\n- " + "\n- ".join(found))
    from .logs import logger

    logger.warning("configuration problems", extra={"problems": found})
