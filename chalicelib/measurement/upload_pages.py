"""Uploading a contact list, by the municipality (any team, named per line) or an inviter (their
own team): first a preview with counts and the first errors per line, then the same file again
to queue it (the file is never stored, so the confirmation carries only a seal of it)."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..web.forms import posted_upload
from . import access, client_reminders, contacts, measurements
from .manage_pages import ACTOR

ERROR_FILE = "Kies een CSV-bestand met één telefoonnummer of e-mailadres per regel"


def _page(request: Request, action: str, back: str, measurement, checked=None,
          seal: str = "", team: str | None = None, errors: dict[str, str] | None = None,
          status: int = 200, done=None, personal_code: str | None = None) -> Response:
    return web.page(request, "measurement/upload.html", status=status,
                    title="Contactlijst uploaden", action=action, back=back,
                    measurement=measurement, checked=checked, seal=seal, team=team,
                    errors=errors or {}, done=done, personal_code=personal_code,
                    max_lines=contacts.MAX_LINES,
                    team_name=measurements.team_name(measurement, team),
                    reminder_days=client_reminders.days_after())


def _handle(request: Request, action: str, back: str, measurement, fixed_team: str | None,
            actor: str, inviter_id: str | None, personal_code: str | None) -> Response:
    upload = posted_upload(request, "bestand", contacts.MAX_BYTES + 64 * 1024)
    team = fixed_team if inviter_id else (upload.form.first("team") or None)
    if not measurements.has_team(measurement, team):
        raise web.HttpError(400, "Kies een team uit de lijst.")
    if not measurements.is_open(measurement):
        raise web.HttpError(409, "De meting is gesloten: er kunnen geen uitnodigingen meer bij.")
    if not upload.data.strip():
        return _page(request, action, back, measurement, team=team,
                     errors={"bestand": ERROR_FILE}, status=400, personal_code=personal_code)
    checked = contacts.check(upload.data, measurement, team)
    seal = contacts.seal(upload.data, team)
    if checked.too_many:
        return _page(request, action, back, measurement, team=team, status=400,
                     errors={"bestand": f"Het bestand heeft meer dan {contacts.MAX_LINES:,} "
                                        "regels. Splits het in kleinere bestanden."
                             .replace(",", ".")}, personal_code=personal_code)
    if upload.form.first("stap") != "versturen":
        return _page(request, action, back, measurement, checked, seal, team,
                     personal_code=personal_code)
    if upload.form.first("zegel") != seal:
        return _page(request, action, back, measurement, checked, seal, team, status=409,
                     errors={"bestand": "Dit is niet het bestand dat u controleerde. Bekijk de "
                                        "controle hieronder en kies het bestand opnieuw."},
                     personal_code=personal_code)
    if checked.valid == 0:
        return _page(request, action, back, measurement, checked, seal, team, status=400,
                     errors={"bestand": "Er staat geen enkel goed nummer of adres in het "
                                        "bestand"}, personal_code=personal_code)
    done = contacts.queue(upload.data, measurement, team, actor, inviter_id,
                          remind=upload.form.first("herinnering") == "ja")
    return _page(request, action, back, measurement, done=done, team=team,
                 personal_code=personal_code)


def municipality_upload(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    path = f"/gemeente/{code}/metingen/{measurement.id}"
    return _handle(request, f"{path}/contacten", path, measurement, None,
                   ACTOR.format(registrant.id), None, registrant.personal_code)


def municipality_form(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    path = f"/gemeente/{code}/metingen/{measurement.id}"
    return _page(request, f"{path}/contacten", path, measurement,
                 personal_code=registrant.personal_code)


def inviter_upload(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    return _handle(request, "/uitnodiger/contacten", "/uitnodiger", measurement, inviter.team,
                   f"uitnodiger#{inviter.id}", inviter.id, None)


def inviter_form(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    return _page(request, "/uitnodiger/contacten", "/uitnodiger", measurement,
                 team=inviter.team)
