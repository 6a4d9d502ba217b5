"""The start page ("Uw aanleveringen"): for each municipality the representative serves, the
shared draft, the deliveries and which counts, four-eyes roles, and where to go on. It
composes accounts, questionnaire and delivery, so it lives in a package of its own."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalice.app import Request, Response

from .. import web
from ..accounts import access
from ..delivery import four_eyes, history, views, window
from ..platform import config, instruments
from ..platform.models import Delivery, Draft, ScopeState, get_together
from ..platform.municipalities import municipalities
from ..questionnaire import drafts, editors, journey
from ..questionnaire.definitions import Definition


def _publication_moments(histories: dict[tuple[str, str], list[Delivery]]
                         ) -> dict[tuple[str, str], datetime]:
    """{(code, instrument): moment} where the delivery that counts waits for its publication
    moment: it counts for the helpdesk already, but the site shows it only from then. States
    are read only for deliveries with a moment (one request for all of them)."""
    counting = {key: history.counting(sent) for key, sent in histories.items()}
    wanted = sorted(key for key, d in counting.items() if d is not None and d.publish_at)
    states = get_together(*((ScopeState, str(getattr(counting[key], "scope", "")), None)
                            for key in wanted)) if wanted else []
    found = {key: history.waiting_for_moment(counting[key], state)
             for key, state in zip(wanted, states, strict=True)}
    return {key: moment for key, moment in found.items() if moment is not None}


def _part(code: str, definition: Definition, draft: Draft | None, sent: list[Delivery],
          edits: dict, publish_at: datetime | None) -> dict[str, Any]:
    """One instrument of one municipality: its draft, deliveries and what to do next."""
    counting = history.counting(sent)
    return {
        "instrument": instruments.get(definition.instrument), "code": code,
        "base": instruments.base_path(code, definition.instrument),
        "standings": {d.delivery_id: views.standing_of(d, counting, sent[0]) for d in sent},
        "newest": sent[0] if sent else None, "last_edit": editors.latest(edits),
        "draft": draft, "history": sent, "counting": counting, "publish_at": publish_at,
        "withdrawn": history.withdrawn_draft(draft, sent), "seen": drafts.seen_mark(draft),
        "prefill": None if draft else history.prefill_source(code, definition.cycle, sent,
                                                             definition.instrument),
        "progress": journey.progress(definition, draft),
        "resume": journey.resume_path(definition, code, draft),
        "deadlines": window.deadlines(datetime.now(UTC), definition.instrument),
    }


def show(request: Request) -> Response:
    """Every municipality of the signed-in representative, per instrument (CEO Wmo, CEO
    Jeugd: a municipality delivers either or both): its draft, deliveries, four-eyes role and
    what to do next."""
    registrant = access.current(request)
    if registrant is None:
        return access.signed_out_page(request, status=401)
    known = municipalities(config.municipality_year())
    definitions = [journey.current_definition(instrument) for instrument in instruments.IDS]
    definition = definitions[0]
    codes = registrant.municipalities
    by_key = {(code, d.instrument): draft for d in definitions
              for code, draft in drafts.drafts_for(codes, d.cycle, d.instrument).items()}
    histories = {(code, d.instrument): history.history(code, d.cycle, d.instrument)
                 for code in codes for d in definitions}
    senders = editors.names(sorted({d.registrant_id for sent in histories.values()
                                    for d in sent}))
    roles = four_eyes.for_registrant(sorted(codes), registrant.id)
    moments = _publication_moments(histories)
    rows = []
    for code in codes:
        parts = [_part(code, d, by_key.get((code, d.instrument)),
                       histories[(code, d.instrument)],
                       editors.last_edits(by_key[(code, d.instrument)])
                       if (code, d.instrument) in by_key else {},
                       moments.get((code, d.instrument))) for d in definitions]
        rows.append({"four_eyes": roles[code][0], "coordinator": roles[code][1],
                     "code": code, "name": known[code].name if code in known else code,
                     "parts": parts})
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
