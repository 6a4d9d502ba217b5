"""Pages for a signed-in representative."""
from __future__ import annotations

from chalice.app import Request, Response

from . import config, deliveries, drafts, questionnaire_pages, send_pages, sessions, web
from .municipalities import municipalities


def start(request: Request) -> Response:
    registrant = sessions.current(request)
    if registrant is None:
        return signed_out_page(request, status=401)
    known = municipalities(config.municipality_year())
    definition = questionnaire_pages.current_definition()
    by_code = {d.municipality: d for d in drafts.drafts_of(registrant.id)
               if d.cycle == definition.cycle}
    rows = []
    for code in registrant.municipalities:
        draft = by_code.get(code)
        history = deliveries.history(code, definition.cycle)
        current = deliveries.counting(history)
        rows.append({
            "code": code, "name": known[code].name if code in known else code,
            "draft": draft, "history": history, "counting": current,
            "prefill": None if draft else send_pages.prefill_source(code, definition.cycle,
                                                                    history),
            "done": questionnaire_pages.progress(definition, draft) if draft else 0,
            "resume": questionnaire_pages.resume_path(definition, code, draft),
        })
    rows.sort(key=lambda row: row["name"].casefold())
    params = request.query_params or {}
    notice = None
    if params.get("opgeslagen") in known:
        notice = (f"Uw antwoorden voor {known[params['opgeslagen']].name} zijn opgeslagen. "
                  f"U kunt later verder gaan met de link uit uw e-mail.")
    elif params.get("verwijderd") in known:
        notice = f"Alle ingevulde antwoorden voor {known[params['verwijderd']].name} zijn verwijderd."
    return web.page(request, "start.html", title="Uw aanleveringen", name=registrant.name,
                    personal_code=registrant.personal_code, rows=rows,
                    cycle=definition.cycle, measurement_year=definition.cycle - 1,
                    steps=len(definition.sections), notice=notice,
                    link_expires_at=registrant.link_expires_at, me=registrant.id)


def signed_out_page(request: Request, status: int = 200) -> Response:
    return web.page(request, "message.html", status=status, title="U bent niet ingelogd",
                    next_steps=False, paragraphs=[
                        "Open de Aanlevermodule CEO met de persoonlijke link uit uw e-mail. "
                        "Wat u eerder heeft ingevuld, is bewaard.",
                        "Kunt u de e-mail niet meer vinden? Vraag dan een nieuwe link aan via "
                        "de pagina ‘Nieuwe link aanvragen’.",
                    ], new_link=True)


def sign_out(request: Request) -> Response:
    form = web.parse_form(request)
    web.check_csrf(request, form)
    return web.redirect("/uitgelogd", cookies_out=[sessions.end()])


def signed_out(request: Request) -> Response:
    return web.page(request, "message.html", title="U bent uitgelogd", next_steps=False,
                    paragraphs=["Wilt u verder gaan? Open dan opnieuw de persoonlijke link uit "
                                "uw e-mail. Wat u heeft ingevuld, is bewaard."])
