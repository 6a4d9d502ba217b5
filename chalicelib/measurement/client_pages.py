"""The client's pages: no account. A personal link (/a/<token>), a generic link or QR code
(/m/<municipality>/<measurement>[/<team>]) or a tablet opens the questionnaire; the answers are
kept in a signed cookie on this device until they are sent (resumable on the same device,
nothing stored server-side before then); one topic per page; no JavaScript.

Sending costs one read (the measurement with the invitation or the tablet's session, in one
TransactGetItems) and one transactional write (responses.submit)."""
from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from .. import web
from ..platform.models import Invitation, Inviter, KioskDevice, Measurement, get_together
from ..platform.municipalities import known_name
from ..platform.rate_limits import RateLimited
from ..web import cookies
from ..web.cookies import SignedCookie
from ..web.errors import client_ip
from . import definitions, invitations, kiosk, letters, measurements, responses
from .responses import Source

ANSWERS = SignedCookie("ceo-antwoord", 45 * 24 * 3600)
TABLET = SignedCookie("ceo-tablet", 24 * 3600)
DONE_COOKIE = "ceo-ingevuld"  # generic links: which (measurement, period) this device answered
DONE_SECONDS = 400 * 24 * 3600
# Browsers drop a cookie past 4096 bytes (name, value and attributes). Written answers travel in
# the answers cookie until sent; five long ones in a script that escapes badly could pass it.
MAX_COOKIE = 4000

TEXT = {
    "nl": {"unknown": ("Deze link kennen wij niet",
                       "Controleer of u de hele link heeft overgenomen. Heeft u een brief? "
                       "Scan dan de QR-code opnieuw."),
           "answered": ("U heeft deze vragenlijst al ingevuld",
                        "Dank u wel. Uw antwoorden zijn al verstuurd. U hoeft niets meer te "
                        "doen."),
           "closed": ("Deze vragenlijst is gesloten",
                      "U kunt de vragenlijst niet meer invullen. De meting is voorbij."),
           "no_cookie": ("Open eerst de link uit uw uitnodiging",
                         "Wij weten niet welke vragenlijst u invult. Open de link uit uw sms, "
                         "e-mail of brief opnieuw, of scan de QR-code."),
           "busy": ("Te veel vragenlijsten vanaf dit netwerk",
                    "Vanaf dit netwerk zijn in korte tijd veel vragenlijsten verstuurd. Probeer "
                    "het over een uur opnieuw."),
           "too_much": ("Uw antwoorden zijn te lang", "Uw geschreven antwoorden zijn samen "
                        "te lang om te bewaren. Maak dit antwoord korter."),
           "thanks": ("Dank u wel!", "Uw antwoorden zijn verstuurd. Ze zijn anoniem: niemand "
                      "kan zien wat u antwoordde. U kunt deze pagina sluiten."),
           "bad_request": ("Dit konden wij niet verwerken",
                           "Ga terug naar de vorige pagina en probeer het opnieuw."),
           "stale_form": ("Deze pagina was verlopen",
                          "Om veiligheidsredenen konden wij dit niet verwerken. Ga terug, laad "
                          "de pagina opnieuw en probeer het nog een keer. Wat u op eerdere "
                          "pagina's invulde, is op dit apparaat bewaard."),
           "not_found": ("Deze pagina bestaat niet",
                         "Open de link uit uw uitnodiging opnieuw, of scan de QR-code."),
           "too_large": ("Uw antwoord is te lang",
                         "Ga terug, maak uw antwoord korter en probeer het opnieuw."),
           "failed": ("Er is iets misgegaan",
                      "Dat ligt niet aan u. Probeer het over een paar minuten opnieuw.")},
    "en": {"unknown": ("We do not know this link",
                       "Check that you copied the whole link, or scan the QR code again."),
           "answered": ("You have already filled in this questionnaire",
                        "Thank you. Your answers were sent. There is nothing else to do."),
           "closed": ("This questionnaire is closed", "The survey is over."),
           "no_cookie": ("Open the link in your invitation first",
                         "We do not know which questionnaire you are filling in. Open the link "
                         "in your text message, e-mail or letter again, or scan the QR code."),
           "busy": ("Too many questionnaires from this network",
                    "Many questionnaires were sent from this network. Try again in an hour."),
           "too_much": ("Your answers are too long", "Your written answers are too long "
                        "together to keep. Make this answer shorter."),
           "thanks": ("Thank you!", "Your answers were sent. They are anonymous: nobody can "
                      "see what you answered. You can close this page."),
           "bad_request": ("We could not process this",
                           "Go back to the previous page and try again."),
           "stale_form": ("This page had expired",
                          "For your security we could not process this. Go back, reload the "
                          "page and try again. What you filled in on earlier pages is kept on "
                          "this device."),
           "not_found": ("This page does not exist",
                         "Open the link in your invitation again, or scan the QR code."),
           "too_large": ("Your answer is too long",
                         "Go back, make your answer shorter and try again."),
           "failed": ("Something went wrong",
                      "It is not your fault. Try again in a few minutes.")},
}


