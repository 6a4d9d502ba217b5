"""What the helpdesk does, as plain functions (pages and the CLI both call these): look-ups
through indexes (never scans), withdraw/restore with notices, link management."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import audit, config, deliveries, mail, registration, withdrawals
from .logs import logger
from pynamodb.transactions import TransactWrite

from .models import (AuditEntry, Delivery, Draft, HeldRequest, Membership, Registrant,
                     connection)
from .municipalities import Municipality, municipalities


@dataclass
class Found:
    registrants: list[Registrant] = field(default_factory=list)
    municipalities: list[Municipality] = field(default_factory=list)


def lookup(query: str) -> Found:
    """A personal code, an e-mail address (exact, any case), a CBS code or part of a name."""
    text = " ".join(query.split())[:200]
    if not text:
        return Found()
    registrant = registration.find_by_personal_code(text)
    if registrant is not None:
        return Found(registrants=[registrant])
    if "@" in text:
        found = registration.find_by_email(text.lower())
        return Found(registrants=[found] if found else [])
    known = municipalities(config.municipality_year())
    code = text.upper()
    if re.fullmatch(r"GM\d{4}", code):
        return Found(municipalities=[known[code]] if code in known else [])
    folded = text.casefold()
    return Found(municipalities=[m for m in known.values() if folded in m.name.casefold()][:20])


def registrants(ids: list[str]) -> list[Registrant]:
    """Registrants by id, sorted by name (one BatchGetItem per 100)."""
    unique = sorted(set(ids))
    found = Registrant.batch_get(unique) if unique else []
    return sorted(found, key=lambda r: r.name.casefold())


def registrants_of(code: str) -> list[Registrant]:
    return registrants([m.registrant_id for m in Membership.query(code)])


def drafts_of(registrant: Registrant) -> list[Draft]:
    return list(Draft.query(registrant.id))


def _notify(code: str, delivery: Delivery, template: str, subject: str, reason: str) -> None:
    for registrant in registrants_of(code):
        try:
            mail.send(registrant.email, subject=subject, template=template,
                      context={"name": registrant.name, "personal_code": registrant.personal_code,
                               "delivery": delivery, "reason": reason})
        except mail.MailNotSent:
            logger.error("status notice not sent", extra={"delivery_id": delivery.delivery_id})


def withdraw(actor: str, code: str, cycle: int, delivery_id: str, reason: str) -> Delivery:
    delivery = withdrawals.withdraw_latest(code, cycle, delivery_id, actor, reason)
    previous = deliveries.counting(deliveries.history(code, cycle))
    _notify(code, delivery, "withdrawn", f"Aanlevering {delivery_id} is ingetrokken",
            reason if previous is None else f"{reason} (nu telt {previous.delivery_id})")
    return delivery


def restore(actor: str, code: str, cycle: int, delivery_id: str, reason: str) -> Delivery:
    delivery = withdrawals.restore(code, cycle, delivery_id, actor, reason)
    _notify(code, delivery, "restored", f"Aanlevering {delivery_id} is hersteld", reason)
    return delivery


def resend_link(actor: str, registrant: Registrant) -> None:
    audit.record(actor, "link opnieuw verstuurd", [audit.subject_registrant(registrant.id)])
    registration.request_new_link(registrant.email)


def revoke_link(actor: str, registrant: Registrant, reason: str) -> None:
    if not reason.strip():
        raise withdrawals.Refused("Geef een reden op.")
    audit.record(actor, "link ingetrokken", [audit.subject_registrant(registrant.id)],
                 reason.strip())
    registration.revoke_link(registrant)


def held_requests() -> list[HeldRequest]:
    return list(HeldRequest.query("open"))


def approve(actor: str, registrant: Registrant, code: str) -> None:
    audit.record(actor, "aanmelding goedgekeurd", [audit.subject_registrant(registrant.id),
                                                   audit.subject_municipality(code)])
    registration.approve(registrant, [code])


def reject(actor: str, registrant: Registrant, code: str, reason: str) -> None:
    audit.record(actor, "aanmelding afgewezen", [audit.subject_registrant(registrant.id),
                                                 audit.subject_municipality(code)], reason)
    registration.reject(registrant, [code])


def set_membership(actor: str, registrant: Registrant, code: str, member: bool,
                   reason: str) -> None:
    """Adds or removes a municipality; the registrant, its membership and the audit entries
    change in one transaction. Drafts and deliveries stay as they are."""
    if not reason.strip():
        raise withdrawals.Refused("Geef een reden op.")
    if member == (code in registrant.municipalities):
        raise withdrawals.Refused("Dat is al zo.")
    action = "gemeente toegevoegd" if member else "gemeente verwijderd"
    entries = audit.entries_for(actor, action, [audit.subject_registrant(registrant.id),
                                                audit.subject_municipality(code)],
                                reason.strip(), {"gemeente": code})
    with TransactWrite(connection=connection()) as transaction:
        for entry in entries:
            transaction.save(entry, condition=AuditEntry.subject.does_not_exist())
        if member:
            transaction.update(registrant, actions=[Registrant.municipalities.add({code})])
            transaction.save(Membership(code, registrant.id))
        else:
            transaction.update(registrant, actions=[Registrant.municipalities.delete({code})])
            transaction.delete(Membership(code, registrant.id))


def overview(code: str, cycle: int) -> dict[str, Any]:
    history = deliveries.history(code, cycle)
    return {"deliveries": history, "counting": deliveries.counting(history),
            "registrants": registrants_of(code)}
