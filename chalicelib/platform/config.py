"""Settings from environment variables, read when used.

Chalice applies `.chalice/config.json` variables only while a request runs, so nothing here is
read at import time except table names (see models.py), which the runners set as real variables.
"""
from __future__ import annotations

import os
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta

from . import cycles, instruments

LOCAL_SECRET = "local-development-secret-not-for-deployed-stages"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def stage() -> str:
    return env("STAGE", "local")


def is_local() -> bool:
    """Only a stage that says it is local, outside Lambda: an unset STAGE, or a function in
    Lambda whatever its STAGE says, gets a deployed stage's care (fail closed)."""
    return env("STAGE") == "local" and not env("AWS_LAMBDA_FUNCTION_NAME")


# The address API Gateway says the current request came to, where BASE_URL is not set (the web
# function of a stage without a custom domain; web/responses.py sets it per request).
REQUEST_BASE_URL: ContextVar[str] = ContextVar("request_base_url", default="")


def base_url() -> str:
    """Public address of the app, used in links inside e-mails: BASE_URL (the stack sets it
    from the custom domain or the API's address), else the current request's API address."""
    return (env("BASE_URL") or REQUEST_BASE_URL.get() or "http://127.0.0.1:8000").rstrip("/")


def mail_sender() -> str:
    return env("MAIL_SENDER", "Aanlevermodule CEO <noreply@aanlevermodule-ceo.nl>")


def mail_domain() -> str:
    """The sender's domain, from MAIL_SENDER: the stage's one setting for it (Message-IDs,
    the SES identity the stack lets the app send as: ./dev package reads the same)."""
    from email.utils import parseaddr

    return parseaddr(mail_sender())[1].rpartition("@")[2].lower()


def _worker_share(account_rate: float) -> float:
    """One mail worker's share of an account's per-second rate: the mail queue runs at most
    MAIL_WORKER_CONCURRENCY workers at once; 0 = no pacing (local)."""
    return account_rate / max(env_int("MAIL_WORKER_CONCURRENCY", 1), 1) if account_rate > 0 \
        else 0.0


def mail_sends_per_second() -> float:
    """What one mail worker may hand to SES per second, every mail alike (the helpdesk's and
    clients'): its share of the account's SES rate (SES_MAX_SEND_RATE, `aws sesv2
    get-account`); unset = no pacing (local)."""
    return _worker_share(float(env("SES_MAX_SEND_RATE", "0") or 0))


def sms_sends_per_second() -> float:
    """What one mail worker may hand to SNS as sms per second: its share of the account's SMS
    rate (SMS_MAX_SEND_RATE; default 10, that is 5 a worker at the stack's default
    concurrency of 2); 0 = no pacing."""
    return _worker_share(float(env("SMS_MAX_SEND_RATE", "10") or 0))


def throttled_send_tries() -> int:
    """THROTTLED_SEND_TRIES: how often one SES or SNS send is tried while the service answers
    "too fast" before its job goes back to the queue (platform/pacing.py)."""
    return env_int("THROTTLED_SEND_TRIES", 4)


def throttled_send_backoff_ms() -> int:
    """THROTTLED_SEND_BACKOFF_MS: the first pause after a throttled send; it doubles with every
    further try, jittered, up to 5 s."""
    return env_int("THROTTLED_SEND_BACKOFF_MS", 200)


def ses_configuration_set() -> str:
    return env("SES_CONFIGURATION_SET")


# The local stage's contact details: placeholders that prod refuses (platform/startup.py).
LOCAL_HELPDESK_EMAIL = "helpdesk@aanlevermodule-ceo.nl"
LOCAL_HELPDESK_PHONE = "070 123 45 67"


def helpdesk_email() -> str:
    return env("HELPDESK_EMAIL", LOCAL_HELPDESK_EMAIL)


def helpdesk_phone() -> str:
    return env("HELPDESK_PHONE", LOCAL_HELPDESK_PHONE)


def publication_site_name() -> str:
    """How representatives know the publication site (its domain, say); empty locally."""
    return env("PUBLICATION_SITE_NAME").strip()


# What the privacy and accessibility statements say when PRIVACY_CONTROLLER is not set: fine
# locally, a placeholder anywhere else (prod refuses to start with it: startup.py).
PLACEHOLDER_PRIVACY_CONTROLLER = "de beheerder van de Aanlevermodule CEO"


def privacy_controller() -> str:
    """Who is responsible for the personal data (AVG "verwerkingsverantwoordelijke"), as the
    privacy and accessibility statements name them."""
    return env("PRIVACY_CONTROLLER").strip() or PLACEHOLDER_PRIVACY_CONTROLLER


RETENTION_SCHEDULES = ("apply", "dry-run", "off")


def retention_schedule() -> str:
    """RETENTION_SCHEDULE: what the nightly retention run does — "apply" (erase whom the rules
    name, audited), "dry-run" (only report them: log, metric, audit entry) or "off". Unset or
    unknown: "dry-run" (the start check names an unknown value on deployed stages)."""
    value = env("RETENTION_SCHEDULE", "dry-run").strip().lower()
    return value if value in RETENTION_SCHEDULES else "dry-run"


def retention_max_per_run() -> int:
    """RETENTION_MAX_PER_RUN: a nightly run that finds more registrants due than this erases
    none of them and raises an alarm: so many at once wants a person's look (the CLI)."""
    return env_int("RETENTION_MAX_PER_RUN", 50)


def municipality_year() -> int:
    return env_int("MUNICIPALITY_YEAR", 2025)


def link_valid_days() -> int:
    return env_int("LINK_VALID_DAYS", 120)


