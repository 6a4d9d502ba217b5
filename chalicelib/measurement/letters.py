"""Letters: a batch of N single-use invitations, each with its own token (in the QR code) and
short code to type, printed without names or addresses. Only hashes are stored."""
from __future__ import annotations

import secrets

from ..platform.models import Invitation, Measurement, ShortCode
from . import invitations, measurements, tokens

MAX_LETTERS = 500
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no O/0, I/1/L: readable, hard to mistype
CODE_LENGTH = 10  # 31^10 ~ 2^49.5, and typing one is rate limited per network address


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def normalise(typed: str) -> str | None:
    code = "".join(c for c in typed.upper() if c not in " -.")
    return code if len(code) == CODE_LENGTH and all(c in ALPHABET for c in code) else None


def code_key(code: str) -> str:
    return f"c#{tokens.digest(code)}"


def create(measurement: Measurement, count: int, team: str | None) -> list[tuple[str, str]]:
    """Stores `count` letter invitations with their short codes; (token, short code) each."""
    made: list[tuple[str, str]] = []
    with Invitation.batch_write() as batch:
        for _ in range(count):
            token, invitation = invitations.new_invitation(measurement, "brief", team, None)
            code = new_code()
            batch.save(invitation)
            batch.save(ShortCode(code_key(code), invitation_key=invitation.key,
                                 expires_at=invitation.expires_at))
            made.append((token, code))
    # counted as approached by post, for the step into the delivery: an ADD that leaves the
    # measurement's version alone (a colleague's change of its settings is no conflict)
    Measurement._get_connection().update_item(
        measurement.municipality, measurement.id,
        actions=[Measurement.letters_made.add(count)])
    return made


def find(typed: str) -> Invitation | None:
    code = normalise(typed)
    if code is None:
        return None
    try:
        pointer = ShortCode.get(code_key(code), consistent_read=True)
        return Invitation.get(pointer.invitation_key, consistent_read=True)
    except (ShortCode.DoesNotExist, Invitation.DoesNotExist):
        return None


def period_label(measurement: Measurement) -> str:
    return measurements.period_of(measurement).last.isoformat()
