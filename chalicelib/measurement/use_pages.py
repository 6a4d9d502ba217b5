"""What a representative does with a measurement's answers on request: download the anonymised
data file (CSV or JSON, audited; handed over in the response, or when too large for one as a
private object behind a short-lived link), mark the written answers reviewed, and "Gebruik
deze uitkomsten in de aanlevering" (first what would change, then writing it into the shared
draft). Composes measurement and questionnaire."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..platform import audit, instruments, private_files
from ..platform.models import Measurement, Registrant
from ..questionnaire import drafts
from ..web import responses as web_responses
from . import access, data_file, into_delivery

ACTOR = "registrant#{}"
FIGURES_FIELD = "uitkomsten"


def download(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    fmt = web.query(request).get("formaat", "csv")
    if fmt not in data_file.FORMATS:
        raise web.HttpError(400, "Kies als formaat csv of json.")
    try:
        made = data_file.make(measurement, fmt)
    except data_file.BelowThreshold as below:
        raise web.HttpError(409, (
            f"Er is nog geen databestand: de meting heeft {below.responses} reacties en een "
            f"databestand kan pas vanaf {below.minimum} reacties, zodat niemand herkenbaar "
            "is.")) from None
    details: dict[str, object] = {"meting": measurement.id, "formaat": fmt,
                                  "rijen": made.rows, "vrije_tekst": made.free_text}
    link = None
    if not data_file.fits_in_response(made):
        # larger than a Lambda response may be: a private object (kept a day) and a link to
        # it (five minutes), as the helpdesk's large exports; the same bytes as a download
        data = made.body.encode()
        key, link = private_files.store_and_link(data, made.content_type, made.filename)
        details.update({"via": "tijdelijke link", "bytes": len(data), "object": key})
    # no audit entry, no file: recorded before the file or its link is handed over
    audit.record(ACTOR.format(registrant.id), "databestand van meting gedownload",
                 [audit.subject_municipality(code)], details=details)
    if link is not None:
        return web_responses.to_private_file(link)
    response = web_responses.download(made.body, made.content_type, made.filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def review_free_text(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    form = web.posted(request)
    if form.first("nagekeken") != "ja":
        raise web.HttpError(400, "Vink aan dat u de geschreven antwoorden heeft nagekeken.")
    try:
        data_file.mark_free_text_reviewed(measurement, ACTOR.format(registrant.id))
    except data_file.Stale:
        raise web.HttpError(409, "De meting is intussen gewijzigd. Laad de pagina opnieuw "
                                 "en probeer het nog eens.") from None
    return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}")


def _use_page(request: Request, registrant: Registrant, measurement: Measurement,
              status: int = 200, notice: str | None = None) -> Response:
    definition = into_delivery.delivery_definition(measurement)
    _, draft, _ = drafts.load_with_registrant(registrant.id, measurement.municipality,
                                              definition.cycle,
                                              instrument=definition.instrument)
    refused, found, proposal = None, [], None
    try:
        proposal = into_delivery.clearing_stale(
            into_delivery.propose(measurement, definition, draft=draft), draft)
        into_delivery.check(definition, proposal, draft)
        found = into_delivery.changes(definition, proposal, draft)
    except into_delivery.Refused as error:
        refused = error.message
    if refused and status == 200 and request.method == "POST":
        status = 409
    return web.page(request, "measurement/use_in_delivery.html", status=status,
                    title=f"Uitkomsten van ‘{measurement.name}’ in de aanlevering",
                    personal_code=registrant.personal_code, measurement=measurement,
                    cycle=definition.cycle, refused=refused,
                    delivery=_delivery_path(measurement.municipality, definition.instrument),
                    instrument=instruments.get(definition.instrument), changes=found,
                    proposal=proposal, notice=notice, seen_field=drafts.SEEN_FIELD,
                    seen=drafts.seen_mark(draft), figures_field=FIGURES_FIELD,
                    figures=into_delivery.fingerprint(proposal) if proposal else "")


def use_form(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    return _use_page(request, registrant, measurement)


def use(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    form = web.posted(request)
    seen = drafts.parse_seen(form.first(drafts.SEEN_FIELD))
    if seen is None:
        return _use_page(request, registrant, measurement, status=400, notice=(
            "Deze pagina was verouderd. Er is niets ingevuld. Bekijk hieronder wat er "
            "verandert en kies opnieuw."))
    definition = into_delivery.delivery_definition(measurement)
    _, draft, state = drafts.load_with_registrant(registrant.id, code, definition.cycle,
                                                  with_state=True,
                                                  instrument=definition.instrument)
    try:
        proposal = into_delivery.clearing_stale(
            into_delivery.propose(measurement, definition, draft=draft), draft)
        if into_delivery.fingerprint(proposal) != form.first(FIGURES_FIELD):
            return _use_page(request, registrant, measurement, status=409, notice=(
                "Er zijn intussen nieuwe reacties bijgekomen. Er is niets ingevuld. Bekijk "
                "hieronder wat er nu verandert en kies opnieuw."))
        result = into_delivery.apply(registrant.id, measurement, definition, proposal, seen,
                                     draft, int(state.last_sequence) if state else 0)
    except into_delivery.Refused:
        return _use_page(request, registrant, measurement, status=409)
    if isinstance(result, drafts.Changed):
        return _use_page(request, registrant, measurement, status=409, notice=(
            "Een collega heeft de aanlevering intussen gewijzigd. Er is niets ingevuld. "
            "Bekijk hieronder wat er nu verandert en kies opnieuw."))
    return web.redirect(f"{_delivery_path(code, definition.instrument)}?uit-meting=1")


def _delivery_path(code: str, instrument: str) -> str:
    """The review page of the delivery the figures go into (/gemeente/GM0014[/jeugd]/…)."""
    return f"{instruments.base_path(code, instrument)}/controleren"