# What went wrong outside the pages' own checks (web/errors.py sends a client route's errors
# here): a form's stale security token, an unknown topic, a body too large, our own failure.
ERRORS = {400: "bad_request", 403: "stale_form", 404: "not_found", 405: "bad_request",
          413: "too_large", 415: "bad_request", 429: "busy"}


def _message(request: Request, key: str, status: int, lang: str = "nl",
             cookies_out: list[str] | None = None, municipality: str | None = None,
             **extra: Any) -> Response:
    """A plain message to a client, with where to go with a question: the municipality whose
    measurement it is (`municipality`, a CBS code from our own records, never from the URL
    or the client's input) or, where none is known, "uw gemeente". Never the helpdesk's
    address (it serves municipal staff), never the token or anything the client typed."""
    title, text = TEXT[lang][key]
    return web.page(request, "measurement/client_message.html", status=status, title=title,
                    text=text, lang=lang, cookies_out=cookies_out,
                    municipality=known_name(municipality), **extra)


def error_page(request: Request, status: int) -> Response:
    """A client route's error page (web/errors.py): in the client's language and naming their
    municipality when this device's answers cookie (signed by us) says which it is."""
    state = _state(request)
    lang, code = (state[2], state[0].municipality) if state else ("nl", None)
    return _message(request, ERRORS.get(status, "failed"), status, lang, municipality=code)


def _state(request: Request) -> tuple[Source, dict[str, str], str, bool] | None:
    data = ANSWERS.read(request)
    source = Source.from_dict(data.get("s")) if data else None
    if data is None or source is None:
        return None
    answers = {k: v for k, v in (data.get("a") or {}).items()
               if isinstance(k, str) and isinstance(v, str)}
    lang = data.get("l") if data.get("l") in definitions.LANGUAGES else "nl"
    return source, answers, str(lang), bool(data.get("klaar"))


def _keep(source: Source, answers: dict[str, str], lang: str, done: bool = False) -> str:
    return ANSWERS.issue({"s": source.as_dict(), "a": answers, "l": lang, "klaar": done})


def _done_list(request: Request) -> list[str]:
    return [v for v in cookies.read(request, DONE_COOKIE).split("~") if v][-20:]


def open_token(request: Request, token: str) -> Response:
    """A personal link: the token becomes this device's answers cookie; the URL without it."""
    return _open_invitation(request, invitations.find(token))


def _open_invitation(request: Request, invitation: Invitation | None) -> Response:
    if invitation is None:
        return _message(request, "unknown", 404)
    code = str(invitation.municipality)
    if invitation.spent:
        return _message(request, "answered", 200, municipality=code)
    if invitations.expired(invitation) or _closed_early(invitation):
        return _message(request, "closed", 410, municipality=code)
    state = _state(request)
    if state and state[0].invitation_key == invitation.key and not state[3]:
        return web.redirect("/antwoorden")  # the same device goes on where it was
    source = Source(invitation.municipality, invitation.measurement_id, invitation.period,
                    invitation.channel, invitation.team, invitation_key=invitation.key)
    return web.redirect("/antwoorden", cookies_out=[_keep(source, {}, "nl")])


