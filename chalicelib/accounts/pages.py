"""The representative's own pages: registration, requesting a new link, following a link,
the start page with their municipalities, and signing out."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..delivery import four_eyes, history, views
from ..platform import config, outbox
from ..platform.models import Registrant
from ..platform.municipalities import by_province, municipalities
from ..platform.records import as_dict
from ..questionnaire import drafts, editors, journey, pending_input
from ..web import sessions
from ..web.errors import client_ip
from . import email_domains, links, rate_limits, registration
from .contact_fields import clean_email
from .links import LinkStatus
from .registration_form import MAX_MUNICIPALITIES, RegistrationForm, validate_registration


def _registration_page(request: Request, form: RegistrationForm,
                       status: int = 200) -> Response:
    year = config.municipality_year()
    provinces = by_province(year)
    known = municipalities(year)
    return web.page(request, "registration.html", status=status, title="Aanmelden",
                    form=form, errors=form.errors, provinces=provinces,
                    cycle=config.current_cycle(),
                    first_code=provinces[0][1][0].code,
                    chosen=[known[code].name for code in form.municipalities if code in known])


def show_registration(request: Request) -> Response:
    return _registration_page(request, RegistrationForm())


def submit_registration(request: Request) -> Response:
    form = web.posted(request)
    now = datetime.now(UTC)
    rate_limits.hit("register-ip", client_ip(request), config.rate_limit_per_ip(), now)
    result = validate_registration(form.fields, config.municipality_year())
    if result.cleaned is None:
        return _registration_page(request, result, status=400)
    rate_limits.hit("link-email", result.cleaned.email, config.rate_limit_per_email(), now)
    # The same work for a new and a known address (the worker registers, or adds to the
    # account): neither the page nor its timing tells which. The held list depends on the
    # address's domain only.
    outbox.enqueue({"kind": "register", "registration": as_dict(result.cleaned)})
    _, held = email_domains.split(result.cleaned.email, result.cleaned.municipalities)
    return web.redirect("/aangemeld?controle=" + ",".join(held) if held else "/aangemeld")


def registered(request: Request) -> Response:
    # Identical whether the address was new or known: no account enumeration.
    known = municipalities(config.municipality_year())
    held = [known[c].name for c in web.query(request).get("controle", "").split(",")
            if c in known]
    if held:
        return web.page(request, "message.html", title="Wij controleren uw aanmelding",
                        next_steps=False, paragraphs=[
                            "Uw e-mailadres hoort niet bij de bekende adressen van "
                            f"{', '.join(held)}. Daarom controleert de helpdesk eerst of u "
                            "namens deze gemeente mag aanleveren. Dat gebeurt binnen twee "
                            "werkdagen; u krijgt daarna een e-mail.",
                            "Voor gemeenten waarvoor uw adres wel bekend is, ontvangt u binnen "
                            "enkele minuten een e-mail met uw persoonlijke link.",
                        ])
    return web.page(request, "message.html", title="Controleer uw e-mail", next_steps=True,
                    paragraphs=[
                        "Wij hebben uw aanmelding ontvangen. U krijgt binnen enkele minuten een "
                        "e-mail met uw persoonlijke link en uw persoonlijke code.",
                        "Was u al aangemeld met dit e-mailadres? Dan voegen wij de gekozen "
                        "gemeenten toe aan uw account en sturen wij u een nieuwe link.",
                    ])


def show_new_link(request: Request, problem: str | None = None, status: int = 200,
                  title: str = "Nieuwe persoonlijke link aanvragen") -> Response:
    return web.page(request, "new_link.html", status=status, title=title, problem=problem,
                    email="", errors={})


def submit_new_link(request: Request) -> Response:
    form = web.posted(request)
    now = datetime.now(UTC)
    rate_limits.hit("link-ip", client_ip(request), config.rate_limit_per_ip(), now)
    email, error = clean_email(form.first("email"))
    if error:
        return web.page(request, "new_link.html", status=400,
                        title="Nieuwe persoonlijke link aanvragen", problem=None,
                        email=form.first("email"), errors={"email": error})
    rate_limits.hit("link-email", email, config.rate_limit_per_email(), now)
    outbox.enqueue({"kind": "new-link", "email": email})  # known or not: the same work
    return web.redirect("/link-aangevraagd")


def new_link_requested(request: Request) -> Response:
    return web.page(request, "message.html", title="Controleer uw e-mail", next_steps=True,
                    paragraphs=[
                        "Als dit e-mailadres bij ons bekend is, ontvangt u binnen enkele "
                        "minuten een e-mail met een nieuwe persoonlijke link. Eerdere links "
                        "blijven werken.",
                    ])


def follow_link(request: Request, token: str) -> Response:
    """Exchanges the token for a session cookie and moves to a URL without the token."""
    status, registrant = links.check(token)
    if status == LinkStatus.OK and registrant is not None:
        target = pending_input.restore_path(sessions.kept_input_id(request),
                                            registrant.id) or "/start"
        return web.redirect(target, cookies_out=[sessions.start(registrant)])
    if status == LinkStatus.EXPIRED:
        problem = ("Deze link is verlopen. Vraag hieronder een nieuwe link aan; wat u al had "
                   "ingevuld, blijft bewaard.")
    else:
        problem = ("Deze link werkt niet (meer). Misschien heeft u inmiddels een nieuwere link "
                   "gekregen, of is de link niet helemaal gekopieerd. Vraag hieronder een nieuwe "
                   "link aan.")
    return show_new_link(request, problem=problem,
                         status=410 if status == LinkStatus.EXPIRED else 404,
                         title="Deze link werkt niet")


def start(request: Request) -> Response:
    registrant = sessions.current(request)
    if registrant is None:
        return signed_out_page(request, status=401)
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
                    notice=notice,
                    link_expires_at=registrant.link_expires_at, me=registrant.id,
                    senders=senders)


def _add_page(request: Request, registrant: Registrant, selected: list[str],
              errors: dict[str, str], status: int = 200) -> Response:
    year = config.municipality_year()
    provinces = by_province(year)
    exclude = set(registrant.municipalities) | set(registrant.held_municipalities or ())
    first_code = next((m.code for _, items in provinces for m in items
                       if m.code not in exclude), "")
    known = municipalities(year)
    return web.page(request, "add_municipalities.html", status=status,
                    title="Gemeente toevoegen", personal_code=registrant.personal_code,
                    provinces=provinces, selected=selected, exclude=exclude, errors=errors,
                    first_code=first_code,
                    chosen=[known[code].name for code in selected if code in known])


def show_add_municipalities(request: Request) -> Response:
    registrant = sessions.current(request)
    if registrant is None:
        return signed_out_page(request, status=401)
    return _add_page(request, registrant, [], {})


def add_municipalities(request: Request) -> Response:
    form = web.posted(request)
    registrant = sessions.current(request)
    if registrant is None:
        return signed_out_page(request, status=401)
    chosen = list(dict.fromkeys(form.fields.get("gemeente") or []))
    known = municipalities(config.municipality_year())
    total = len(registrant.municipalities) + len(registrant.held_municipalities or ()) + \
        len(chosen)
    error = ("Kies minstens één gemeente" if not chosen else
             "Kies gemeenten uit de lijst" if any(code not in known for code in chosen) else
             f"U kunt voor maximaal {MAX_MUNICIPALITIES} gemeenten aanleveren"
             if total > MAX_MUNICIPALITIES else None)
    if error:
        return _add_page(request, registrant, [c for c in chosen if c in known],
                         {"gemeente": error}, status=400)
    added, held = registration.add_municipalities(registrant, chosen)
    query = "&".join(part for part in (
        "toegevoegd=" + ",".join(added) if added else "",
        "controle=" + ",".join(held) if held else "") if part)
    return web.redirect("/start" + (f"?{query}" if query else ""))


def signed_out_page(request: Request, status: int = 200) -> Response:
    return web.page(request, "message.html", status=status, title="U bent niet ingelogd",
                    next_steps=False, paragraphs=[
                        "Open de Aanlevermodule CEO met de persoonlijke link uit uw e-mail. "
                        "Wat u eerder heeft ingevuld, is bewaard.",
                        "Kunt u de e-mail niet meer vinden? Vraag dan een nieuwe link aan via "
                        "de pagina ‘Nieuwe link aanvragen’.",
                    ], new_link=True)


def sign_out(request: Request) -> Response:
    web.posted(request)
    sessions.sign_out(request)
    return web.redirect("/uitgelogd")


def sign_out_everywhere(request: Request) -> Response:
    """Ends every session of this person, on every device (links keep working)."""
    web.posted(request)
    if not sessions.sign_out_everywhere(request):
        return signed_out_page(request, status=401)
    return web.redirect("/uitgelogd?overal=ja")


def signed_out(request: Request) -> Response:
    everywhere = web.query(request).get("overal") == "ja"
    return web.page(request, "message.html", title="U bent uitgelogd", next_steps=False,
                    paragraphs=[
                        *(["U bent op al uw apparaten uitgelogd."] if everywhere else []),
                        "Wilt u verder gaan? Open dan opnieuw de persoonlijke link uit uw "
                        "e-mail. Wat u heeft ingevuld, is bewaard."])
