"""The inviter's pages: signing in by the personal link, their own counts, sending an sms or
e-mail invitation, making a link to copy, setting up a tablet and typing in a paper form."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..platform import outbox
from ..platform.models import Inviter, Measurement
from . import (
    access,
    client_pages,
    client_reminders,
    definitions,
    invitations,
    kiosk,
    measurements,
    responses,
)
from .responses import Source

NOTICES = {"sms": "De sms is verstuurd.", "email": "De e-mail is verstuurd.",
           "papier": "De papieren vragenlijst is opgeslagen.",
           "gestopt": "De tablet is gestopt."}


def follow_link(request: Request, token: str) -> Response:
    from . import inviters

    inviter = inviters.from_link(token)
    if inviter is None:
        raise web.HttpError(404, "Deze link kennen wij niet. Vraag de gemeente om een nieuwe "
                                 "uitnodiging.")
    return web.redirect("/uitnodiger", cookies_out=[access.inviter_cookie().issue(
        {"v": inviter.id})])


def _home(request: Request, inviter: Inviter, measurement: Measurement, status: int = 200,
          errors: dict[str, str] | None = None, fields: dict | None = None,
          link: str | None = None) -> Response:
    notice = NOTICES.get(web.query(request).get("gedaan", ""))
    return web.page(request, "measurement/inviter.html", status=status,
                    title=f"Uitnodigen voor ‘{measurement.name}’", inviter=inviter,
                    measurement=measurement,
                    team=measurements.team_name(measurement, inviter.team),
                    is_open=measurements.is_open(measurement), errors=errors or {},
                    fields=fields or {}, link=link, notice=notice,
                    reminder_days=client_reminders.days_after())


def home(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    return _home(request, inviter, measurement)


def _open_or_409(measurement: Measurement, channel: str) -> None:
    if not measurements.is_open(measurement):
        raise web.HttpError(409, "De meting is gesloten: u kunt geen uitnodigingen meer sturen.")
    if channel not in measurement.channels:
        raise web.HttpError(409, "Deze manier van uitnodigen staat uit voor deze meting.")


def invite(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    form = web.posted(request)
    channel, contact, error = invitations.clean_contact(form.first("contact"))
    if error:
        return _home(request, inviter, measurement, 400, {"contact": error},
                     {"contact": form.first("contact"), "herinnering": form.first("herinnering")})
    _open_or_409(measurement, channel)
    try:
        invitations.send(measurement, channel, contact, inviter.team, inviter,
                         remind=form.first("herinnering") == "ja")
    except outbox.NotQueued:
        raise web.HttpError(503, "De uitnodiging kon nu niet worden verstuurd. Probeer het over "
                                 "een paar minuten opnieuw.") from None
    return web.redirect(f"/uitnodiger?gedaan={channel}")


def copy_link(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    web.posted(request)
    _open_or_409(measurement, "link")
    token = invitations.issue(measurement, "link", inviter.team, inviter)
    inviter.refresh()
    return _home(request, inviter, measurement, link=invitations.link(token))


def start_tablet(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    web.posted(request)
    _open_or_409(measurement, "tablet")
    device = kiosk.start(inviter)
    return web.redirect("/tablet", cookies_out=[client_pages.TABLET.issue({"k": device.key})])


def stop_tablet(request: Request) -> Response:
    web.posted(request)
    data = client_pages.TABLET.read(request)
    if data and isinstance(data.get("k"), str):
        kiosk.end(data["k"])
    return web.page(request, "measurement/client_message.html", title="De tablet is gestopt",
                    lang="nl", text="Op deze tablet kan niemand meer een vragenlijst invullen "
                                    "tot een uitnodiger hem opnieuw klaarzet.",
                    cookies_out=[client_pages.TABLET.clear(), client_pages.ANSWERS.clear()])


def _paper_page(request: Request, inviter: Inviter, measurement: Measurement,
                answers: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    questionnaire = measurements.questionnaire(measurement)
    return web.page(request, "measurement/paper.html", status=status,
                    title="Papieren vragenlijst overtypen", measurement=measurement,
                    questionnaire=questionnaire, answers=answers, errors=errors,
                    t=lambda text: text.get("nl", ""), max_open_text=definitions.MAX_OPEN_TEXT)


def paper_form(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    return _paper_page(request, inviter, measurement, {}, {})


def paper_save(request: Request) -> Response:
    inviter, measurement = access.inviter(request)
    form = web.posted(request)
    _open_or_409(measurement, "papier")
    questionnaire = measurements.questionnaire(measurement)
    given = {q.id: form.first(q.id) for q in questionnaire.questions()}
    errors = questionnaire.problems(given)
    answers = questionnaire.clean(given)
    if not errors and not answers:
        errors = {questionnaire.questions()[0].id:
                  "Typ minstens één antwoord over; een lege vragenlijst slaan wij niet op"}
    if errors:
        return _paper_page(request, inviter, measurement, given, errors, 400)
    period = measurements.period_of(measurement)
    responses.submit(Source(measurement.municipality, measurement.id, period.id, "papier",
                            inviter.team), answers, inviter=inviter)
    return web.redirect("/uitnodiger?gedaan=papier")
