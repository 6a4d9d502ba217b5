"""The audit trail, written: append-only, one entry per subject an action concerns. Every
domain writes through here, inside the transaction of the change it records where there is
one (`writes`), on its own otherwise (`record`); the helpdesk reads it (helpdesk/audit_trail.py)."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.models import Model

from .models import AuditEntry

SUBJECT_RETENTION = "bewaartermijn"  # the runs of the retention rules (helpdesk start page)


def subject_municipality(code: str) -> str:
    return f"gemeente#{code}"


def subject_registrant(registrant_id: str) -> str:
    return f"registrant#{registrant_id}"


def subject_helpdesk(user: str) -> str:
    return f"helpdesk#{user}"


def _entries(actor: str, action: str, subjects: Iterable[str], reason: str | None,
             details: dict[str, Any] | None, now: datetime | None) -> list[AuditEntry]:
    stamp = f"{(now or datetime.now(UTC)).isoformat()}#{secrets.token_hex(4)}"
    return [AuditEntry(subject, stamp, actor=actor, action=action, reason=reason,
                       details=details or {}) for subject in subjects]


def writes(actor: str, action: str, subjects: Iterable[str], reason: str | None = None,
           details: dict[str, Any] | None = None,
           now: datetime | None = None) -> list[tuple[Model, Any]]:
    """The entries with the condition that keeps the trail append-only: items for the
    transaction of the change they record (`transaction.save(item, condition=condition)`)."""
    return [(entry, AuditEntry.subject.does_not_exist())
            for entry in _entries(actor, action, subjects, reason, details, now)]


def save_in(transaction: Any, items: Iterable[tuple[Model, Any]]) -> None:
    """The one way audit entries enter a transaction: the items of `writes` (made here or
    handed to a domain function as `extra`), saved with the change they record."""
    for entry, condition in items:
        transaction.save(entry, condition=condition)


def record(actor: str, action: str, subjects: Iterable[str], reason: str | None = None,
           details: dict[str, Any] | None = None) -> None:
    """For what has no transaction of its own (a sign-in, a reconcile run, an export)."""
    for entry, condition in writes(actor, action, subjects, reason, details):
        entry.save(condition=condition)  # never overwrites
