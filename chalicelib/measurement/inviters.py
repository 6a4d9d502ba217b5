"""Inviters ("uitnodigers"): invited by a representative by e-mail, with a personal link
scoped to one measurement and optionally one team. They see their own counts only."""
from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from pynamodb.transactions import TransactWrite

from ..accounts.contact_fields import clean_email
from ..platform import audit, config, mail
from ..platform.models import Inviter, Measurement, connection
from ..platform.text_input import clean_line
from . import measurements, tokens


def validate(measurement: Measurement, fields: dict[str, str]) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    name, error = clean_line(fields.get("naam", ""), "de naam van de uitnodiger", 100)
    if error:
        errors["naam"] = error
    email, error = clean_email(fields.get("email", ""))
    if error:
        errors["email"] = error.replace("uw e-mailadres", "het e-mailadres")
    team = fields.get("team") or None
    if not measurements.has_team(measurement, team):
        errors["team"] = "Kies een team uit de lijst"
    return {"name": name, "email": email, "team": team}, errors


def invite(measurement: Measurement, given: dict, actor: str) -> Inviter:
    """Stores the inviter (with the hash of their link), adds them to the measurement and
    audits, in one transaction; then queues the mail with the link."""
    secret = tokens.new()
    now = datetime.now(UTC)
    inviter = Inviter(secrets.token_hex(16), municipality=measurement.municipality,
                      measurement_id=measurement.id, team=given["team"], name=given["name"],
                      email=given["email"], link_hash=tokens.digest(secret), sent=0,
                      answered=0, created_at=now)
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(inviter, condition=Inviter.id.does_not_exist())
        transaction.update(measurement, actions=[Measurement.inviter_ids.add({inviter.id})],
                           condition=Measurement.id.exists())
        audit.save_in(transaction, audit.writes(
                actor, "uitnodiger uitgenodigd", [audit.subject_municipality(
                    measurement.municipality)],
                details={"meting": measurement.id, "uitnodiger": inviter.id,
                         "team": given["team"]}, now=now))
    mail.send(inviter.email, subject=f"Uitnodiger voor de meting ‘{measurement.name}’",
              template="inviter_link",
              context={"name": inviter.name, "measurement": measurement.name,
                       "team": measurements.team_name(measurement, inviter.team),
                       "link": f"{config.base_url()}/uitnodiger/link/{inviter.id}.{secret}"})
    return inviter


def from_link(token: str) -> Inviter | None:
    """The inviter whose personal link this is, else None."""
    inviter_id, _, secret = token.partition(".")
    if len(inviter_id) != 32 or not tokens.looks_like(secret):
        return None
    try:
        inviter = Inviter.get(inviter_id, consistent_read=True)
    except Inviter.DoesNotExist:
        return None
    return inviter if hmac.compare_digest(inviter.link_hash, tokens.digest(secret)) else None


def get(inviter_id: str) -> Inviter | None:
    try:
        return Inviter.get(inviter_id)
    except Inviter.DoesNotExist:
        return None


def of_measurement(measurement: Measurement) -> list[Inviter]:
    ids = sorted(measurement.inviter_ids or ())
    return sorted(Inviter.batch_get(ids), key=lambda i: i.name.lower()) if ids else []
