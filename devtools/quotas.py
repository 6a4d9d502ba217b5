"""`./dev quotas STAGE`: the account limits and SES states a first deployment runs into,
checked before it does (`./dev deploy` runs this too). Read-only AWS calls:

- Lambda `GetAccountSettings`: the account's concurrency. Lambda keeps 100 unreserved, so the
  forwarder's reservation needs at least 100 + ForwarderReservedConcurrency; new accounts may
  start at 10, which would throttle the web function too (ask for the default 1000 in Service
  Quotas, "Lambda: Concurrent executions", L-B99A9384).
- SES v2 `GetAccount`: production access (the sandbox only mails verified addresses), sending
  enabled, enforcement status, the 24-hour quota against what a season needs.
- SES v2 `GetEmailIdentity`: the sender domain is verified for sending.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

LAMBDA_UNRESERVED_MINIMUM = 100
LAMBDA_DEFAULT_LIMIT = 1000
# A season: a few hundred municipalities, several representatives each, a link, receipts and
# notices each; a day of re-sends after an incident must fit.
SES_DAILY_NEEDED = 2000


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "warn" or "error"
    text: str


def lambda_concurrency(client: Any, reserved: int) -> list[Finding]:
    limit = int(client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
    needed = LAMBDA_UNRESERVED_MINIMUM + reserved
    if reserved and limit < needed:
        return [Finding("error", f"Lambda concurrency limit is {limit}: the forwarder's "
                                 f"reservation of {reserved} needs {needed}. Ask for "
                                 f"{LAMBDA_DEFAULT_LIMIT} (Service Quotas, L-B99A9384) or deploy "
                                 f"with ForwarderReservedConcurrency=0")]
    if limit < LAMBDA_DEFAULT_LIMIT:
        return [Finding("warn", f"Lambda concurrency limit is {limit} (default "
                                f"{LAMBDA_DEFAULT_LIMIT}): a busy hour may throttle the web "
                                f"function; ask for more in Service Quotas (L-B99A9384)")]
    return [Finding("ok", f"Lambda concurrency limit {limit}")]


def ses_account(client: Any, stage: str) -> list[Finding]:
    account = client.get_account()
    found = []
    if not account.get("ProductionAccessEnabled"):
        level = "error" if stage == "prod" else "warn"
        found.append(Finding(level, "SES is in the sandbox: it only mails verified addresses. "
                                    "Request production access (SES console, Account "
                                    "dashboard)"))
    if not account.get("SendingEnabled", True):
        found.append(Finding("error", "SES sending is disabled for this account/region"))
    status = account.get("EnforcementStatus", "HEALTHY")
    if status != "HEALTHY":
        found.append(Finding("error" if status == "SHUTDOWN" else "warn",
                             f"SES enforcement status is {status}: see the SES reputation "
                             f"dashboard"))
    daily = float(account.get("SendQuota", {}).get("Max24HourSend", 0))
    if account.get("ProductionAccessEnabled") and daily < SES_DAILY_NEEDED:
        found.append(Finding("warn", f"SES sends at most {daily:.0f} mails a day; a season "
                                     f"needs about {SES_DAILY_NEEDED}: ask for more"))
    return found or [Finding("ok", f"SES: production access, {daily:.0f} mails a day")]


def ses_identity(client: Any, domain: str) -> list[Finding]:
    try:
        identity = client.get_email_identity(EmailIdentity=domain)
    except client.exceptions.NotFoundException:
        return [Finding("error", f"SES has no identity {domain}: verify the domain (DKIM "
                                 f"records) before deploying")]
    if not identity.get("VerifiedForSendingStatus"):
        return [Finding("error", f"SES identity {domain} is not verified yet (DKIM "
                                 f"{identity.get('DkimAttributes', {}).get('Status', '?')})")]
    return [Finding("ok", f"SES identity {domain} verified")]


def check(stage: str, region: str, reserved: int, sender_domain: str,
          clients: dict[str, Any] | None = None) -> list[Finding]:
    if clients is None:
        import boto3

        clients = {name: boto3.client(name, region_name=region) for name in ("lambda", "sesv2")}
    return [*lambda_concurrency(clients["lambda"], reserved),
            *ses_account(clients["sesv2"], stage),
            *ses_identity(clients["sesv2"], sender_domain)]


def report(findings: list[Finding]) -> bool:
    """Prints the findings; True when none is an error."""
    marks = {"ok": "ok  ", "warn": "warn", "error": "FAIL"}
    for finding in findings:
        print(f"  [{marks[finding.level]}] {finding.text}")
    return not any(f.level == "error" for f in findings)


def main(argv: list[str] | None = None) -> int:
    from devtools import package

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["dev", "prod"])
    parser.add_argument("--region", default="eu-central-1")
    parser.add_argument("--reserved", type=int, default=2,
                        help="the ForwarderReservedConcurrency you deploy with")
    args = parser.parse_args(argv)
    print(f"Quotas and SES for {args.stage} in {args.region}:")
    ok = report(check(args.stage, args.region, args.reserved, package.sender_domain(args.stage)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
