"""Mail domains the helpdesk trusts per municipality, on top of the known ones
(email_domains.py): trusted when approving a held registration ("the next colleague with this
domain passes at once"), or by hand from the municipality's page or the CLI; removable the same
ways. Each change is one transaction with the audit entries the caller passes (`extra`), so an
entry never exists without its change. Addresses at exactly the trusted domain pass (not its
subdomains: a trusted domain is one somebody looked at, nothing wider)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from ..platform import audit
from ..platform.models import TrustedDomain, connection

PARTITION = "vertrouwd"
MAX_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# Mailboxes anyone can open, free or throwaway (data/public-mail-domains.txt: maintained lists,
# their sources and licences in its header): never trusted for a municipality, whoever approves.
PUBLIC_MAIL_FILE = Path(__file__).parent / "data" / "public-mail-domains.txt"


@cache
def _public_mail() -> frozenset[str]:
    lines = PUBLIC_MAIL_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))

Extra = Sequence[tuple[Model, Any]]


class DomainRefused(Exception):
    """The domain cannot be trusted, or the change was made meanwhile; Dutch message."""


def domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower().rstrip(".")


def clean(value: str) -> tuple[str, str | None]:
    """(domain as stored, Dutch error or None) for a typed domain or address."""
    text = value.strip().lower().rstrip(".")
    text = text.rsplit("@", 1)[-1] if "@" in text else text
    if not text:
        return text, "Vul een e-maildomein in, zoals gemeente.nl"
    if len(text) > MAX_LENGTH or "." not in text or \
            not all(_LABEL.match(label) for label in text.split(".")):
        return text, "Vul een geldig e-maildomein in, zoals gemeente.nl"
    if is_public(text):
        return text, (f"{text} is een openbare e-maildienst: iedereen kan daar een adres "
                      "krijgen, dus dat domein kan niet worden vertrouwd")
    return text, None


def is_public(domain: str) -> bool:
    """A free or disposable mail provider (or a subdomain of one)."""
    parts = domain.lower().split(".")
    return any(".".join(parts[i:]) in _public_mail() for i in range(len(parts) - 1))


def _key(code: str, domain: str) -> str:
    return f"{code}#{domain}"


def trusted_codes(email: str, codes: Iterable[str]) -> set[str]:
    """Which of `codes` trust the address's domain (one BatchGetItem, none for no codes)."""
    domain = domain_of(email)
    keys = [(PARTITION, _key(code, domain)) for code in dict.fromkeys(codes)]
    if not keys or is_public(domain):
        return set()
    return {item.municipality for item in TrustedDomain.batch_get(keys)}


def of_municipality(code: str) -> list[TrustedDomain]:
    return sorted(TrustedDomain.query(PARTITION, TrustedDomain.key.startswith(f"{code}#")),
                  key=lambda item: item.domain)


def everything() -> list[TrustedDomain]:
    """Every trusted domain, by municipality code (one Query)."""
    return list(TrustedDomain.query(PARTITION))


def item(code: str, domain: str, actor: str, now: datetime | None = None) -> TrustedDomain:
    """The record to write, inside a caller's transaction (the approval's)."""
    return TrustedDomain(PARTITION, _key(code, domain), municipality=code, domain=domain,
                         trusted_by=actor, trusted_at=now or datetime.now(UTC))


def _cancelled_by_condition(error: TransactWriteError) -> bool:
    return any(reason is not None and reason.code == "ConditionalCheckFailed"
               for reason in (error.cancellation_reasons or []))


def trust(code: str, domain: str, actor: str, extra: Extra = ()) -> TrustedDomain:
    """Trusts `domain` for `code`, with the caller's audit entries, all or nothing. Refused
    when it already is (someone was first)."""
    record = item(code, domain, actor)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(record, condition=TrustedDomain.key.does_not_exist())
            audit.save_in(transaction, extra)
    except TransactWriteError as error:
        if _cancelled_by_condition(error):
            raise DomainRefused(f"{domain} wordt al vertrouwd voor deze gemeente.") from error
        raise
    return record


def remove(code: str, domain: str, extra: Extra = ()) -> None:
    """Stops trusting `domain` for `code`, with the caller's audit entries, all or nothing.
    Refused when it is no longer trusted (someone else removed it first)."""
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.delete(TrustedDomain(PARTITION, _key(code, domain)),
                               condition=TrustedDomain.key.exists())
            audit.save_in(transaction, extra)
    except TransactWriteError as error:
        if _cancelled_by_condition(error):
            raise DomainRefused(f"{domain} werd al niet meer vertrouwd voor deze gemeente; "
                                "iemand anders was u voor.") from error
        raise
