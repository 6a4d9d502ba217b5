"""Pages before sign-in: registration, requesting a new link, and following a link."""
from __future__ import annotations

from datetime import datetime, timezone

from chalice.app import Request, Response

from . import config, questionnaire_pages, ratelimit, registration, sessions, web
from .contact_fields import clean_email
from .municipalities import by_province, municipalities

def _registration_page(request: Request, form: registration.RegistrationForm,
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
    return _registration_page(request, registration.RegistrationForm())


def submit_registration(request: Request) -> Response:
    form = web.parse_form(request)
    web.check_csrf(request, form)
    now = datetime.now(timezone.utc)
    ratelimit.hit("register-ip", web.client_ip(request), config.rate_limit_per_ip(), now)
    result = registration.validate_registration(form.fields, config.municipality_year())
    if result.cleaned is None:
        return _registration_page(request, result, status=400)
    ratelimit.hit("link-email", result.cleaned.email, config.rate_limit_per_email(), now)
    _, held = registration.register(result.cleaned)
    # Depends on the address's domain only, never on whether it was known: no enumeration.
    return web.redirect("/aangemeld?controle=" + ",".join(held) if held else "/aangemeld")


def registered(request: Request) -> Response:
    # Identical whether the address was new or known: no account enumeration.
    known = municipalities(config.municipality_year())
    held = [known[c].name for c in ((request.query_params or {}).get("controle") or "").split(",")
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
    form = web.parse_form(request)
    web.check_csrf(request, form)
    now = datetime.now(timezone.utc)
    ratelimit.hit("link-ip", web.client_ip(request), config.rate_limit_per_ip(), now)
    email, error = clean_email(form.first("email"))
    if error:
        return web.page(request, "new_link.html", status=400,
                        title="Nieuwe persoonlijke link aanvragen", problem=None,
                        email=form.first("email"), errors={"email": error})
    ratelimit.hit("link-email", email, config.rate_limit_per_email(), now)
    registration.request_new_link(email)
    return web.redirect("/link-aangevraagd")


def new_link_requested(request: Request) -> Response:
    return web.page(request, "message.html", title="Controleer uw e-mail", next_steps=True,
                    paragraphs=[
                        "Als dit e-mailadres bij ons bekend is, ontvangt u binnen enkele "
                        "minuten een e-mail met een nieuwe persoonlijke link. Uw vorige link "
                        "werkt niet meer.",
                    ])


def follow_link(request: Request, token: str) -> Response:
    """Exchanges the token for a session cookie and moves to a URL without the token."""
    status, registrant = registration.check_link(token)
    if status == registration.LINK_OK and registrant is not None:
        target = questionnaire_pages.restore_target(request, registrant) or "/start"
        return web.redirect(target, cookies_out=[sessions.start(registrant)])
    if status == registration.LINK_EXPIRED:
        problem = ("Deze link is verlopen. Vraag hieronder een nieuwe link aan; wat u al had "
                   "ingevuld, blijft bewaard.")
    else:
        problem = ("Deze link werkt niet (meer). Misschien heeft u inmiddels een nieuwere link "
                   "gekregen, of is de link niet helemaal gekopieerd. Vraag hieronder een nieuwe "
                   "link aan.")
    return show_new_link(request, problem=problem, status=410 if status == registration.LINK_EXPIRED else 404,
                         title="Deze link werkt niet")
