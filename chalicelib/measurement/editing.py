"""Changing a measurement after it was set up, and closing it early. What may change depends on
whether clients have answered: the name, the last day, the channels, new teams (and renaming
one) and the privacy threshold always; the kind, the first day, removing a team and the own
statements only while no response exists (they would change what earlier answers mean); own
periods that have begun stay as they are. Every change is audited in its transaction and checked
against the version the form showed, so two representatives never silently overwrite each other:
a save after a colleague's is refused with what they changed, who and when (as the delivery's
"Gewijzigd sinds" does)."""
from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform import audit
from ..platform.formatting import when_nl
from ..platform.models import Measurement, connection
from ..platform.text_input import clean_line
from ..questionnaire import editors
from . import measurements, threshold

KEPT_EDITS = 20
FIELDS = {"name": "naam", "mode": "soort", "opens": "eerste dag", "closes": "laatste dag",
          "teams": "teams", "channels": "manieren", "extra": "eigen stellingen",
          "periods": "perioden", "threshold": "drempel"}
_ATTRIBUTES = {"name": "name", "mode": "mode", "opens": "opens", "closes": "closes",
               "teams": "teams", "channels": "channels", "extra": "extra_questions",
               "periods": "periods", "threshold": "threshold"}
MAX_THRESHOLD = 1000


class Conflict(Exception):
    """A colleague changed (or closed) the measurement after this form was shown: nothing was
    stored. The message names what changed, by whom and when."""


class Closed(Exception):
    """The measurement was closed early: it no longer changes."""


def form_fields(measurement: Measurement) -> dict[str, str]:
    """The edit form filled with the measurement as it is."""
    fields = {"naam": measurement.name, "soort": measurement.mode,
              "opent": measurement.opens, "sluit": measurement.closes, "teams": "",
              "extra": "\n".join(measurements.own_question_line(x)
                                  for x in measurement.extra_questions),
              "perioden": measurements.periods_text(measurement),
              "drempel": str(threshold.minimum(_setting(measurement))),
              "versie": str(measurement.version)}
    fields.update({f"team-{t['id']}": t["name"] for t in measurement.teams})
    return fields


def _setting(measurement: Measurement) -> int | None:
    return int(measurement.threshold) if measurement.threshold is not None else None


def _threshold(measurement: Measurement, text: str) -> tuple[int | None, str | None]:
    """The minimum number of responses the form asks for (None: as it is), or a Dutch error.
    Never below the default, and in the threshold's steps from it (10, 15, 20, …): then every
    figure already on show (taken at a step) is also at a step of the new minimum, so raising
    it never lets the figures move by fewer than five responses."""
    text = text.strip()
    if not text:
        return None, None
    least, step = threshold.default_minimum(), threshold.STEP
    if not text.isdigit():
        return None, f"Vul de drempel in als een heel getal, zoals {least + step}"
    value = int(text)
    if value < least:
        return None, (f"De drempel is minstens {least} reacties: met minder zouden antwoorden "
                      "herkenbaar kunnen worden")
    if value > MAX_THRESHOLD:
        return None, f"De drempel is hoogstens {MAX_THRESHOLD} reacties"
    if (value - least) % step:
        return None, (f"Kies de drempel in stappen van {step}: {least}, {least + step}, "
                      f"{least + 2 * step} enzovoort")
    return (None if value == threshold.minimum(_setting(measurement)) else value), None


def _teams(measurement: Measurement, fields: dict[str, str], answered: bool,
           busy_teams: set[str]) -> tuple[list[dict], str | None]:
    teams: list[dict] = []
    for team in measurement.teams:
        name, error = clean_line(fields.get(f"team-{team['id']}", ""), "de naam van een team",
                                 60, required=False)
        if error:
            return [], f"{team['name']}: {error}"
        if name:
            teams.append({"id": team["id"], "name": name})
        elif answered or team["id"] in busy_teams:
            return [], (f"‘{team['name']}’ heeft al uitnodigers of antwoorden en kan niet weg; "
                        "u kunt de naam wel wijzigen")
    for n, line in enumerate(fields.get("teams", "").splitlines(), start=1):
        name, error = clean_line(line, "de naam van een team", 60, required=False)
        if error:
            return [], f"Nieuwe teams, regel {n}: {error}"
        if name:
            teams.append({"id": "t" + "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz23456789")
                                              for _ in range(4)), "name": name})
    names = [t["name"].lower() for t in teams]
    double = next((t["name"] for t in teams if names.count(t["name"].lower()) > 1), None)
    if double:
        return [], f"Het team ‘{double}’ staat er twee keer in"
    if len(teams) > measurements.MAX_TEAMS:
        return [], f"Geef hoogstens {measurements.MAX_TEAMS} teams op"
    return teams, None


