"""The helpdesk's audit trail: append-only, one entry per subject an action concerns."""
from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pynamodb.models import Model

from ..platform.models import AuditEntry


def subject_municipality(code: str) -> str:
    return f"gemeente#{code}"


def subject_registrant(registrant_id: str) -> str:
    return f"registrant#{registrant_id}"


def entries_for(actor: str, action: str, subjects: Iterable[str], reason: str | None = None,
                details: dict[str, Any] | None = None,
                now: datetime | None = None) -> list[AuditEntry]:
    """The entries to write (inside the caller's transaction where there is one)."""
    stamp = f"{(now or datetime.now(UTC)).isoformat()}#{secrets.token_hex(4)}"
    return [AuditEntry(subject, stamp, actor=actor, action=action, reason=reason,
                       details=details or {}) for subject in subjects]


def writes(entries: list[AuditEntry]) -> list[tuple[Model, Any]]:
    """Entries with the condition that makes the trail append-only, for a transaction."""
    return [(entry, AuditEntry.subject.does_not_exist()) for entry in entries]


def record(actor: str, action: str, subjects: Iterable[str], reason: str | None = None,
           details: dict[str, Any] | None = None) -> None:
    for entry in entries_for(actor, action, subjects, reason, details):
        entry.save(condition=AuditEntry.subject.does_not_exist())  # never overwrites


def trail(subject: str) -> list[AuditEntry]:
    return list(AuditEntry.query(subject, scan_index_forward=False))


def as_csv(entries: list[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tijdstip", "medewerker", "actie", "reden", "details"])
    for entry in entries:
        writer.writerow([entry.entry.split("#")[0], entry.actor, entry.action,
                         _safe(entry.reason or ""),
                         _safe("; ".join(f"{k}={v}" for k, v in sorted(entry.details.items())))])
    return out.getvalue()


def _safe(cell: str) -> str:
    """No spreadsheet formulas from typed text (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
