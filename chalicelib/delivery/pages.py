"""Check your answers, send, the confirmation page, and starting from an earlier delivery."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..platform.models import DraftStatus
from ..questionnaire import display, drafts
from ..questionnaire.journey import Scope
from ..web import access
from . import history, sending
from .window import allowed_until, window


def review(request: Request, code: str) -> Response:
    return _review_page(request, access.scope(request, code, with_state=True))


def _review_page(request: Request, ctx: Scope, send_errors: dict[str, str] | None = None,
                 status: int = 200, notice: str | None = None) -> Response:
    summaries = display.summarise(ctx.definition, ctx.raw)
    problems = [(summary.section, item) for summary in summaries for item in summary.items
                if item.errors]
    return access.scope_page(
        request, ctx, "review.html", title=f"Controleer uw antwoorden – {ctx.municipality_name}",
        status=status, summaries=summaries, problems=problems, started=ctx.draft is not None,
        window=window(datetime.now(UTC), allowed_until(ctx.state)),
        sent=ctx.draft is not None and ctx.draft.status == DraftStatus.SENT,
        errors=send_errors or {}, confirm_field=sending.CONFIRM_FIELD, notice=notice)


def _sent_already(code: str, ctx: Scope) -> Response | None:
    """This very draft version was sent already (a double click, a retry): the confirmation
    of the delivery it became, not an error."""
    if ctx.draft is None or ctx.draft.status != DraftStatus.SENT:
        return None
    sequence = ctx.draft.sent_sequence
    return web.redirect(f"/gemeente/{code}/verzonden/{int(sequence)}" if sequence else "/start")


def send(request: Request, code: str) -> Response:
    form = web.posted(request)
    ctx = access.scope(request, code, with_state=True)
    already = _sent_already(code, ctx)
    if already is not None:
        return already
    problems = sending.refusals(ctx.definition, ctx.draft,
                                form.first(sending.CONFIRM_FIELD) == "ja",
                                datetime.now(UTC), ctx.state)
    if problems or ctx.draft is None:
        return _review_page(request, ctx, send_errors=problems, status=400)
    try:
        delivery = sending.send(ctx.registrant, code, ctx.municipality_name, ctx.definition,
                                ctx.draft, ctx.state)
    except sending.DraftChanged:
        fresh = access.scope(request, code, with_state=True)
        return _sent_already(code, fresh) or _review_page(request, fresh, status=409, notice=(
            "Uw antwoorden zijn intussen opnieuw opgeslagen (bijvoorbeeld in een ander "
            "tabblad). Er is niets verzonden. Controleer de antwoorden hieronder en verzend "
            "opnieuw."))
    return web.redirect(f"/gemeente/{code}/verzonden/{int(delivery.sequence)}")


def confirmation(request: Request, code: str, sequence: str) -> Response:
    ctx = access.scope(request, code)
    if not sequence.isascii() or not sequence.isdigit() or len(sequence) > 6:
        raise web.HttpError(404)
    delivery = history.get(code, ctx.definition.cycle, int(sequence))
    if delivery is None:
        raise web.HttpError(404)
    return web.page(request, "confirmation.html", title="Aanlevering verzonden",
                    personal_code=ctx.registrant.personal_code, delivery=delivery,
                    own=delivery.registrant_id == ctx.registrant.id)


def start_from_delivery(request: Request, code: str) -> Response:
    """Prefill: a new draft from this municipality's delivery that counts now (this cycle or
    the previous one)."""
    web.posted(request)
    ctx = access.scope(request, code)
    source = history.prefill_source(code, ctx.definition.cycle)
    if source is None:
        raise web.HttpError(404)
    drafts.start_from(ctx.registrant.id, code, ctx.definition, source.raw or {})
    return web.redirect(f"/gemeente/{code}/controleren")
