"""The audit trail as the helpdesk reads it: newest first, local time, Dutch words for the
details, and as CSV. Written only through platform/audit.py."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from ..platform import config
from ..platform.formatting import amsterdam
from ..platform.models import AuditEntry
from ..platform.municipalities import name_of
from ..platform.records import Record


class Line(Record, frozen=True):
    """One entry as the helpdesk reads it: local time, Dutch words for the details."""

    at: datetime
    actor: str
    action: str
    reason: str
    details: str


def _details_text(details: dict[str, Any]) -> str:
    parts = []
    if "aanlevering" in details:
        parts.append(f"aanlevering {details['aanlevering']}")
    if "gemeente" in details:
        code = str(details["gemeente"])
        parts.append(f"gemeente {name_of(code, config.municipality_year())} ({code})")
    if "revisie_voor" in details and "revisie_na" in details:
        parts.append(f"publicatieversie {details['revisie_voor']} → {details['revisie_na']}")
    known = {"aanlevering", "gemeente", "revisie_voor", "revisie_na"}
    parts += [f"{key.replace('_', ' ')}: {value}" for key, value in sorted(details.items())
              if key not in known]
    return "; ".join(parts)


def trail(subject: str) -> list[Line]:
    """Newest first."""
    return [Line(at=datetime.fromisoformat(entry.entry.split("#")[0]), actor=entry.actor,
                 action=entry.action, reason=entry.reason or "",
                 details=_details_text(entry.details or {}))
            for entry in AuditEntry.query(subject, scan_index_forward=False)]


def as_csv(lines: list[Line]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tijdstip (Nederlandse tijd)", "medewerker", "actie", "reden", "details"])
    for line in lines:
        writer.writerow([line.at.astimezone(amsterdam()).strftime("%Y-%m-%d %H:%M:%S"),
                         _safe(line.actor), _safe(line.action), _safe(line.reason),
                         _safe(line.details)])
    return out.getvalue()


def _safe(cell: str) -> str:
    """No spreadsheet formulas from typed text (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