def validate(measurement: Measurement, fields: dict[str, str], channels: list[str],
             answered: bool, busy_teams: set[str],
             today: date | None = None) -> tuple[dict, dict[str, str]]:
    """The changed settings ({setting: new value}, only what differs) and Dutch errors per
    field. `answered`: a response exists; `busy_teams`: teams an inviter belongs to."""
    today = today or measurements.today()
    settings, errors = measurements.validate({**fields, "teams": ""}, channels)
    settings.pop("questionnaire", None)  # the list clients answer is chosen once, at set-up
    teams, error = _teams(measurement, fields, answered, busy_teams)
    if error:
        errors["teams"] = error
    settings["teams"] = teams
    errors.pop("vragenlijst", None)
    settings["threshold"], error = _threshold(measurement, fields.get("drempel", ""))
    if error:
        errors["drempel"] = error
    if settings["threshold"] is None:
        settings["threshold"] = measurement.threshold
    current = {key: getattr(measurement, attribute) for key, attribute in _ATTRIBUTES.items()}
    current["channels"] = set(current["channels"] or ())
    changed = {key: value for key, value in settings.items() if value != current[key]}
    if answered:
        locked = {"mode": ("soort", "De soort kan niet meer anders: er zijn al antwoorden"),
                  "opens": ("opent", "De eerste dag kan niet meer anders: er zijn al "
                                     "antwoorden"),
                  "extra": ("extra", "De eigen stellingen kunnen niet meer anders: er zijn al "
                                     "antwoorden, en die horen bij deze stellingen")}
        for key, (field, message) in locked.items():
            if key in changed and field not in errors:
                errors[field] = message
    if "closes" in changed and "sluit" not in errors and settings["closes"] and \
            date.fromisoformat(settings["closes"]) < today:
        errors["sluit"] = ("De laatste dag kan niet vóór vandaag liggen. Wilt u nu stoppen? "
                           "Kies dan ‘Meting nu sluiten’")
    if "periods" in changed and "perioden" not in errors:
        begun = [p for p in measurement.periods or () if date.fromisoformat(p["first"]) <= today]
        kept = settings["periods"] or []
        if answered and bool(measurement.periods) != bool(kept):
            errors["perioden"] = ("Er zijn al antwoorden: u kunt niet meer wisselen tussen "
                                  "kwartalen en eigen perioden")
        elif answered and any(p not in kept for p in begun):
            errors["perioden"] = ("Perioden die al begonnen zijn blijven zoals ze zijn: "
                                  + ", ".join(f"‘{p['label']}’" for p in begun))
        elif answered and any(date.fromisoformat(p["first"]) < today
                              for p in kept if p not in begun):
            errors["perioden"] = "Er zijn al antwoorden: een nieuwe periode begint vandaag of later"
    return changed, errors


def _entry(version: int, actor: str, now: datetime, fields: list[str]) -> dict:
    return {"v": version, "by": actor, "at": now.isoformat(), "fields": fields}


def _registrant(actor: str) -> str:
    return actor.partition("#")[2] or actor


def describe(edits: list[dict], actor: str) -> str:
    """What colleagues changed since the form was shown, in Dutch, for the 409."""
    known = editors.names(sorted({_registrant(e["by"]) for e in edits}))
    parts = []
    for edit in edits:
        who = "uzelf (in een ander tabblad)" if edit["by"] == actor \
            else known[_registrant(edit["by"])]
        what = " en ".join(edit["fields"]) if edit["fields"] else "de meting"
        parts.append(f"{what} door {who} ({when_nl(datetime.fromisoformat(edit['at']))})")
    return (f"Gewijzigd sinds u deze pagina opende: {'; '.join(parts)}. Er is niets opgeslagen; "
            "hieronder staat de meting zoals hij nu is.")


def _since(measurement: Measurement, seen: int) -> list[dict]:
    return [e for e in measurement.edits or () if e["v"] > seen]


def _write(measurement: Measurement, seen: int, actor: str, action: str, fields: list[str],
           apply: dict, details: dict) -> Measurement:
    """Applies `apply` ({attribute: value}) to the newest stored measurement unless a colleague
    changed its settings after version `seen`; the audit entry in the same transaction, the
    version condition on the write (other writers — an inviter or upload added — raise the
    version too: then this is read again and written on top, as they changed no setting)."""
    for _ in range(3):
        fresh = measurements.get(measurement.municipality, measurement.id)
        if fresh.closed_at is not None:
            raise Closed()
        later = _since(fresh, seen)
        if later:
            raise Conflict(describe(later, actor))
        now = datetime.now(UTC)
        for attribute, value in apply.items():
            setattr(fresh, attribute, value)
        fresh.edits = [*(fresh.edits or [])[-(KEPT_EDITS - 1):],
                       _entry(fresh.version + 1, actor, now, fields)]
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(fresh)  # conditioned on the version read just now
                audit.save_in(transaction, audit.writes(
                    actor, action, [audit.subject_municipality(fresh.municipality)],
                    details={"meting": fresh.id, **details}, now=now))
        except TransactWriteError as error:
            reasons = [getattr(r, "code", None) if r else None
                       for r in (error.cancellation_reasons or [])]
            if "ConditionalCheckFailed" not in reasons:
                raise
            continue
        fresh.version += 1
        return fresh
    raise Conflict("De meting werd net tegelijk gewijzigd. Er is niets opgeslagen; probeer het "
                   "opnieuw.")


def save(measurement: Measurement, seen: int, changed: dict, actor: str) -> Measurement:
    """Stores the changed settings (see `validate`) on version `seen`; Conflict or Closed."""
    labels = [FIELDS[key] for key in FIELDS if key in changed]
    apply = {_ATTRIBUTES[key]: value for key, value in changed.items()}
    details = {"velden": labels, **({"naam": changed["name"]} if "name" in changed else {}),
               **({"drempel": changed["threshold"]} if "threshold" in changed else {})}
    return _write(measurement, seen, actor, "meting gewijzigd", labels, apply, details)


def close(measurement: Measurement, seen: int, actor: str,
          today: date | None = None) -> Measurement:
    """Closes the measurement now: no more answers, invitations or letters, also not with
    links already sent. Its last day becomes today (a measurement that had not opened keeps
    its first day as its last)."""
    today = today or measurements.today()
    opens, closes = date.fromisoformat(measurement.opens), date.fromisoformat(measurement.closes)
    last = min(closes, max(today, opens)).isoformat()
    return _write(measurement, seen, actor, "meting gesloten", ["gesloten"],
                  {"closed_at": datetime.now(UTC), "closed_by": actor, "closes": last},
                  {"laatste dag": last})
