"""The results pages: the municipality's (totals, per period, per team; bursts with a button to
leave a day out or count it again) and an inviter's (their own team only). Server-rendered
SVG bars beside their tables: no JavaScript, printable."""
from __future__ import annotations

from chalice.app import Request, Response
from pynamodb.exceptions import TransactWriteError

from .. import web
from ..platform.formatting import iso_date_nl
from ..platform.models import Measurement
from . import (
    access,
    measurements,
    responses,
    results,
    signals,
    threshold,
    written_answers,
)
from .manage_pages import ACTOR, _name


def _context(measurement: Measurement) -> dict:
    setting = int(measurement.threshold) if measurement.threshold is not None else None
    return {"measurement": measurement, "minimum": threshold.minimum(setting),
            "step": threshold.STEP, "signal_percent": signals.percent(),
            "date_nl": iso_date_nl,
            "open_questions": len(written_answers.open_questions(measurement))}


def _page(request: Request, measurement: Measurement, personal_code: str,
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    excluded = set(measurement.excluded_days or ())
    bursts = responses.bursts(measurement.municipality, measurement.id)
    burst_days = sorted({b.day for b in bursts if b.day} | excluded)
    return web.page(request, "measurement/results.html", status=status,
                    title=f"Resultaten van ‘{measurement.name}’", personal_code=personal_code,
                    municipality_name=_name(measurement.municipality),
                    results=results.read(measurement), bursts={b.day: b.refused for b in bursts},
                    burst_days=burst_days, excluded=excluded, errors=errors or {},
                    for_inviter=False, **_context(measurement))


def municipality(request: Request, code: str, measurement_id: str) -> Response:
    registrant, measurement = access.representative(request, code, measurement_id)
    return _page(request, measurement, registrant.personal_code)


def exclude_day(request: Request, code: str, measurement_id: str) -> Response:
    """Leaves a burst's day out of the results ("uitsluiten") or counts it again
    ("meetellen"); only days with a burst (or excluded before) can be chosen."""
    registrant, measurement = access.representative(request, code, measurement_id)
    form = web.posted(request)
    day, action = form.first("dag").strip(), form.first("actie")
    known = {b.day for b in responses.bursts(code, measurement.id) if b.day} | \
        set(measurement.excluded_days or ())
    if day not in known or action not in ("uitsluiten", "meetellen"):
        return _page(request, measurement, registrant.personal_code, status=400,
                     errors={"dag": "Kies een dag met een piek uit de lijst"})
    try:
        results.set_day_excluded(measurement, day, action == "uitsluiten",
                                 ACTOR.format(registrant.id))
    except TransactWriteError:
        raise web.HttpError(409, "De meting is intussen gewijzigd. Open de resultaten opnieuw "
                                 "en probeer het nog eens.") from None
    return web.redirect(f"/gemeente/{code}/metingen/{measurement.id}/resultaten")


def inviter(request: Request) -> Response:
    """An inviter's own team (or, without a team, the whole measurement's totals)."""
    found, measurement = access.inviter(request)
    return web.page(request, "measurement/results.html",
                    title=f"Resultaten van ‘{measurement.name}’", inviter=found,
                    results=results.read(measurement, found.team, with_teams=False),
                    for_inviter=True,
                    team=measurements.team_name(measurement, found.team), bursts={},
                    burst_days=[], excluded=set(), errors={}, **_context(measurement))


def municipality_written(request: Request, code: str, measurement_id: str) -> Response:
    """The written answers to the own open questions, per group at or above the threshold
    (one Query on the responses: on request, not on the results page). The municipality's
    only: a written answer is one person's, and inviters never see answers."""
    _registrant, measurement = access.representative(request, code, measurement_id)
    questions = len(written_answers.open_questions(measurement))
    if not questions:
        raise web.HttpError(404)
    return web.page(request, "measurement/written.html",
                    title=f"Geschreven antwoorden van ‘{measurement.name}’",
                    groups=written_answers.read(measurement), questions=questions,
                    **_context(measurement))

