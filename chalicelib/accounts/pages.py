"""The representative's own pages: registration, requesting a new link, following a link,
the start page with their municipalities, and signing out."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..platform import config, outbox, rate_limits
from ..platform.models import Registrant
from ..platform.municipalities import by_province, municipalities
from ..platform.records import as_dict
from ..web.errors import client_ip
from . import access, email_domains, links, pending_input, registration
from .contact_fields import clean_email, mailbox
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


def _per_address(scope: str, email: str, ip: str, now: datetime) -> None:
    """Registrations and new-link requests each have their own budget per mailbox, counted per
    network address: what someone else types with your address, from elsewhere, does not use
    up yours. A ceiling per mailbox over all network addresses still keeps it from being
    flooded with mail."""
    limit = config.rate_limit_per_email()
    rate_limits.hit(f"{scope}-email", f"{mailbox(email)}|{ip}", limit, now)
    rate_limits.hit(f"{scope}-email-all", mailbox(email), 4 * limit, now)


def submit_registration(request: Request) -> Response:
    form = web.posted(request)
    now = datetime.now(UTC)
    rate_limits.hit("register-ip", client_ip(request), config.rate_limit_per_ip(), now)
    result = validate_registration(form.fields, config.municipality_year())
    if result.cleaned is None:
        return _registration_page(request, result, status=400)
    _per_address("register", result.cleaned.email, client_ip(request), now)
    # The same work for a new and a known address (the worker registers, or adds to the
    # account): neither the page nor its timing tells which. The held list depends on the
    # address's domain only.
    _, held = email_domains.split(result.cleaned.email, result.cleaned.municipalities)
    if len(held) > registration.MAX_HELD:
        result.errors["gemeente"] = (
            f"Uw e-mailadres hoort niet bij {len(held)} van de gekozen gemeenten. De helpdesk "
            f"controleert hoogstens {registration.MAX_HELD} gemeenten per aanmelding: kies er "
            "minder, of meld u aan met het e-mailadres van de gemeente")
        return _registration_page(request, result, status=400)
    outbox.enqueue({"kind": "register", "registration": as_dict(result.cleaned)})
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
    _per_address("link", email, client_ip(request), now)
    outbox.enqueue({"kind": "new-link", "email": email})  # known or not: the same work
    return web.redirect("/link-aangevraagd")


def new_link_requested(request: Request) -> Response:
    return web.page(request, "message.html", title="Controleer uw e-mail", next_steps=True,
                    paragraphs=[
                        "Als dit e-mailadres bij ons bekend is, ontvangt u binnen enkele "
                        "minuten een e-mail met een nieuwe persoonlijke link. Eerdere links "
                        "blijven ook werken. Is een link in verkeerde handen gekomen? Dan kan "
                        "alleen de helpdesk uw links intrekken.",
                    ])


def follow_link(request: Request, token: str) -> Response:
    """Exchanges the token for a session cookie and moves to a URL without the token."""
    status, registrant = links.check(token)
    if status == LinkStatus.OK and registrant is not None:
        target = pending_input.restore_path(
            [i for _, i in access.kept_inputs(request)], registrant.id) \
            or access.page_to_return_to(request, registrant) or "/start"
        return web.redirect(target, cookies_out=[access.start(registrant),
                                                 access.forget_page()])
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
    registrant = access.current(request)
    if registrant is None:
        return access.signed_out_page(request, status=401)
    return _add_page(request, registrant, [], {})


def add_municipalities(request: Request) -> Response:
    form = web.posted(request)
    registrant = access.current(request)
    if registrant is None:
        return access.signed_out_page(request, status=401)
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
    try:
        added, held = registration.add_municipalities(registrant, chosen)
    except registration.TooManyHeld:
        return _add_page(request, registrant, chosen, {"gemeente": (
            "Voor zoveel gemeenten waar uw e-mailadres niet bij hoort, kan de helpdesk niet "
            f"tegelijk controleren (hoogstens {registration.MAX_HELD} wachten tegelijk). Kies "
            "er minder, of wacht tot de helpdesk de eerdere heeft gecontroleerd")}, status=400)
    query = "&".join(part for part in (
        "toegevoegd=" + ",".join(added) if added else "",
        "controle=" + ",".join(held) if held else "") if part)
    return web.redirect("/start" + (f"?{query}" if query else ""))


def sign_out(request: Request) -> Response:
    web.posted(request)
    access.sign_out(request)
    return web.redirect("/uitgelogd")


def sign_out_everywhere(request: Request) -> Response:
    """Ends every session of this person, on every device (links keep working)."""
    web.posted(request)
    if not access.sign_out_everywhere(request):
        return access.signed_out_page(request, status=401)
    return web.redirect("/uitgelogd?overal=ja")


def signed_out(request: Request) -> Response:
    everywhere = web.query(request).get("overal") == "ja"
    return web.page(request, "message.html", title="U bent uitgelogd", next_steps=False,
                    paragraphs=[
                        *(["U bent op al uw apparaten uitgelogd."] if everywhere else []),
                        "Wilt u verder gaan? Open dan opnieuw de persoonlijke link uit uw "
                        "e-mail. Wat u heeft ingevuld, is bewaard."])