def _closed_early(invitation: Invitation) -> bool:
    try:
        measurement = measurements.get(invitation.municipality, invitation.measurement_id)
    except measurements.NotFound:
        return True
    return measurement.closed_at is not None


def open_generic(request: Request, code: str, measurement_id: str,
                 team: str | None = None) -> Response:
    try:
        measurement = measurements.get(code, measurement_id)
    except measurements.NotFound:
        return _message(request, "unknown", 404)
    if "generiek" not in measurement.channels or not measurements.has_team(measurement, team):
        return _message(request, "unknown", 404)
    if not measurements.is_open(measurement):
        return _message(request, "closed", 410, municipality=measurement.municipality)
    period = measurements.period_of(measurement)
    if f"{code}.{measurement_id}.{period.id}" in _done_list(request):
        return _message(request, "answered", 200, municipality=measurement.municipality)
    state = _state(request)
    if state and (state[0].municipality, state[0].measurement_id, state[0].period) == \
            (code, measurement_id, period.id) and not state[3] and state[0].device is None:
        return web.redirect("/antwoorden")
    channel = "qr" if web.query(request).get("via") == "qr" else "generiek"
    source = Source(code, measurement_id, period.id, channel, team)
    return web.redirect("/antwoorden", cookies_out=[_keep(source, {}, "nl")])


def _context(request: Request) -> tuple[Source, dict[str, str], str, Measurement]:
    state = _state(request)
    if state is None:
        raise _Stop(_message(request, "no_cookie", 400))
    source, answers, lang, done = state
    if done:
        raise _Stop(_message(request, "answered", 409, lang, municipality=source.municipality))
    try:
        measurement = measurements.get(source.municipality, source.measurement_id)
    except measurements.NotFound:
        raise _Stop(_message(request, "unknown", 404, lang)) from None
    return source, answers, lang, measurement


