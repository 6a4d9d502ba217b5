"""A representative looks at a sent delivery of one of their municipalities (their own or a
colleague's, any cycle): the page, its data as JSON or HTML, and the report as the site shows
it; with four-eyes, a coordinator approves a waiting delivery or sends it back here. The
helpdesk's view of the same is in `helpdesk/delivery_pages.py`; both render `delivery.html`
and `delivery/views.py`'s files."""
from __future__ import annotations

from datetime import datetime

from chalice.app import Request, Response

from .. import web
from ..accounts import access
from ..platform import config
from ..platform.models import Registrant
from ..publication import delivery_files
from ..web.responses import download, standalone_html
from . import four_eyes, publishing, take_back, views

DECISIONS = ("goedkeuren", "terugsturen")
TAKE_BACK = "terugnemen"
MOMENT = "publicatiemoment"  # change or cancel the publication moment
REASON_FIELD = "reden"
CONFIRM_FIELD = "bevestigd"  # "ja": the coordinator confirmed the approval on its own page
REVISION_FIELD = "revisie"
DONE = {"goedgekeurd": "U heeft de aanlevering goedgekeurd. Ze telt nu en wordt gepubliceerd.",
        "teruggestuurd": "U heeft de aanlevering teruggestuurd. De afzender krijgt uw reden "
                         "per e-mail.",
        "teruggenomen": "U heeft de aanlevering teruggenomen. Uw collega's krijgen een e-mail "
                        "met uw reden; de antwoorden staan weer open om aan te passen.",
        "moment-gewijzigd": "Het publicatiemoment is gewijzigd.",
        "direct": "Het gekozen moment is geschrapt: de aanlevering wordt nu gepubliceerd."}


def _open(code: str, number: str) -> views.DeliveryView:
    view = views.open_delivery(code, number)
    if view is None:
        raise web.HttpError(404)
    return view


def _page(request: Request, registrant: Registrant, view: views.DeliveryView, code: str,
          status: int = 200, error: str | None = None, reason: str = "",
          choice: publishing.Choice | None = None,
          moment_errors: dict[str, str] | None = None) -> Response:
    decision = None
    cycle = int(view.delivery.cycle)
    if view.standing == views.Standing.WAITING:
        decision = {"why_not": four_eyes.may_approve(view.delivery, registrant,
                                                     four_eyes.coordinator_ids(code)),
                    "error": error if status == 400 and not moment_errors else None,
                    "reason": reason, "reason_field": REASON_FIELD,
                    "reason_max": four_eyes.REASON_MAX,
                    "publish": publishing.fields(choice or publishing.Choice(), cycle,
                                                 view.instrument),
                    "moment_errors": moment_errors or {}}
    moment = None
    if view.publish_pending is not None:
        shown = choice or publishing.Choice(publishing.LATER, *publishing.as_typed(
            view.publish_pending))
        moment = {"why_not": four_eyes.only_coordinator(code, registrant,
                                                        "het publicatiemoment wijzigen"),
                  "publish": publishing.fields(shown, cycle, view.instrument),
                  "errors": moment_errors or {},
                  "action": f"/gemeente/{code}/aanlevering/{view.number}/{MOMENT}"}
    notice = DONE.get(web.query(request).get("besluit", ""))
    may_take_back = view.standing == views.Standing.COUNTS \
        and int(view.delivery.cycle) == config.current_cycle() \
        and take_back.why_not(code, registrant) is None
    return web.page(request, "delivery.html", status=status, title=f"Aanlevering {view.number}",
                    personal_code=registrant.personal_code, view=view,
                    own=view.delivery.registrant_id == registrant.id,
                    prefix=f"/gemeente/{code}/aanlevering/", back="/start",
                    back_text="Terug naar uw gemeenten", helpdesk_view=False,
                    decision=decision, notice=notice, error=error, moment=moment,
                    take_back_url=f"/gemeente/{code}/aanlevering/{view.number}/{TAKE_BACK}"
                    if may_take_back else None)


def show(request: Request, code: str, number: str) -> Response:
    registrant = access.representative(request, code)
    return _page(request, registrant, _open(code, number), code)


def decide(request: Request, code: str, number: str, kind: str) -> Response:
    """A coordinator approves the waiting delivery or sends it back with a reason."""
    form = web.posted(request)
    registrant = access.representative(request, code)
    if kind == TAKE_BACK:
        return _take_back(request, registrant, code, number, form)
    if kind == MOMENT:
        return _change_moment(request, registrant, code, number, form)
    if kind not in DECISIONS:
        raise web.HttpError(404)
    view = _open(code, number)
    reason = form.first(REASON_FIELD)[:four_eyes.REASON_MAX + 1]
    delivery = view.delivery
    choice = _choice(form)
    publish_at, moment_errors = publishing.moment(choice, int(delivery.cycle),
                                                  instrument=view.instrument) \
        if kind == "goedkeuren" else (None, {})
    if moment_errors:
        return _page(request, registrant, view, code, status=400,
                     error=next(iter(moment_errors.values())), choice=choice,
                     moment_errors=moment_errors)
    if kind == "goedkeuren" and form.first(CONFIRM_FIELD) != "ja":
        return _approval_confirmation(request, registrant, view, code, choice, publish_at)
    try:
        if kind == "goedkeuren":
            four_eyes.approve(code, int(delivery.cycle), int(delivery.sequence), registrant,
                              publish_at=publish_at, instrument=view.instrument)
        else:
            four_eyes.send_back(code, int(delivery.cycle), int(delivery.sequence), reason,
                                four_eyes.actor_name(registrant), registrant,
                                instrument=view.instrument)
    except four_eyes.Refused as refused:
        if refused.status == 404:
            raise web.HttpError(404) from refused
        return _page(request, registrant, _open(code, number), code, status=refused.status,
                     error=str(refused), reason=reason)
    done = "goedgekeurd" if kind == "goedkeuren" else "teruggestuurd"
    return web.redirect(f"/gemeente/{code}/aanlevering/{view.number}?besluit={done}")


