"""Pages for a signed-in representative."""
from __future__ import annotations

from chalice.app import Request, Response

from . import config, sessions, web
from .municipalities import municipalities
from .registration_pages import CYCLE_LABEL

NOT_STARTED = "Nog niet begonnen"


def start(request: Request) -> Response:
    registrant = sessions.current(request)
    if registrant is None:
        return signed_out_page(request, status=401)
    known = municipalities(config.municipality_year())
    rows = sorted(({"code": code, "name": known[code].name if code in known else code,
                    "status": NOT_STARTED} for code in registrant.municipalities),
                  key=lambda row: row["name"].casefold())
    return web.page(request, "start.html", title="Uw aanleveringen", name=registrant.name,
                    personal_code=registrant.personal_code, rows=rows, cycle=CYCLE_LABEL,
                    link_expires_at=registrant.link_expires_at)


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