class _Stop(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _stoppable(page: Any) -> Any:
    def run(request: Request, *args: str) -> Response:
        try:
            return page(request, *args)
        except _Stop as stop:
            return stop.response
    run.__name__ = page.__name__
    run.__doc__ = page.__doc__
    return run


def _render(request: Request, template: str, lang: str, questionnaire: Any, title: str,
            status: int = 200, cookies_out: list[str] | None = None, **extra: Any) -> Response:
    source = _state(request)
    return web.page(request, f"measurement/{template}", status=status, title=title, lang=lang,
                    t=lambda text: text.get(lang) or text.get("nl", ""),
                    questionnaire=questionnaire, cookies_out=cookies_out,
                    max_open_text=definitions.MAX_OPEN_TEXT,
                    municipality=known_name(source[0].municipality if source else None),
                    **extra)


@_stoppable
def intro(request: Request) -> Response:
    _source, _answers, lang, measurement = _context(request)
    questionnaire = measurements.questionnaire(measurement)
    return _render(request, "client_intro.html", lang, questionnaire,
                   questionnaire.title[lang], first=questionnaire.topics[0].id,
                   english=lang == "en")


@_stoppable
def topic(request: Request, topic_id: str) -> Response:
    _source, answers, lang, measurement = _context(request)
    questionnaire = measurements.questionnaire(measurement)
    found = questionnaire.topic(topic_id)
    if found is None:
        raise web.HttpError(404)
    return _topic_page(request, questionnaire, found, answers, lang)


def _topic_page(request: Request, questionnaire: definitions.ClientQuestionnaire,
                found: definitions.Topic, answers: dict[str, str], lang: str,
                status: int = 200, errors: dict[str, str] | None = None) -> Response:
    ids = [t.id for t in questionnaire.topics]
    step = ids.index(found.id) + 1
    return _render(request, "client_topic.html", lang, questionnaire, found.title[lang],
                   status=status, topic=found, answers=answers, step=step, steps=len(ids),
                   errors=errors or {})


@_stoppable
def save_topic(request: Request, topic_id: str) -> Response:
    form = web.posted(request)
    source, answers, lang, measurement = _context(request)
    questionnaire = measurements.questionnaire(measurement)
    found = questionnaire.topic(topic_id)
    if found is None:
        raise web.HttpError(404)
    given = {q.id: form.first(q.id) for q in found.questions}
    bad = questionnaire.problems(given, lang)
    if bad:
        return _topic_page(request, questionnaire, found, {**answers, **given}, lang, 400, bad)
    for question in found.questions:
        answers.pop(question.id, None)
    answers.update(questionnaire.clean(given))
    kept = _keep(source, answers, lang)
    if len(kept) > MAX_COOKIE:
        written = [q.id for q in found.questions if q.free_text and q.id in answers]
        return _topic_page(request, questionnaire, found, answers, lang, 400,
                           dict.fromkeys(written, TEXT[lang]["too_much"][1]))
    ids = [t.id for t in questionnaire.topics]
    index = ids.index(found.id)
    if form.first("actie") == "vorige":
        target = f"/antwoorden/{ids[index - 1]}" if index else "/antwoorden"
    else:
        target = f"/antwoorden/{ids[index + 1]}" if index + 1 < len(ids) \
            else "/antwoorden/controleren"
    return web.redirect(target, cookies_out=[kept])


@_stoppable
def check(request: Request) -> Response:
    _source, answers, lang, measurement = _context(request)
    questionnaire = measurements.questionnaire(measurement)
    labels = {name: {o.value: o.label[lang] for o in options}
              for name, options in questionnaire.scales.items()}
    title = "Controleer uw antwoorden" if lang == "nl" else "Check your answers"
    return _render(request, "client_check.html", lang, questionnaire, title, answers=answers,
                   labels=labels)


@_stoppable
def language(request: Request) -> Response:
    form = web.posted(request)
    source, answers, _lang, _measurement = _context(request)
    chosen = form.first("taal")
    if chosen not in definitions.LANGUAGES:
        raise web.HttpError(400)
    back = form.first("terug")
    target = back if back.startswith("/antwoorden") and "//" not in back else "/antwoorden"
    return web.redirect(target, cookies_out=[_keep(source, answers, chosen)])


@_stoppable
def submit(request: Request) -> Response:
    web.posted(request)
    state = _state(request)
    if state is None:
        return _message(request, "no_cookie", 400)
    source, answers, lang, done = state
    code = source.municipality  # from this device's answers cookie, which we signed
    if done:
        return _message(request, "answered", 409, lang, municipality=code)
    keys: list[tuple[Any, Any, Any]] = [(Measurement, source.municipality,
                                         source.measurement_id)]
    if source.invitation_key:
        keys.append((Invitation, source.invitation_key, None))
    if source.device:
        keys.append((KioskDevice, source.device, None))
    found = get_together(*keys)  # one read request
    measurement = found[0]
    if measurement is None:
        return _message(request, "unknown", 404, lang)
    inviter_id, reminder = None, False
    if source.invitation_key:
        invitation = found[1]
        if invitation is None:
            return _message(request, "unknown", 404, lang)
        if invitation.spent:
            return _message(request, "answered", 409, lang, municipality=code)
        if invitations.expired(invitation) or measurement.closed_at is not None:
            return _message(request, "closed", 410, lang, municipality=code)
        inviter_id = invitation.inviter_id
        reminder = bool(invitation.reminder)
    elif not measurements.is_open(measurement) or \
            measurements.period_of(measurement).id != source.period:
        return _message(request, "closed", 410, lang, municipality=code)
    if source.device:
        device = found[-1]
        if device is None or device.ended or device.day != measurements.today().isoformat():
            return _message(request, "closed", 410, lang, municipality=code,
                            cookies_out=[ANSWERS.clear(), TABLET.clear()])
        inviter_id = device.inviter_id
    generic = source.invitation_key is None and source.device is None
    marker = f"{source.municipality}.{source.measurement_id}.{source.period}"
    if generic:
        if marker in _done_list(request):
            return _message(request, "answered", 409, lang, municipality=code)
        try:
            responses.limit_network_address(client_ip(request))
        except RateLimited:
            responses.record_burst(source.municipality, source.measurement_id)
            return _message(request, "busy", 429, lang, municipality=code)
    questionnaire = measurements.questionnaire(measurement)
    try:
        responses.submit(source, questionnaire.clean(answers),
                         inviter=Inviter(inviter_id) if inviter_id else None, reminder=reminder)
    except responses.AlreadyAnswered:
        if source.device:
            return _message(request, "closed", 410, lang, municipality=code,
                            cookies_out=[ANSWERS.clear(), TABLET.clear()])
        return _message(request, "answered", 409, lang, municipality=code,
                        cookies_out=[_keep(source, {}, lang, done=True)])
    if source.device:
        return web.redirect("/tablet?klaar=1", cookies_out=[ANSWERS.clear()])
    out = [_keep(source, {}, lang, done=True)]
    if generic:
        out.append(cookies.set_cookie(DONE_COOKIE, "~".join([*_done_list(request), marker]),
                                      DONE_SECONDS))
    return _message(request, "thanks", 200, lang, cookies_out=out, municipality=code)


def tablet(request: Request) -> Response:
    """The tablet's start page: a fresh questionnaire for the next client."""
    data = TABLET.read(request)
    device = kiosk.active(data["k"]) if data and isinstance(data.get("k"), str) else None
    if device is None:
        return web.page(request, "measurement/client_message.html", status=410,
                        title="Deze tablet is niet (meer) klaargezet", lang="nl",
                        text="Vraag de medewerker om de tablet opnieuw klaar te zetten.",
                        cookies_out=[TABLET.clear()])
    return web.page(request, "measurement/tablet.html", title="Vragenlijst", lang="nl",
                    thanks=bool(web.query(request).get("klaar")),
                    municipality=known_name(device.municipality))


def tablet_begin(request: Request) -> Response:
    web.posted(request)
    data = TABLET.read(request)
    device = kiosk.active(data["k"]) if data and isinstance(data.get("k"), str) else None
    if device is None:
        return web.redirect("/tablet")
    measurement = measurements.get(device.municipality, device.measurement_id)
    source = Source(device.municipality, device.measurement_id,
                    measurements.period_of(measurement).id, "tablet", device.team,
                    device=device.key)
    return web.redirect("/antwoorden", cookies_out=[_keep(source, {}, "nl")])



def code_form(request: Request, status: int = 200, error: str | None = None,
              typed: str = "") -> Response:
    """Where a letter's short code is typed (for those who cannot scan its QR code)."""
    return web.page(request, "measurement/code.html", status=status, title="Code invullen",
                    lang="nl", errors={"code": error} if error else {}, typed=typed)


def code_enter(request: Request) -> Response:
    form = web.posted(request)
    typed = form.first("code")[:40]
    try:
        responses.limit_network_address(client_ip(request), scope="meting-code")
    except RateLimited:
        return _message(request, "busy", 429)
    if letters.normalise(typed) is None:
        return code_form(request, 400, "Typ de code van 10 letters en cijfers uit uw brief, "
                                       "zoals ABCD-EFGH-JK", typed)
    invitation = letters.find(typed)
    if invitation is None:
        return code_form(request, 404, "Deze code kennen wij niet. Controleer de letters en "
                                       "cijfers en probeer het opnieuw.", typed)
    return _open_invitation(request, invitation)
