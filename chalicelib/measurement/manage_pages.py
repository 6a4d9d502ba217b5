"""The municipality's pages: its measurements, setting one up, a measurement's overview
(links, inviters with their counts, responses), inviting an inviter, posters and letters."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..accounts import access as accounts_access
from ..platform import audit, config
from ..platform.formatting import iso_date_nl
from ..platform.models import Measurement, Registrant
from ..platform.municipalities import municipalities
from . import (
    access,
    contacts,
    data_file,
    definitions,
    editing,
    invitations,
    inviters,
    measurements,
    pdfs,
    responses,
    threshold,
)
from . import letters as letters_domain

ACTOR = "registrant#{}"


def _name(code: str) -> str:
    known = municipalities(config.municipality_year())
    return known[code].name if code in known else code


def _list_page(request: Request, registrant: Registrant, code: str, fields: dict,
               channels: list[str], errors: dict[str, str], status: int = 200) -> Response:
    return web.page(request, "measurement/list.html", status=status,
                    title=f"Metingen van {_name(code)}", personal_code=registrant.personal_code,
                    code=code, municipality_name=_name(code),
                    measurements=measurements.of_municipality(code), fields=fields,
                    chosen_channels=channels, errors=errors, modes=measurements.MODES,
                    channels=measurements.CHANNELS, date_nl=iso_date_nl,
                    questionnaires={key: label for key, (_, _, label)
                                    in definitions.CHOICES.items()})


def list_page(request: Request, code: str) -> Response:
    registrant = accounts_access.representative(request, code)
    return _list_page(request, registrant, code, {"soort": "eenmalig"},
                      ["sms", "email", "link", "generiek", "brief", "tablet", "papier"], {})


def create(request: Request, code: str) -> Response:
    registrant = accounts_access.representative(request, code)
    form = web.posted(request)
    fields = {name: form.first(name) for name in ("naam", "soort", "opent", "sluit", "teams",
                                                  "extra", "vragenlijst", "perioden")}
    channels = form.fields.get("kanaal", [])
    settings, errors = measurements.validate(fields, channels)
    if errors:
        return _list_page(request, registrant, code, fields, channels, errors, status=400)
    measurement = measurements.create(code, settings, ACTOR.format(registrant.id))
    return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}")


def _overview(request: Request, registrant: Registrant, measurement: Measurement,
              errors: dict[str, str] | None = None, fields: dict | None = None,
              status: int = 200, notice: str | None = None) -> Response:
    base = f"{config.base_url()}/m/{measurement.municipality}/{measurement.id}"
    generic = [(None, "Iedereen", base)] + [(t["id"], t["name"], f"{base}/{t['id']}")
                                            for t in measurement.teams]
    return web.page(request, "measurement/overview.html", status=status,
                    title=f"Meting ‘{measurement.name}’", personal_code=registrant.personal_code,
                    measurement=measurement, municipality_name=_name(measurement.municipality),
                    inviters=inviters.of_measurement(measurement),
                    uploads=contacts.of_measurement(measurement),
                    responses=responses.count(measurement.municipality, measurement.id),
                    bursts=responses.bursts(measurement.municipality, measurement.id),
                    period=measurements.period_of(measurement), generic=generic,
                    channels=measurements.CHANNELS, modes=measurements.MODES,
                    team_name=lambda t: measurements.team_name(measurement, t),
                    errors=errors or {}, fields=fields or {}, notice=notice,
                    date_nl=iso_date_nl, is_open=measurements.is_open(measurement),
                    periods=measurements.periods_of(measurement),
                    free_text=data_file.has_free_text(measurement))


def overview(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    query = web.query(request)
    notice = "De uitnodiger krijgt een e-mail met een persoonlijke link." \
        if query.get("uitgenodigd") else "De wijzigingen zijn opgeslagen." \
        if query.get("gewijzigd") else "De meting is gesloten: er kan niemand meer " \
        "antwoorden." if query.get("gesloten") else None
    return _overview(request, registrant, measurement, notice=notice)


def _edit_page(request: Request, registrant: Registrant, measurement: Measurement,
               fields: dict[str, str], channels: list[str], errors: dict[str, str],
               status: int = 200, notice: str | None = None) -> Response:
    answered = responses.count(measurement.municipality, measurement.id) > 0
    return web.page(request, "measurement/edit.html", status=status,
                    title=f"Meting ‘{measurement.name}’ wijzigen",
                    personal_code=registrant.personal_code, measurement=measurement,
                    municipality_name=_name(measurement.municipality), fields=fields,
                    chosen_channels=channels, errors=errors, notice=notice, answered=answered,
                    modes=measurements.MODES, channels=measurements.CHANNELS,
                    closed=measurement.closed_at is not None,
                    default_threshold=threshold.default_minimum(), threshold_step=threshold.STEP)


def _current(request: Request, registrant: Registrant, measurement: Measurement,
             status: int = 200, notice: str | None = None) -> Response:
    return _edit_page(request, registrant, measurement, editing.form_fields(measurement),
                      sorted(measurement.channels or ()), {}, status=status, notice=notice)


def edit_form(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    return _current(request, registrant, measurement)


def _seen(form: web.Form) -> int:
    text = form.first("versie").strip()
    if not text.isdigit():
        raise web.HttpError(400, "Het formulier is niet compleet. Open de pagina opnieuw.")
    return int(text)


def edit_save(request: Request, code: str, measurement_id: str) -> Response:
    """Saves the changed settings, refused (409, nothing stored) when a colleague changed the
    measurement after this form was shown."""
    registrant, measurement = access.representative(request, code, measurement_id)
    form = web.posted(request)
    seen = _seen(form)
    if measurement.closed_at is not None:
        return _current(request, registrant, measurement, 409, CLOSED)
    fields = {name: form.first(name) for name in ("naam", "soort", "opent", "sluit", "teams",
                                                  "extra", "perioden", "drempel")}
    fields.update({f"team-{t['id']}": form.first(f"team-{t['id']}") for t in measurement.teams})
    fields["versie"] = str(seen)
    channels = form.fields.get("kanaal", [])
    answered = responses.count(code, measurement.id) > 0
    busy = {i.team for i in inviters.of_measurement(measurement) if i.team}
    changed, errors = editing.validate(measurement, fields, channels, answered, busy)
    if errors:
        return _edit_page(request, registrant, measurement, fields, channels, errors, status=400)
    if not changed:
        return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}")
    try:
        editing.save(measurement, seen, changed, ACTOR.format(registrant.id))
    except (editing.Conflict, editing.Closed) as refused:
        return _current(request, registrant, measurements.get(code, measurement.id), 409,
                        CLOSED if isinstance(refused, editing.Closed) else str(refused))
    return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}?gewijzigd=1")


CLOSED = "De meting is gesloten en verandert niet meer. Er is niets opgeslagen."


def close(request: Request, code: str, measurement_id: str) -> Response:
    """Closes the measurement now (409 when it was already closed or changed meanwhile)."""
    registrant, measurement = access.representative(request, code, measurement_id)
    seen = _seen(web.posted(request))
    try:
        editing.close(measurement, seen, ACTOR.format(registrant.id))
    except (editing.Conflict, editing.Closed) as refused:
        return _current(request, registrant, measurements.get(code, measurement.id), 409,
                        CLOSED if isinstance(refused, editing.Closed) else str(refused))
    return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}?gesloten=1")


def invite_inviter(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    form = web.posted(request)
    fields = {name: form.first(name) for name in ("naam", "email", "team")}
    given, errors = inviters.validate(measurement, fields)
    if errors:
        return _overview(request, registrant, measurement, errors, fields, status=400)
    inviters.invite(measurement, given, ACTOR.format(registrant.id))
    return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}?uitgenodigd=1")


def _pdf(body: bytes, filename: str) -> Response:
    return Response(body=body, headers={"Content-Type": "application/pdf",
                                        "Content-Disposition":
                                            f'attachment; filename="{filename}"'})


def poster(request: Request, code: str, measurement_id: str, kind: str) -> Response:
    """The A4 poster or A5 flyer with the generic link (of one team with ?team=)."""
    _, measurement = access.representative(request, code, measurement_id)
    team = web.query(request).get("team") or None
    if "generiek" not in measurement.channels or not measurements.has_team(measurement, team):
        raise web.HttpError(404)
    path = f"/m/{code}/{measurement.id}" + (f"/{team}" if team else "")
    short = config.base_url().split("://", 1)[-1] + path
    body = pdfs.poster(measurement.name, measurements.team_name(measurement, team),
                       f"{config.base_url()}{path}?via=qr", short, small=kind == "flyer")
    return _pdf(body, f"{kind}-{measurement.id}{'-' + team if team else ''}.pdf")


def letters(request: Request, code: str, measurement_id: str) -> Response:
    """N letters, each with its own single-use QR code and short code (a PDF to download)."""
    registrant, measurement = access.representative(request, code, measurement_id)
    form = web.posted(request)
    fields = {"aantal": form.first("aantal"), "team": form.first("team")}
    team = fields["team"] or None
    errors: dict[str, str] = {}
    count = int(fields["aantal"]) if fields["aantal"].strip().isdigit() else 0
    if not 1 <= count <= letters_domain.MAX_LETTERS:
        errors["aantal"] = (f"Vul een aantal brieven in van 1 tot en met "
                            f"{letters_domain.MAX_LETTERS}")
    if not measurements.has_team(measurement, team):
        errors["aantal"] = "Kies een team uit de lijst"
    if "brief" not in measurement.channels:
        raise web.HttpError(409, "Brieven staan uit voor deze meting.")
    if not measurements.is_open(measurement):
        errors["aantal"] = "De meting is gesloten: er kunnen geen brieven meer bij"
    if errors:
        return _overview(request, registrant, measurement, errors, fields, status=400)
    made = letters_domain.create(measurement, count, team)
    base = config.base_url()
    body = pdfs.letters(measurement.name, iso_date_nl(letters_domain.period_label(measurement)),
                        [(invitations.link(token), letters_domain.shown(short))
                         for token, short in made], base.split("://", 1)[-1] + "/code")
    audit.record(ACTOR.format(registrant.id), "brieven gemaakt",
                 [audit.subject_municipality(code)],
                 details={"meting": measurement.id, "aantal": count, "team": team})
    return _pdf(body, f"brieven-{measurement.id}.pdf")
