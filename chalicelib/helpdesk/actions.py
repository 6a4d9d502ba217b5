"""What the helpdesk does, as plain functions (pages and the CLI both call these): look-ups
through indexes (never scans), withdraw/restore with notices, link and membership management.
Every change writes its audit entries in the same transaction as the change itself."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.transactions import TransactWrite

from ..accounts import people, registrants, registration, trusted_domains
from ..accounts.notices import notify_municipality
from ..delivery import history, withdrawals
from ..platform import audit, config, instruments
from ..platform.instruments import JEUGD, WMO
from ..platform.models import Delivery, Draft, HeldRequest, Membership, Registrant, connection
from ..platform.municipalities import Municipality, is_code, municipalities
from ..platform.municipalities import search as search_municipalities
from ..platform.records import Record, field
from ..publication import reconcile
from ..questionnaire import drafts


class ActionRefused(Exception):
    """The action does not apply or lacks what it needs (a reason, a current delivery); the
    message is Dutch, for the helpdesk employee."""


class Found(Record):
    registrants: list[Registrant] = field(default_factory=list)
    municipalities: list[Municipality] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    more: bool = False  # more people matched than one search shows


def lookup(query: str) -> Found:
    """What people quote or say: a delivery number (GM0014-2026-2, Jeugd GM0014-2026-J2), a
    personal code, an e-mail
    address (exact, any case, or its start), a CBS code, a phone number (as typed), or the
    start of any part of a person's name or of a municipality's official or common name (Den
    Haag, Den Bosch, Súdwest-Fryslân typed without accents). A few reads, never a scan."""
    text = " ".join(query.split())[:200]
    if not text:
        return Found()
    number = history.parse_number(text)
    if number:
        code, cycle, sequence, instrument = number
        delivery = history.get(code, cycle, sequence, instrument)
        known = municipalities(config.municipality_year())
        return Found(deliveries=[delivery] if delivery else [],
                     municipalities=[known[code]] if code in known else [])
    registrant = registrants.find_by_personal_code(text)
    if registrant is not None:
        return Found(registrants=[registrant])
    if "@" in text:
        found = registrants.find_by_email(text.lower())
        if found:
            return Found(registrants=[found])
        started = people.by_email(text)  # the start of an address
        return Found(registrants=started.registrants, more=started.more)
    known = municipalities(config.municipality_year())
    code = text.upper()
    if is_code(code):
        return Found(municipalities=[known[code]] if code in known else [])
    if people.looks_like_phone(text):
        called = people.by_phone(text)
        return Found(registrants=called.registrants, more=called.more)
    named = people.by_name(text)
    return Found(municipalities=search_municipalities(text, config.municipality_year()),
                 registrants=named.registrants, more=named.more)


def sent_by(people_found: list[Registrant], cycle: int
            ) -> tuple[dict[tuple[str, str], list[Delivery]], set[str]]:
    """What the people found sent in `cycle`, both instruments: {(registrant id,
    municipality): their deliveries, CEO Wmo's then CEO Jeugd's, each oldest first} and the
    numbers of the deliveries that count now (one per municipality and instrument). One
    query per municipality and instrument they represent (a search shows a few people)."""
    sent: dict[tuple[str, str], list[Delivery]] = {}
    counts: set[str] = set()
    for code in sorted({code for person in people_found for code in person.municipalities}):
        for instrument in instruments.IDS:
            deliveries = history.history(code, cycle, instrument)
            now = history.counting(deliveries)
            if now is not None:
                counts.add(str(now.delivery_id))
            for delivery in reversed(deliveries):
                sent.setdefault((str(delivery.registrant_id), code), []).append(delivery)
    return sent, counts


def drafts_of(registrant: Registrant, cycle: int) -> dict[str, Draft]:
    """{municipality: the shared draft} of this registrant's municipalities in `cycle`."""
    return drafts.drafts_for(registrant.municipalities, cycle)


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ActionRefused("Geef een reden op.")
    return reason.strip()


def withdraw(actor: str, code: str, cycle: int, delivery_id: str, reason: str) -> Delivery:
    reason = _reason(reason)
    try:
        delivery, now_counting = withdrawals.withdraw_latest(
            code, cycle, delivery_id, actor, reason)
    except withdrawals.StatusChangeRefused as refused:
        raise ActionRefused(str(refused)) from refused
    told = reason if now_counting is None else f"{reason} (nu telt {now_counting.delivery_id})"
    notify_municipality(code, f"Aanlevering {delivery_id} is ingetrokken", "withdrawn",
                        {"delivery": delivery, "reason": told})
    return delivery


def restore(actor: str, code: str, cycle: int, delivery_id: str, reason: str) -> Delivery:
    reason = _reason(reason)
    try:
        delivery = withdrawals.restore(code, cycle, delivery_id, actor, reason)
    except withdrawals.StatusChangeRefused as refused:
        raise ActionRefused(str(refused)) from refused
    notify_municipality(code, f"Aanlevering {delivery_id} is hersteld", "restored",
                        {"delivery": delivery, "reason": reason})
    return delivery


def resend_link(actor: str, registrant: Registrant) -> None:
    registration.resend_link(registrant, extra=audit.writes(
        actor, "link opnieuw verstuurd", [audit.subject_registrant(registrant.id)]))


def revoke_link(actor: str, registrant: Registrant, reason: str) -> None:
    reason = _reason(reason)
    registration.revoke_link(registrant, extra=audit.writes(
        actor, "link ingetrokken", [audit.subject_registrant(registrant.id)], reason))


def held_requests() -> list[HeldRequest]:
    """The open requests, oldest first; one per registrant (a request whose last municipality
    went in a race it lost is not shown)."""
    return sorted((held for held in HeldRequest.query("open") if held.codes),
                  key=lambda held: held.created_at)


