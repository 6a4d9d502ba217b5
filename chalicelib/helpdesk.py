"""What the helpdesk does, as plain functions (pages and the CLI both call these): look-ups
through indexes (never scans), withdraw/restore with notices, link management."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from . import audit, config, deliveries, mail, registration, withdrawals
from .logs import logger
from .models import Delivery, Draft, Membership, Registrant
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


def registrants_of(code: str) -> list[Registrant]:
    ids = [m.registrant_id for m in Membership.query(code)]
    return sorted(Registrant.batch_get(ids), key=lambda r: r.name.casefold()) if ids else []


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


def overview(code: str, cycle: int) -> dict[str, Any]:
    history = deliveries.history(code, cycle)
    return {"deliveries": history, "counting": deliveries.counting(history),
            "registrants": registrants_of(code)}
