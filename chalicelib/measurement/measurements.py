"""Setting up a measurement: its name, the questionnaire version, one-off or continuous (with
quarters or its own named periods), teams, channels and opening and closing dates; every
change audited in the same transaction. Only representatives of the municipality reach this
(the pages check)."""
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
MODES = {"eenmalig": "Eenmalig", "continu": "Continu, per kwartaal of in eigen perioden"}
MAX_TEAMS = 30
MAX_PERIODS = 24
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


OPEN_PREFIX = "Open:"  # a line of own statements that starts so asks for a written answer


def own_question(number: int, line: str) -> dict:
    """An own statement from its line; "Open: Wat kan beter?" is an open question, answered
    in writing (at most definitions.MAX_OPEN_TEXT characters)."""
    if line.casefold().startswith(OPEN_PREFIX.casefold()) and line[len(OPEN_PREFIX):].strip():
        return {"id": f"x{number}", "text": line[len(OPEN_PREFIX):].strip(),
                "kind": definitions.FREE_TEXT}
    return {"id": f"x{number}", "text": line}


def own_question_line(question: dict) -> str:
    """The line own_question reads back (the edit form)."""
    if question.get("kind") == definitions.FREE_TEXT:
        return f"{OPEN_PREFIX} {question['text']}"
    return str(question["text"])


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
            extra.append(own_question(len(extra) + 1, text))
    if len(extra) > definitions.MAX_EXTRA:
        errors["extra"] = f"Voeg hoogstens {definitions.MAX_EXTRA} eigen stellingen toe"
    questionnaire = fields.get("vragenlijst", "") or "wmo"
    if questionnaire not in definitions.CHOICES:
        errors["vragenlijst"] = "Kies een vragenlijst uit de lijst"
    periods: list[dict] = []
    if fields.get("perioden", "").strip():
        if mode != "continu":
            errors["perioden"] = "Eigen perioden horen bij een continue meting"
        elif opens is not None and closes is not None and "sluit" not in errors:
            periods, error = validate_periods(fields["perioden"], opens, closes)
            if error:
                errors["perioden"] = error
    settings = {"questionnaire": questionnaire, "name": name, "mode": mode,
                "opens": opens.isoformat() if opens else "",
                "closes": closes.isoformat() if closes else "", "teams": teams,
                "channels": set(chosen), "extra": extra, "periods": periods or None}
    return settings, errors


def _period_line(n: int, line: str) -> tuple[dict | None, str | None]:
    parts = [part.strip() for part in line.split(";")]
    if len(parts) != 3:
        return None, (f"Regel {n}: schrijf naam; eerste dag; laatste dag, zoals "
                      "Voorjaar 2027; 1-3-2027; 30-6-2027")
    label, error = clean_line(parts[0], "een naam voor de periode", 40)
    if error:
        return None, f"Regel {n}: {error}"
    first, last = _parse_date(parts[1]), _parse_date(parts[2])
    if first is None or last is None:
        return None, f"Regel {n}: vul de dagen in als dag-maand-jaar, zoals 1-3-2027"
    if last < first:
        return None, f"Regel {n}: de laatste dag van ‘{label}’ ligt vóór de eerste dag"
    return {"id": f"p{first.isoformat()}", "label": label, "first": first, "last": last}, None