def link_expiry(now: datetime) -> datetime:
    """Links last the delivery season: until the end of the last day a delivery is accepted
    (the late window's end, else the deadline; Amsterdam time). Without a configured window
    (the local stage), LINK_VALID_DAYS from now."""
    from zoneinfo import ZoneInfo

    last_day = max((day for instrument in instruments.IDS
                    for day in [delivery_late_until(instrument) or delivery_deadline(instrument)]
                    if day is not None), default=None)
    if last_day is None:
        return now + timedelta(days=link_valid_days())
    end = datetime.combine(last_day, time(23, 59, 59), tzinfo=ZoneInfo("Europe/Amsterdam"))
    return max(end.astimezone(UTC), now + timedelta(days=1))


def session_max_age_seconds() -> int:
    return env_int("SESSION_MAX_AGE_HOURS", 12) * 3600


def keep_ended_session_seconds() -> int:
    """How long a browser keeps an ended session's cookie, so that a page posted after the
    session ended can still be kept for its owner (never enough to show or change anything)."""
    return 30 * 24 * 3600


def cookie_secure() -> bool:
    return not is_local()


def secret_keys() -> tuple[str, ...]:
    """The signing keys of session cookies, form tokens and kept-input cookies, current first.

    The value holds one key per line: the current one signs, every line verifies. Rotating
    puts a new key on the first line and keeps the previous one below it until everything it
    signed has lapsed (docs/runbook.md, "Rotating the signing key"), so nobody is signed out
    and no open form is refused. Deployed stages read it from SSM Parameter Store (cached by
    powertools); a plain variable is accepted for tests, and only an explicitly local stage
    outside Lambda falls back to the fixed development key in the repository (with STAGE unset
    anyone could forge a session)."""
    return _key_ring("SECRET_KEY", LOCAL_SECRET if is_local() else None,
                     "the built-in key is only for STAGE=local outside Lambda")


def secret_key() -> str:
    """The key that signs now."""
    return secret_keys()[0]


def webhook_secrets() -> tuple[str, ...]:
    """The webhook's shared secrets, current first: during a rotation each request carries a
    signature per secret, so the site can switch to the new one whenever it likes."""
    return _key_ring("WEBHOOK_SECRET", None, "the webhook target signs every request")


def _key_ring(name: str, fallback: str | None, why: str) -> tuple[str, ...]:
    parameter = env(f"{name}_PARAMETER")
    if parameter:
        from aws_lambda_powertools.utilities import parameters

        text = str(parameters.get_parameter(parameter, decrypt=True, max_age=300))
    else:
        text = env(name) or fallback or ""
    keys = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not keys:
        raise RuntimeError(f"{name}_PARAMETER or {name} must be set: {why}")
    return keys


def rate_limit_window_seconds() -> int:
    return env_int("RATE_LIMIT_WINDOW_SECONDS", 3600)


def rate_limit_per_email() -> int:
    return env_int("RATE_LIMIT_PER_EMAIL", 5)


def rate_limit_per_ip() -> int:
    return env_int("RATE_LIMIT_PER_IP", 30)


def max_body_bytes() -> int:
    return env_int("MAX_BODY_BYTES", 65536)


def questionnaire_instrument() -> str:
    """The instrument a page or job means when it names none: CEO Wmo (the first)."""
    return env("QUESTIONNAIRE", instruments.WMO)


def current_cycle() -> int:
    """The verantwoordingsjaar being delivered now."""
    return env_int("CURRENT_CYCLE", 2026)


def _date(name: str) -> date | None:
    raw = env(name)
    return date.fromisoformat(raw) if raw else None


def delivery_window_mode() -> str:
    """"cycle": the window of CURRENT_CYCLE from the cycle settings (prod); "open": sending
    any day (the local stage's default; dev sets it so testers can send out of season)."""
    return env("DELIVERY_WINDOW", "open" if is_local() else "cycle")


def sending_window(instrument: str = instruments.WMO) -> cycles.SendingWindow | None:
    """The current cycle's sending window of this instrument, or None where sending is always
    open. Raises CycleSettingsError when the cycle has no settings (never silently open or
    closed)."""
    if delivery_window_mode() == "open":
        return None
    return cycles.window_of(instrument, current_cycle())


def _window_date(name: str, field: str, instrument: str) -> date | None:
    """DELIVERY_OPENS / _DEADLINE / _LATE_UNTIL override one date (tests do); otherwise the
    cycle's own. Deployed stages never set them (tests/delivery/test_cycles.py)."""
    override = _date(name)
    if override is not None:
        return override
    window = sending_window(instrument)
    return getattr(window, field) if window else None


def delivery_opens(instrument: str = instruments.WMO) -> date | None:
    """First day on which sending is possible (Europe/Amsterdam)."""
    return _window_date("DELIVERY_OPENS", "opens", instrument)


def delivery_deadline(instrument: str = instruments.WMO) -> date | None:
    """Last day on which a delivery is on time."""
    return _window_date("DELIVERY_DEADLINE", "deadline", instrument)


def delivery_late_until(instrument: str = instruments.WMO) -> date | None:
    """Grace policy: last day on which a late delivery is still accepted (marked late)."""
    return _window_date("DELIVERY_LATE_UNTIL", "late_until", instrument)


def reminder_days() -> tuple[int, ...]:
    """REMINDER_DAYS_BEFORE: on how many days before the deadline the scheduled reminder goes
    out, e.g. "14,3" (default); "" for none."""
    raw = env("REMINDER_DAYS_BEFORE", "14,3")
    return tuple(sorted({int(part) for part in raw.split(",") if part.strip().isdigit()},
                        reverse=True))
