"""Setting up a measurement: its name, the questionnaire version, one-off or continuous (with
quarters as periods), teams, channels and opening and closing dates; every change audited in
the same transaction. Only representatives of the municipality reach this (the pages check)."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from ..platform import audit
from ..platform.formatting import amsterdam
from ..platform.models import Measurement, connection
from ..platform.municipalities import is_code
from ..platform.records import Record
from ..platform.text_input import clean_line
from . import definitions

CHANNELS = {
    "sms": "Sms met een persoonlijke link",
    "email": "E-mail met een persoonlijke link",
    "link": "Persoonlijke link om te kopiëren (bijvoorbeeld in WhatsApp)",
    "generiek": "Algemene link en QR-code (poster en flyer)",
    "brief": "Brieven met een eigen QR-code",
    "tablet": "Tablet op locatie",
    "papier": "Papieren vragenlijst (een uitnodiger typt hem over)",
}
MODES = {"eenmalig": "Eenmalig", "continu": "Continu, per kwartaal"}
MAX_TEAMS = 30
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: readable on a poster


class NotFound(Exception):
    """No such measurement for this municipality."""


class Period(Record, frozen=True):
    id: str
    label: str
    first: date
    last: date


def today() -> date:
    return datetime.now(amsterdam()).date()


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def _parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def validate(fields: dict[str, str], channels: list[str]) -> tuple[dict, dict[str, str]]:
    """The cleaned settings and Dutch errors per field (empty when all is well)."""
    errors: dict[str, str] = {}
    name, error = clean_line(fields.get("naam", ""), "een naam voor de meting", 80)
    if error:
        errors["naam"] = error
    mode = fields.get("soort", "")
    if mode not in MODES:
        errors["soort"] = "Kies of de meting eenmalig of continu is"
    opens, closes = _parse_date(fields.get("opent", "")), _parse_date(fields.get("sluit", ""))
    if opens is None:
        errors["opent"] = "Vul de eerste dag in als dag-maand-jaar, zoals 1-3-2027"
    if closes is None:
        errors["sluit"] = "Vul de laatste dag in als dag-maand-jaar, zoals 31-12-2027"
    elif opens is not None and closes < opens:
        errors["sluit"] = "De laatste dag moet op of na de eerste dag liggen"
    elif opens is not None and (closes - opens).days > 3 * 366:
        errors["sluit"] = "Een meting duurt hoogstens drie jaar"
    teams: list[dict] = []
    for n, line in enumerate(fields.get("teams", "").splitlines()):
        team, error = clean_line(line, "de naam van een team", 60, required=False)
        if error:
            errors["teams"] = f"Regel {n + 1}: {error}"
        elif team and team.lower() not in {t["name"].lower() for t in teams}:
            teams.append({"id": f"t{len(teams) + 1}", "name": team})
    if len(teams) > MAX_TEAMS:
        errors["teams"] = f"Geef hoogstens {MAX_TEAMS} teams op"
    chosen = sorted(set(channels))
    if not chosen:
        errors["kanalen"] = "Kies minstens één manier om uit te nodigen"
    elif any(c not in CHANNELS for c in chosen):
        errors["kanalen"] = "Kies alleen manieren uit de lijst"
    extra: list[dict] = []
    for n, line in enumerate(fields.get("extra", "").splitlines()):
        text, error = clean_line(line, "een eigen stelling", 200, required=False)
        if error:
            errors["extra"] = f"Regel {n + 1}: {error}"
        elif text:
            extra.append({"id": f"x{len(extra) + 1}", "text": text})
    if len(extra) > definitions.MAX_EXTRA:
        errors["extra"] = f"Voeg hoogstens {definitions.MAX_EXTRA} eigen stellingen toe"
    questionnaire = fields.get("vragenlijst", "") or "wmo"
    if questionnaire not in definitions.CHOICES:
        errors["vragenlijst"] = "Kies een vragenlijst uit de lijst"
    settings = {"questionnaire": questionnaire, "name": name, "mode": mode,
                "opens": opens.isoformat() if opens else "",
                "closes": closes.isoformat() if closes else "", "teams": teams,
                "channels": set(chosen), "extra": extra}
    return settings, errors


def create(municipality: str, settings: dict, actor: str) -> Measurement:
    """Stores a new measurement with its audit entry in one transaction."""
    instrument, version, _ = definitions.CHOICES.get(settings.get("questionnaire", "wmo"),
                                                     definitions.CHOICES["wmo"])
    now = datetime.now(UTC)
    measurement = Measurement(municipality, new_id(), name=settings["name"],
                              instrument=instrument, questionnaire_version=version,
                              mode=settings["mode"], opens=settings["opens"],
                              closes=settings["closes"], teams=settings["teams"],
                              channels=settings["channels"], extra_questions=settings["extra"],
                              created_by=actor, created_at=now)
    conn: Connection = connection()
    with TransactWrite(connection=conn) as transaction:
        transaction.save(measurement, condition=Measurement.id.does_not_exist())
        audit.save_in(transaction, audit.writes(
            actor, "meting aangemaakt", [audit.subject_municipality(municipality)],
            details={"meting": measurement.id, "naam": settings["name"]}, now=now))
    measurement.version = 1
    return measurement


def get(municipality: str, measurement_id: str) -> Measurement:
    if not is_code(municipality) or not measurement_id.isascii() or \
            not measurement_id.isalnum() or len(measurement_id) > 16:
        raise NotFound()
    try:
        return Measurement.get(municipality, measurement_id, consistent_read=True)
    except Measurement.DoesNotExist:
        raise NotFound() from None


def of_municipality(municipality: str) -> list[Measurement]:
    return sorted(Measurement.query(municipality), key=lambda m: m.created_at, reverse=True)


def team_name(measurement: Measurement, team: str | None) -> str | None:
    return next((t["name"] for t in measurement.teams if t["id"] == team), None)


def has_team(measurement: Measurement, team: str | None) -> bool:
    return team is None or any(t["id"] == team for t in measurement.teams)


def questionnaire(measurement: Measurement) -> definitions.ClientQuestionnaire:
    return definitions.definition(measurement.instrument, measurement.questionnaire_version) \
        .with_extra(measurement.extra_questions)


def is_open(measurement: Measurement, day: date | None = None) -> bool:
    day = day or today()
    return date.fromisoformat(measurement.opens) <= day <= date.fromisoformat(measurement.closes)


def period_of(measurement: Measurement, day: date | None = None) -> Period:
    """The period `day` falls in: the whole measurement when one-off, else its quarter (cut
    to the measurement's dates)."""
    day = day or today()
    opens, closes = date.fromisoformat(measurement.opens), date.fromisoformat(measurement.closes)
    if measurement.mode != "continu":
        return Period("meting", "de hele meting", opens, closes)
    quarter = (day.month - 1) // 3
    first = date(day.year, 3 * quarter + 1, 1)
    next_first = date(day.year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
    return Period(f"{day.year}-K{quarter + 1}", f"kwartaal {quarter + 1} van {day.year}",
                  max(first, opens), min(next_first - timedelta(days=1), closes))


def scope_key(measurement: Measurement) -> str:
    return f"{measurement.municipality}#{measurement.id}"
