"""Check your answers, send, the confirmation page, and starting from an earlier delivery."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..platform.instruments import WMO
from ..platform.models import DeliveryStatus, DraftStatus
from ..platform.records import Record
from ..questionnaire import access, answers, display, drafts, editors, privacy
from ..questionnaire.journey import Scope
from . import four_eyes, history, publishing, sending
from .window import Window, allowed_until, window


class Blocker(Record, frozen=True):
    """Something that stops sending although every required answer is there, said before the
    button: what it is, and where to change it (None: nothing the person can change here)."""

    text: str
    link: str | None = None
    link_text: str | None = None


def _blockers(ctx: Scope, current: Window) -> list[Blocker]:
    found = []
    if not current.open:
        found.append(Blocker(current.message or "Verzenden is nu niet mogelijk."))
    if ctx.draft is not None and not sending.consent_given(ctx.definition, ctx.raw):
        consent = ctx.definition.consent
        section = ctx.definition.section_of(consent)
        found.append(Blocker(
            f"Het college heeft volgens uw antwoord bij ‘{section.title}’ geen toestemming "
            "gegeven om deze uitkomsten te publiceren. Zonder die toestemming kunt u niet "
            "verzenden.",
            f"{ctx.base}/vragen/{section.id}?terug=controleren#{consent}",
            "Wijzig het antwoord over toestemming"))
    return found


AFTER_WITHDRAWAL_FIELD = "keuze"
START_AGAIN, KEEP = "geldige", "houden"
AFTER_WITHDRAWAL = {START_AGAIN: "De antwoorden zijn nu die van de aanlevering die telt. "
                                 "Wijzig wat nodig is en verzend opnieuw.",
                    KEEP: "U houdt de ingetrokken antwoorden als concept. Wijzig wat nodig is "
                          "en verzend opnieuw."}


def review(request: Request, code: str, instrument: str = WMO) -> Response:
    info = ("De uitkomsten van de meting staan nu in de aanlevering, met het kenmerk ‘uit de "
            "meting’. Vul de rest aan en controleer alles voordat u verzendt."
            if web.query(request).get("uit-meting") else None)
    return _review_page(request, access.scope(request, code, with_state=True,
                                              instrument=instrument), info=info)


def _review_page(request: Request, ctx: Scope, send_errors: dict[str, str] | None = None,
                 status: int = 200, notice: str | None = None,
                 choice: publishing.Choice | None = None, info: str | None = None) -> Response:
    summaries = display.summarise(ctx.definition, ctx.raw, privacy.minimum_valid_answers(),
                                  ctx.draft.measured if ctx.draft else None)
    problems = [(summary.section, item) for summary in summaries for item in summary.items
                if item.errors]
    warned = answers.warnings(ctx.definition, ctx.raw)
    warnings = [(summary.section, item, warned[item.anchor]) for summary in summaries
                for item in summary.items if item.anchor in warned]
    withheld = [line for summary in summaries for item in summary.items
                for line in item.scores if line.withheld]
    withdrawn = history.withdrawn_draft(ctx.draft, history.history(
        ctx.municipality, ctx.definition.cycle, ctx.definition.instrument)) \
        if ctx.draft is not None and ctx.draft.status == DraftStatus.SENT else None
    newer_sequence = sending.newer_than_draft(ctx.draft, ctx.state)
    newer = history.get(ctx.municipality, ctx.definition.cycle, newer_sequence,
                        ctx.definition.instrument) if newer_sequence else None
    edits = editors.last_edits(ctx.draft)
    current = window(datetime.now(UTC), allowed_until(ctx.state), ctx.definition.instrument)
    sent = ctx.draft is not None and ctx.draft.status == DraftStatus.SENT
    return access.scope_page(
        request, ctx, "review.html", title=f"Controleer uw antwoorden – {ctx.municipality_name}",
        status=status, summaries=summaries, problems=problems, started=ctx.draft is not None,
        window=current, sent=sent, blockers=[] if sent else _blockers(ctx, current),
        errors=send_errors or {}, confirm_field=sending.CONFIRM_FIELD, notice=notice, info=info,
        warnings=warnings, warnings_field=sending.WARNINGS_FIELD, withheld=withheld,
        privacy_minimum=privacy.minimum_valid_answers(), edits=edits,
        newer=newer, newer_by=editors.names([newer.registrant_id])[newer.registrant_id]
        if newer else None, replace_field=sending.REPLACE_FIELD,
        four_eyes=four_eyes.required(ctx.municipality),
        sent_back=four_eyes.sent_back_from(ctx.draft, ctx.state),
        seen_field=drafts.SEEN_FIELD, seen=drafts.seen_mark(ctx.draft),
        withdrawn=withdrawn, counting=history.get(ctx.municipality, ctx.definition.cycle,
                                                  int(ctx.state.counting_sequence),
                                                  ctx.definition.instrument)
        if withdrawn and ctx.state and ctx.state.counting_sequence else None,
        after_withdrawal=AFTER_WITHDRAWAL.get(web.query(request).get("na-intrekking", "")),
        publish=publishing.fields(choice or publishing.Choice(), ctx.definition.cycle,
                                  ctx.definition.instrument))


def _sent_already(code: str, ctx: Scope) -> Response | None:
    """This very draft version was sent already (a double click, a retry): the confirmation
    of the delivery it became, not an error."""
    if ctx.draft is None or ctx.draft.status != DraftStatus.SENT:
        return None
    sequence = ctx.draft.sent_sequence
    return web.redirect(f"{ctx.base}/verzonden/{int(sequence)}" if sequence else "/start")


def send(request: Request, code: str, instrument: str = WMO) -> Response:
    form = web.posted(request)
    ctx = access.scope(request, code, with_state=True, instrument=instrument)
    already = _sent_already(code, ctx)
    if already is not None:
        return already
    reviewed = drafts.parse_seen(form.first(drafts.SEEN_FIELD))
    changed = drafts.changed_since(reviewed, ctx.draft) if reviewed is not None else None
    if changed is not None:
        return _changed_page(request, code, ctx, changed)
    problems = sending.refusals(ctx.definition, ctx.draft,
                                form.first(sending.CONFIRM_FIELD) == "ja",
                                datetime.now(UTC),
                                warnings_seen=form.first(sending.WARNINGS_FIELD) == "ja",
                                state=ctx.state,
                                replacing_seen=form.first(sending.REPLACE_FIELD) == "ja")
    # "publiceren vanaf": the sender's choice; with four-eyes the approving coordinator's
    choice = publishing.read({name: form.first(name) for name in (
        publishing.CHOICE_FIELD, publishing.DATE_FIELD, publishing.TIME_FIELD)})
    publish_at, moment_errors = (None, {}) if four_eyes.required(code) else \
        publishing.moment(choice, ctx.definition.cycle, instrument=instrument)
    problems = {**problems, **moment_errors} if problems.get("verzenden") is None else problems
    if problems or ctx.draft is None:
        return _review_page(request, ctx, send_errors=problems, status=400, choice=choice)
    if reviewed is None:  # not the form of a check-your-answers page (an old page, forged)
        return _review_page(request, ctx, status=400, choice=choice, notice=(
            "Deze pagina was verouderd. Er is niets verzonden. Controleer de antwoorden "
            "hieronder en verzend opnieuw."))
    try:
        delivery = sending.send(ctx.registrant, code, ctx.municipality_name, ctx.definition,
                                ctx.draft, ctx.state, reviewed=reviewed,
                                publish_at=publish_at)
    except sending.DraftChanged:
        fresh = access.scope(request, code, with_state=True, instrument=instrument)
        return _sent_already(code, fresh) or _changed_page(
            request, code, fresh, drafts.changed_since(reviewed, fresh.draft)
            or drafts.Changed())
    return web.redirect(f"{ctx.base}/verzonden/{int(delivery.sequence)}")


def _changed_page(request: Request, code: str, ctx: Scope,
                  changed: drafts.Changed) -> Response:
    """409: the shared draft changed after the person checked it; nothing was sent. The page
    shows the answers as they are now, what changed, by whom and when."""
    return _review_page(request, ctx, status=409, notice=editors.describe_changes(
        changed, ctx.draft, ctx.definition, ctx.registrant.id, "u controleerde",
        "Er is niets verzonden.")
        + " Controleer de antwoorden hieronder en verzend opnieuw als ze kloppen.")


def confirmation(request: Request, code: str, sequence: str,
                 instrument: str = WMO) -> Response:
    ctx = access.scope(request, code, instrument=instrument)
    if not sequence.isascii() or not sequence.isdigit() or len(sequence) > 6:
        raise web.HttpError(404)
    delivery = history.get(code, ctx.definition.cycle, int(sequence), instrument)
    if delivery is None:
        raise web.HttpError(404)
    approvers = sorted(editors.names(sorted(four_eyes.coordinator_ids(code)
                                            - {str(delivery.registrant_id)})).values(),
                       key=str.casefold) if delivery.status == DeliveryStatus.PENDING else []
    waits = delivery.status == DeliveryStatus.PENDING
    return web.page(request, "confirmation.html",
                    title="Verzonden, wacht op goedkeuring" if waits else "Aanlevering verzonden",
                    personal_code=ctx.registrant.personal_code, delivery=delivery,
                    approvers=approvers,
                    own=delivery.registrant_id == ctx.registrant.id,
                    sender_name=editors.names([delivery.registrant_id])[delivery.registrant_id])


def start_from_delivery(request: Request, code: str, instrument: str = WMO) -> Response:
    """Prefill: a new draft from this municipality's delivery that counts now (this cycle or
    the previous one) of the same instrument."""
    web.posted(request)
    ctx = access.scope(request, code, with_state=True, instrument=instrument)
    source = history.prefill_source(code, ctx.definition.cycle, instrument=instrument)
    if source is None:
        raise web.HttpError(404)
    drafts.start_from(ctx.registrant.id, code, ctx.definition, source.raw or {},
                      int(source.cycle),
                      based_on=int(ctx.state.last_sequence) if ctx.state else 0)
    return web.redirect(f"{ctx.base}/controleren")


def after_withdrawal(request: Request, code: str, instrument: str = WMO) -> Response:
    """The draft still holds a withdrawn delivery's answers: start again from the delivery
    that counts now, or keep those answers as a draft to change (issue 24)."""
    form = web.posted(request)
    ctx = access.scope(request, code, with_state=True, instrument=instrument)
    choice = form.first(AFTER_WITHDRAWAL_FIELD)
    seen = drafts.parse_seen(form.first(drafts.SEEN_FIELD))
    if choice not in (START_AGAIN, KEEP) or seen is None:
        raise web.HttpError(400)
    changed = drafts.changed_since(seen, ctx.draft)
    if changed is not None:  # a colleague saved since the page was shown: nothing replaced
        return _changed_page(request, code, ctx, changed)
    sent = history.history(code, ctx.definition.cycle, ctx.definition.instrument)
    withdrawn = history.withdrawn_draft(ctx.draft, sent)
    counting = history.counting(sent)
    if ctx.draft is None or withdrawn is None or (choice == START_AGAIN and counting is None):
        return web.redirect(f"{ctx.base}/controleren")  # done already, by a colleague
    if choice == START_AGAIN and counting is not None:
        result = drafts.start_again_from(
            ctx.draft, seen, ctx.registrant.id, ctx.definition, counting.raw or {},
            int(counting.sequence), int(ctx.state.last_sequence) if ctx.state else 0)
    else:
        result = drafts.keep_after_withdrawal(ctx.draft, seen)
    if isinstance(result, drafts.Changed):
        return _changed_page(request, code, access.scope(request, code, with_state=True,
                                                               instrument=instrument), result)
    done = "geldige" if choice == START_AGAIN else "houden"
    return web.redirect(f"{ctx.base}/controleren?na-intrekking={done}")