def validate_periods(text: str, opens: date, closes: date) -> tuple[list[dict], str | None]:
    """A continuous measurement's own periods, one a line ("naam; eerste dag; laatste dag"):
    in order, inside the measurement's dates, none overlapping, names unique. Gaps are
    allowed (no answers are taken between two periods). The periods as stored, or a Dutch
    error naming the line."""
    found: list[tuple[int, dict]] = []
    problems: list[str] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        period, error = _period_line(n, line)
        if error or period is None:
            problems.append(error or "")
            continue
        if period["first"] < opens:
            problems.append(f"Regel {n}: ‘{period['label']}’ begint vóór de eerste dag van de "
                            f"meting ({opens.day}-{opens.month}-{opens.year})")
        elif period["last"] > closes:
            problems.append(f"Regel {n}: ‘{period['label']}’ eindigt na de laatste dag van de "
                            f"meting ({closes.day}-{closes.month}-{closes.year})")
        for m, other in found:
            if other["label"].lower() == period["label"].lower():
                problems.append(f"Regel {n}: de naam ‘{period['label']}’ staat al op regel {m}")
            elif period["first"] <= other["last"] and other["first"] <= period["last"]:
                problems.append(f"Regel {n}: ‘{period['label']}’ overlapt met "
                                f"‘{other['label']}’ (regel {m})")
        found.append((n, period))
    if not problems and len(found) > MAX_PERIODS:
        problems.append(f"Geef hoogstens {MAX_PERIODS} perioden op")
    if problems:
        return [], " ".join(problems[:3])
    return [{**p, "first": p["first"].isoformat(), "last": p["last"].isoformat()}
            for _, p in sorted(found, key=lambda item: item[1]["first"])], None


def periods_text(measurement: Measurement) -> str:
    """The custom periods as the form shows them, one a line."""
    def nl(text: str) -> str:
        day = date.fromisoformat(text)
        return f"{day.day}-{day.month}-{day.year}"
    return "\n".join(f"{p['label']}; {nl(p['first'])}; {nl(p['last'])}"
                     for p in measurement.periods or [])


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
                              periods=settings.get("periods"), created_by=actor, created_at=now)
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
    """Whether clients may answer on `day`: between the dates, not closed early, and (with
    custom periods) inside one of them — a day between two periods takes no answers."""
    day = day or today()
    if measurement.closed_at is not None:
        return False
    if not date.fromisoformat(measurement.opens) <= day <= date.fromisoformat(measurement.closes):
        return False
    return not measurement.periods or any(p.first <= day <= p.last
                                          for p in periods_of(measurement))


def _quarter(day: date, opens: date, closes: date) -> Period:
    quarter = (day.month - 1) // 3
    first = date(day.year, 3 * quarter + 1, 1)
    next_first = date(day.year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
    return Period(f"{day.year}-K{quarter + 1}", f"kwartaal {quarter + 1} van {day.year}",
                  max(first, opens), min(next_first - timedelta(days=1), closes))


def periods_of(measurement: Measurement) -> list[Period]:
    """Every period of the measurement in order: the whole measurement when one-off, the
    municipality's own periods when it named them, else the quarters; all cut to the
    measurement's dates (which closing early may have moved)."""
    opens, closes = date.fromisoformat(measurement.opens), date.fromisoformat(measurement.closes)
    if measurement.mode != "continu":
        return [Period("meting", "de hele meting", opens, closes)]
    if measurement.periods:
        found = [Period(p["id"], p["label"], max(date.fromisoformat(p["first"]), opens),
                        min(date.fromisoformat(p["last"]), closes))
                 for p in measurement.periods]
        return sorted((p for p in found if p.first <= p.last), key=lambda p: p.first) or \
            [Period(measurement.periods[0]["id"], measurement.periods[0]["label"], opens, opens)]
    found, day = [], opens
    while day <= closes:
        found.append(_quarter(day, opens, closes))
        day = found[-1].last + timedelta(days=1)
    return found


def period_of(measurement: Measurement, day: date | None = None) -> Period:
    """The period `day` falls in: the whole measurement when one-off, else its own period or
    quarter (cut to the measurement's dates). Between two custom periods: the next one (before
    the first, the first; after the last, the last)."""
    day = day or today()
    opens, closes = date.fromisoformat(measurement.opens), date.fromisoformat(measurement.closes)
    if measurement.mode != "continu":
        return Period("meting", "de hele meting", opens, closes)
    if not measurement.periods:
        return _quarter(day, opens, closes)
    all_periods = periods_of(measurement)
    return next((p for p in all_periods if day <= p.last), all_periods[-1])


def scope_key(measurement: Measurement) -> str:
    return f"{measurement.municipality}#{measurement.id}"
