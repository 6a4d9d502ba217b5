"""The start page ("Uw aanleveringen"): for each municipality the representative serves, the
shared draft, the deliveries and which counts, four-eyes roles, and where to go on. It
composes accounts, questionnaire and delivery, so it lives in a package of its own."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..accounts import access
from ..delivery import four_eyes, history, views, window
from ..platform import config
from ..platform.municipalities import municipalities
from ..questionnaire import drafts, editors, journey


def show(request: Request) -> Response:
    """Every municipality of the signed-in representative: its draft, deliveries, four-eyes
    role and what to do next."""
    registrant = access.current(request)
    if registrant is None:
        return access.signed_out_page(request, status=401)
    known = municipalities(config.municipality_year())
    definition = journey.current_definition()
    by_code = drafts.drafts_for(registrant.municipalities, definition.cycle)
    histories = {code: history.history(code, definition.cycle)
                 for code in registrant.municipalities}
    edits = {code: editors.last_edits(draft) for code, draft in by_code.items()}
    senders = editors.names(sorted({d.registrant_id for sent in histories.values()
                                    for d in sent}))
    roles = four_eyes.for_registrant(sorted(registrant.municipalities), registrant.id)
    rows = []
    for code in registrant.municipalities:
        draft = by_code.get(code)
        sent = histories[code]
        counting = history.counting(sent)
        standings = {d.delivery_id: views.standing_of(d, counting, sent[0]) for d in sent}
        rows.append({
            "four_eyes": roles[code][0], "coordinator": roles[code][1],
            "standings": standings, "newest": sent[0] if sent else None,
            "last_edit": editors.latest(edits.get(code, {})),
            "code": code, "name": known[code].name if code in known else code,
            "draft": draft, "history": sent, "counting": counting,
            "withdrawn": history.withdrawn_draft(draft, sent), "seen": drafts.seen_mark(draft),
            "prefill": None if draft else history.prefill_source(code, definition.cycle, sent),
            "progress": journey.progress(definition, draft),
            "resume": journey.resume_path(definition, code, draft),
        })
    rows.sort(key=lambda row: str(row["name"]).casefold())
    params = web.query(request)
    notice = None
    if params.get("opgeslagen") in known:
        notice = (f"Uw antwoorden voor {known[params['opgeslagen']].name} zijn opgeslagen. "
                  f"U kunt later verder gaan met de link uit uw e-mail.")
    elif params.get("toegevoegd") or params.get("controle"):
        added = [known[c].name for c in params.get("toegevoegd", "").split(",") if c in known]
        held = [known[c].name for c in params.get("controle", "").split(",") if c in known]
        notice = " ".join(part for part in (
            f"Toegevoegd: {', '.join(added)}." if added else "",
            f"De helpdesk controleert eerst of u mag aanleveren voor {', '.join(held)}; u "
            "krijgt daarover een e-mail." if held else "") if part)
    elif params.get("verwijderd") in known:
        notice = (f"Alle ingevulde antwoorden voor {known[params['verwijderd']].name} zijn "
                  "verwijderd.")
    return web.page(request, "start.html", title="Uw aanleveringen", name=registrant.name,
                    personal_code=registrant.personal_code, rows=rows,
                    cycle=definition.cycle, measurement_year=definition.cycle - 1,
                    notice=notice, deadlines=window.deadlines(datetime.now(UTC)),
                    link_expires_at=registrant.link_expires_at, me=registrant.id,
                    senders=senders, seen_field=drafts.SEEN_FIELD)