def _approval_confirmation(request: Request, registrant: Registrant, view: views.DeliveryView,
                           code: str, choice: publishing.Choice,
                           publish_at: datetime | None) -> Response:
    """One more page before an approval publishes: what will count and be shown, and when
    (issue 24: one click published). Refused here already when approving is not theirs."""
    why_not = four_eyes.may_approve(view.delivery, registrant, four_eyes.coordinator_ids(code))
    if why_not is None and view.standing != views.Standing.WAITING:
        why_not = f"Aanlevering {view.number} wacht niet (meer) op goedkeuring."
    if why_not is not None:
        return _page(request, registrant, view, code,
                     status=403 if view.standing == views.Standing.WAITING else 409,
                     error=why_not)
    return web.page(request, "approve.html", title=f"Aanlevering {view.number} goedkeuren",
                    personal_code=registrant.personal_code, view=view, code=code,
                    choice=choice, publish_at=publish_at,
                    fields=publishing.fields(choice, int(view.delivery.cycle)),
                    confirm_field=CONFIRM_FIELD,
                    action=f"/gemeente/{code}/aanlevering/{view.number}/goedkeuren",
                    back=f"/gemeente/{code}/aanlevering/{view.number}")


def file(request: Request, code: str, number: str, kind: str) -> Response:
    registrant = access.representative(request, code)
    if kind == TAKE_BACK:
        return _take_back_page(request, registrant, code, number)
    if kind not in delivery_files.FILES:
        raise web.HttpError(404)
    found = delivery_files.file_of(_open(code, number), kind)
    if found is None:
        raise web.HttpError(404)
    body, content_type, filename = found
    return download(body, content_type, filename) if filename else standalone_html(body)


def _take_back_page(request: Request, registrant: Registrant, code: str, number: str,
                    status: int = 200, error: str | None = None, reason: str = "",
                    field_error: bool = False) -> Response:
    """Taking a delivery back, confirmed: what counts afterwards, and the reason. Shows the
    scope's revision it was made from, so that a change since then refuses the POST."""
    view = _open(code, number)
    why_not = take_back.why_not(code, registrant)
    try:
        delivery, after, revision = take_back.plan(code, int(view.delivery.cycle), view.number)
    except take_back.Refused as refused:
        if refused.status == 404:
            raise web.HttpError(404) from refused
        why_not = why_not or str(refused)
        delivery, after, revision = view.delivery, None, 0
    return web.page(request, "take_back.html", status=status,
                    title=f"Aanlevering {view.number} terugnemen",
                    personal_code=registrant.personal_code, view=view, code=code,
                    delivery=delivery, after=after, revision=revision, why_not=why_not,
                    error=error, field_error=field_error, reason=reason,
                    reason_field=REASON_FIELD, revision_field=REVISION_FIELD,
                    reason_max=take_back.REASON_MAX,
                    action=f"/gemeente/{code}/aanlevering/{view.number}/{TAKE_BACK}",
                    back=f"/gemeente/{code}/aanlevering/{view.number}")


def _take_back(request: Request, registrant: Registrant, code: str, number: str,
               form: web.Form) -> Response:
    view = _open(code, number)
    reason = form.first(REASON_FIELD)[:take_back.REASON_MAX + 1]
    seen = form.first(REVISION_FIELD)
    if not seen.isascii() or not seen.isdigit() or len(seen) > 9:
        return _take_back_page(request, registrant, code, number, status=400, reason=reason,
                               error="Het formulier is onvolledig. Open de pagina opnieuw "
                                     "en probeer het nog eens.")
    try:
        take_back.take_back(code, int(view.delivery.cycle), view.number, int(seen), registrant,
                            reason)
    except take_back.Refused as refused:
        if refused.status == 404:
            raise web.HttpError(404) from refused
        return _take_back_page(request, registrant, code, number, status=refused.status,
                               error=str(refused), reason=reason,
                               field_error=refused.status == 400)
    return web.redirect(f"/gemeente/{code}/aanlevering/{view.number}?besluit=teruggenomen")


def _choice(form: web.Form) -> publishing.Choice:
    return publishing.read({name: form.first(name) for name in (
        publishing.CHOICE_FIELD, publishing.DATE_FIELD, publishing.TIME_FIELD)})


def _change_moment(request: Request, registrant: Registrant, code: str, number: str,
                   form: web.Form) -> Response:
    """Moves the publication moment ("vanaf" with a new date and time) or cancels it
    ("direct": published now), until it passes."""
    view = _open(code, number)
    choice = _choice(form)
    new, errors = publishing.moment(choice, int(view.delivery.cycle),
                                    instrument=view.instrument)
    if errors:
        return _page(request, registrant, view, code, status=400,
                     error=next(iter(errors.values())), choice=choice, moment_errors=errors)
    try:
        publishing.change(code, int(view.delivery.cycle), int(view.delivery.sequence), new,
                          registrant, instrument=view.instrument)
    except publishing.Refused as refused:
        if refused.status == 404:
            raise web.HttpError(404) from refused
        return _page(request, registrant, _open(code, number), code, status=refused.status,
                     error=str(refused))
    done = "moment-gewijzigd" if new else "direct"
    return web.redirect(f"/gemeente/{code}/aanlevering/{view.number}?besluit={done}")
