"""Sending from the review page, the confirmation page, and starting from an earlier delivery."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalice.app import Request, Response

from . import deliveries, drafts, web
from .models import Delivery
from .questionnaire_pages import load_context, review_page


def send(request: Request, code: str, lambda_context: Any = None) -> Response:
    form = web.parse_form(request)
    web.check_csrf(request, form)
    ctx = load_context(request, code, with_state=True)
    problems = deliveries.refusals(ctx.definition, ctx.draft,
                                   form.first(deliveries.CONFIRM_FIELD) == "ja",
                                   datetime.now(timezone.utc))
    if problems or ctx.draft is None:
        return review_page(request, ctx, send_errors=problems, status=400)
    if ctx.draft.status == "verzonden":
        # this very version was sent already (a double click that arrived late): show the
        # confirmation of what this person sent, not an error
        mine = next((d for d in deliveries.history(code, ctx.definition.cycle)
                     if d.registrant_id == ctx.registrant.id), None)
        return web.redirect(f"/gemeente/{code}/verzonden/{mine.sequence}" if mine else "/start")
    try:
        result = deliveries.send(ctx.registrant, code, ctx.municipality_name, ctx.definition,
                                 ctx.draft, ctx.state, lambda_context=lambda_context)
    except deliveries.DraftChanged:
        fresh = load_context(request, code)
        return review_page(request, fresh, status=409, notice=(
            "Uw antwoorden zijn intussen opnieuw opgeslagen (bijvoorbeeld in een ander "
            "tabblad). Er is niets verzonden. Controleer de antwoorden hieronder en verzend "
            "opnieuw."))
    return web.redirect(f"/gemeente/{code}/verzonden/{result['sequence']}")


def confirmation(request: Request, code: str, sequence: str) -> Response:
    ctx = load_context(request, code)
    if not sequence.isdigit() or len(sequence) > 6:
        raise web.HttpError(404)
    try:
        delivery = Delivery.get(deliveries.scope_of(code, ctx.definition.cycle), int(sequence))
    except Delivery.DoesNotExist:
        raise web.HttpError(404)
    return web.page(request, "confirmation.html", title="Aanlevering verzonden",
                    personal_code=ctx.registrant.personal_code, delivery=delivery,
                    own=delivery.registrant_id == ctx.registrant.id)


def start_from_delivery(request: Request, code: str) -> Response:
    """Prefill: a new draft from this municipality's delivery that counts now (this cycle or
    the previous one)."""
    form = web.parse_form(request)
    web.check_csrf(request, form)
    ctx = load_context(request, code)
    source = prefill_source(code, ctx.definition.cycle)
    if source is None:
        raise web.HttpError(404)
    drafts.start_from(ctx.registrant.id, code, ctx.definition, source.raw or {})
    return web.redirect(f"/gemeente/{code}/controleren")


def prefill_source(code: str, cycle: int,
                   this_cycle: list[Delivery] | None = None) -> Delivery | None:
    """The delivery that counts in this cycle, else in the previous one. Pass `this_cycle`
    when its history was read already (the start page), so it is not queried twice."""
    history = this_cycle if this_cycle is not None else deliveries.history(code, cycle)
    return deliveries.counting(history) or deliveries.counting(deliveries.history(code,
                                                                                  cycle - 1))