ALREADY_HANDLED = "Deze aanvraag is intussen al afgehandeld. Vernieuw de pagina."


def approve(actor: str, registrant: Registrant, code: str, trust_domain: bool = False) -> None:
    """Approves a held municipality; with `trust_domain` the registrant's mail domain is
    trusted for it as well (same transaction, named in the audit entry), so the next colleague
    at that domain passes at once."""
    extra: list = []
    details: dict[str, Any] = {}
    if trust_domain:
        domain = trusted_domains.domain_of(registrant.email)
        if trusted_domains.is_public(domain):
            raise ActionRefused(trusted_domains.clean(domain)[1] or "")
        extra.append((trusted_domains.item(code, domain, actor), None))
        details["vertrouwd_domein"] = domain
    entries = audit.writes(actor, "aanmelding goedgekeurd",
                                [audit.subject_registrant(registrant.id),
                                 audit.subject_municipality(code)], details=details)
    try:
        registration.approve(registrant, code, extra=[*entries, *extra])
    except registration.AlreadyHandled as handled:
        raise ActionRefused(ALREADY_HANDLED) from handled


def reject(actor: str, registrant: Registrant, code: str, reason: str) -> None:
    reason = _reason(reason)
    entries = audit.writes(actor, "aanmelding afgewezen",
                                [audit.subject_registrant(registrant.id),
                                 audit.subject_municipality(code)], reason)
    try:
        registration.reject(registrant, code, extra=entries)
    except registration.AlreadyHandled as handled:
        raise ActionRefused(ALREADY_HANDLED) from handled


def reject_requests(actor: str, registrant_ids: Sequence[str], reason: str) -> tuple[int, int]:
    """The helpdesk's bulk refusal (issue 25 item 10): every municipality of each selected
    held request is refused, one transaction per registrant with its audit entries; a request
    handled meanwhile is skipped. Returns (refused, skipped)."""
    reason = _reason(reason)
    refused = 0
    for person in registrants.by_ids(list(dict.fromkeys(registrant_ids))):
        codes = sorted(person.held_municipalities or ())
        entries = audit.writes(actor, "aanmelding afgewezen",
                               [audit.subject_registrant(person.id),
                                *(audit.subject_municipality(code) for code in codes)],
                               reason, {"gemeenten": ", ".join(codes), "in_bulk": "ja"})
        try:
            registration.reject_all(person, codes, extra=entries)
            refused += 1
        except registration.AlreadyHandled:
            pass
    return refused, len(set(registrant_ids)) - refused


def set_membership(actor: str, registrant: Registrant, code: str, member: bool,
                   reason: str) -> None:
    """Adds or removes a municipality; the registrant, its membership and the audit entries
    change in one transaction. Drafts and deliveries stay as they are."""
    reason = _reason(reason)
    if member == (code in registrant.municipalities):
        raise ActionRefused("Dat is al zo.")
    action = "gemeente toegevoegd" if member else "gemeente verwijderd"
    entries = audit.writes(actor, action, [audit.subject_registrant(registrant.id),
                                                audit.subject_municipality(code)],
                                reason, {"gemeente": code})
    with TransactWrite(connection=connection()) as transaction:
        audit.save_in(transaction, entries)
        if member:
            transaction.update(registrant, actions=[Registrant.municipalities.add({code})])
            transaction.save(Membership(code, registrant.id))
        else:
            transaction.update(registrant, actions=[Registrant.municipalities.delete({code})])
            transaction.delete(Membership(code, registrant.id))


def deliveries_of(code: str, cycle: int, instrument: str = WMO) -> dict[str, Any]:
    """The deliveries of `code` in `cycle` of one instrument, the one that counts and the
    publications waiting for their chosen moment ({delivery number: moment})."""
    sent = history.history(code, cycle, instrument)
    state = history.states_by_cycle(code, [cycle], instrument).get(cycle)
    return {"deliveries": sent, "counting": history.counting(sent),
            "scheduled": {str(d.delivery_id): d.publish_at
                          for d in history.scheduled(sent, state)}}


def overview(code: str, cycle: int) -> dict[str, Any]:
    """CEO Wmo's deliveries of `code` in `cycle` (deliveries_of), CEO Jeugd's beside them
    (`jeugd`), and who represents the municipality."""
    return {**deliveries_of(code, cycle), "jeugd": deliveries_of(code, cycle, JEUGD),
            "registrants": registrants.of_municipality(code)}


RECONCILE_STARTED = ("De controle van de publicatie is gestart: wat achterloopt, wordt opnieuw "
                     "gepubliceerd. Het resultaat staat binnen een minuut in het logboek; "
                     "vernieuw dan deze pagina.")


def request_reconcile(actor: str, cycle: int, codes: list[str] | None) -> None:
    """Asks the reconciler to compare the feed with what counts and repair it now, for these
    municipalities or (None) the whole cycle. The reconciler runs in its own function (the web
    role may not publish) and records its result in the same audit trails."""
    try:
        reconcile.request(cycle, codes, actor)
    except Exception as error:  # SQS unreachable: nothing was asked
        raise ActionRefused("De controle kon niet worden gestart. Probeer het over een paar "
                            "minuten opnieuw.") from error
    subjects = [reconcile.subject_publication(cycle)]
    subjects += [audit.subject_municipality(code) for code in codes or []]
    audit.record(actor, "publicatie laten controleren", subjects,
                 details={"gemeente": codes[0]} if codes and len(codes) == 1 else
                 {"gemeenten": "alle"} if not codes else {"gemeenten": ", ".join(codes)})
