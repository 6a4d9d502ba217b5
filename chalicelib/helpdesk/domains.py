"""The helpdesk's view of who may register for a municipality at once: its known mail domains,
the shared service organisations that work for it, and the domains the helpdesk trusts for it
(trusting on approval lives in actions.approve). Trusting and removing by hand each write their
audit entry in the same transaction."""
from __future__ import annotations

from ..accounts import email_domains, trusted_domains
from ..platform import audit
from ..platform.models import TrustedDomain
from ..platform.records import Record
from .actions import ActionRefused


class Domains(Record, frozen=True):
    known: list[str]  # the municipality's own, from the data file
    shared: list[dict]  # shared service organisations: organisatie, domein, bron
    trusted: list[TrustedDomain]


def of_municipality(code: str) -> Domains:
    shared = [service for service in email_domains.shared_services()
              if code in service["gemeenten"]]
    shared_domains = {service["domein"] for service in shared}
    own = sorted(set(email_domains.known_domains().get(code, ())) - shared_domains)
    return Domains(known=own, shared=shared, trusted=trusted_domains.of_municipality(code))


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ActionRefused("Geef een reden op; die komt in het logboek.")
    return reason.strip()[:1000]


def trust(actor: str, code: str, typed: str, reason: str) -> str:
    """Trusts a typed domain for `code`; returns it as stored."""
    domain, error = trusted_domains.clean(typed)
    if error:
        raise ActionRefused(error)
    reason = _reason(reason)
    if email_domains.matches(f"x@{domain}", code):
        raise ActionRefused(f"{domain} hoort al bij de bekende domeinen van deze gemeente.")
    entries = audit.writes(actor, "e-maildomein vertrouwd",
                                [audit.subject_municipality(code)], reason, {"domein": domain})
    try:
        trusted_domains.trust(code, domain, actor, extra=entries)
    except trusted_domains.DomainRefused as refused:
        raise ActionRefused(str(refused)) from refused
    return domain


NOT_A_TRUSTED_DOMAIN = "Kies een vertrouwd domein uit de lijst van deze gemeente."


def remove(actor: str, code: str, domain: str, reason: str) -> None:
    domain = domain.strip().lower()
    cleaned, error = trusted_domains.clean(domain)
    if error or "@" in domain or cleaned != domain:
        raise ActionRefused(NOT_A_TRUSTED_DOMAIN)  # no form offers that: bad input, not stale
    reason = _reason(reason)
    entries = audit.writes(actor, "vertrouwd e-maildomein verwijderd",
                                [audit.subject_municipality(code)], reason, {"domein": domain})
    try:
        trusted_domains.remove(code, domain, extra=entries)
    except trusted_domains.DomainRefused as refused:
        raise ActionRefused(str(refused)) from refused
