"""The questionnaire pages of one municipality: a section per page, conflicts, reset, and
input kept when the session ended. (Review and sending are the delivery's pages.)

Every page costs one read (registrant + draft in one transaction) and a save one conditional
write on top."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..accounts import access as signed_in
from ..accounts import pending_input
from ..platform.formatting import format_number
from ..platform.instruments import WMO
from ..platform.models import PendingInput
from ..platform.municipalities import is_code
from ..web import csrf
from . import access, answers, drafts, editors, journey
from .definitions import Definition, Question, Section
from .journey import Scope, current_definition, section_path

ACTIONS = ("volgende", "vorige", "later", "controleren")
RESET_TITLE = "Alle antwoorden verwijderen"
KINDS = {"short_text": "Een kort antwoord in tekst", "long_text": "Een antwoord in tekst",
         "whole_number": "Een heel getal", "percentage": "Een percentage", "date": "Een datum",
         "date_range": "Een periode: van datum tot en met datum",
         "url": "Een webadres (https://…)"}
TOO_LARGE = ("Deze pagina is niet opgeslagen: al uw antwoorden samen zijn te lang om te bewaren. "
             "Uw invoer staat hieronder nog; maak de langste antwoorden korter en sla opnieuw op.")


def overview(request: Request, instrument: str = WMO) -> Response:
    """Every question of the current definition, before registering (no sign-in): printable,
    to share with the research agency that collects the answers."""
    definition = current_definition(instrument)
    return web.page(request, "questionnaire_overview.html",
                    title=f"De vragenlijst {definition.cycle}", definition=definition,
                    kinds=KINDS, condition_hint=lambda q: _condition_hint(definition, q))


def _section_or_404(definition: Definition, section_id: str) -> Section:
    section = definition.section(section_id)
    if section is None:
        raise web.HttpError(404)
    return section


def _section_page(request: Request, ctx: Scope, section: Section, raw: dict,
                  errors: dict[str, str], status: int = 200, back_to_review: bool = False,
                  saved: bool = False, version: int | None = None,
                  restored: str | None = None, cookies_out: list[str] | None = None) -> Response:
    definition = ctx.definition
    step, steps, previous, _ = journey.step_of(definition, raw, section)
    derived = answers.derived_values(definition, raw)
    version = version if version is not None else drafts.section_version(ctx.draft, section.id)
    return access.scope_page(
        request, ctx, "question_page.html", title=f"{section.title} – {ctx.municipality_name}",
        status=status, section=section, step=step, steps=steps, raw=raw,
        previous_path=section_path(ctx.municipality, previous.id, ctx.definition.instrument)
        if previous else None,
        errors=errors, back_to_review=back_to_review, saved=saved, version=version,
        restored=restored, cookies_out=cookies_out,
        keep_url=f"{section_path(ctx.municipality, section.id, definition.instrument)}/bewaren",
        typed_id=pending_input.typed_id(ctx.registrant.id, ctx.municipality, section.id,
                                        definition.instrument),
        show=lambda q: _shown(definition, section, q, raw),
        derived=[(d.label, format_number(derived[d.id]) + "%")
                 for d in definition.derived if d.id in derived and
                 definition.section_of(d.numerator) == section],
        condition_hint=lambda q: _condition_hint(definition, q))


def _shown(definition: Definition, section: Section, question: Question, raw: dict) -> bool:
    """Conditional questions whose condition sits on this same page are always shown (the
    page works without JavaScript); others only when their condition holds."""
    if question.show_if and any(q.id == question.show_if.question for q in section.questions):
        return True
    return answers.is_visible(definition, question, raw)


def _condition_hint(definition: Definition, question: Question) -> str | None:
    condition = question.show_if
    if condition is None:
        return None
    target = definition.question(condition.question)
    labels = {o.value: o.label for o in target.options}
    wanted = [condition.equals or condition.includes] if not condition.one_of \
        else list(condition.one_of)
    chosen = " of ".join(f"‘{labels.get(w, w)}’" for w in wanted if w)
    return f"Alleen invullen als u bij ‘{target.label}’ {chosen} koos."


def show_section(request: Request, code: str, section_id: str,
                 instrument: str = WMO) -> Response:
    ctx = access.scope(request, code, instrument=instrument)
    section = _section_or_404(ctx.definition, section_id)
    raw = ctx.raw
    # Errors show only for a page that was saved before, so a fresh page is not all red.
    errors = answers.evaluate(ctx.definition, raw, (section,))[1] \
        if drafts.section_version(ctx.draft, section.id) else {}
    params = web.query(request)
    back = params.get("terug") == "controleren"
    # input kept when a session ended (named in the URL), or typed and not saved when the
    # page was left (autosave; this browser's cookie names it, one per page)
    kept = pending_input.find(params.get("hersteld", "") or signed_in.kept_input_for(
        request, pending_input.page_tag(ctx.registrant.id, code, section.id, instrument)),
        ctx.registrant.id)
    if kept is not None and (kept.municipality, kept.section, kept.instrument or WMO) == (
            code, section.id, instrument):
        typed = drafts.raw_for_section(section, kept.fields)
        if any(raw.get(name, "" if not isinstance(value, list) else []) != value
               for name, value in typed.items()):
            raw = {**raw, **typed}
            errors = answers.evaluate(ctx.definition, raw, (section,))[1]
            return _section_page(request, ctx, section, raw, errors, back_to_review=back,
                                 version=int(kept.seen_version), restored=kept.id)
    return _section_page(request, ctx, section, raw, errors, back_to_review=back)


def keep_typed(request: Request, code: str, section_id: str,
               instrument: str = WMO) -> Response:
    """Autosave (the page's script, after a pause in typing and when the page is left): what
    is typed on the page is kept as unsaved input of this person, beside the shared draft and
    never in it; this browser's cookie names it, so opening the page or the personal link
    again offers it back (issue 24 §4). 204, or an error the script ignores."""
    form = web.forms.parse(request)
    if not csrf.is_valid(request, form.first(csrf.FIELD)):
        raise web.HttpError(403)
    registrant = signed_in.current(request)
    section = current_definition(instrument).section(section_id)
    if registrant is None:
        raise web.HttpError(401)
    if section is None or not is_code(code):
        raise web.HttpError(404)
    try:
        seen_version = int(form.first("versie") or "0")
    except ValueError:
        raise web.HttpError(400) from None
    names = {name for question in section.questions for name in question.input_names()}
    kept = pending_input.keep_typed(registrant.id, code, section.id,
                                    {k: v for k, v in form.fields.items() if k in names},
                                    seen_version, instrument)
    if kept is None:
        raise web.HttpError(404)
    return Response(body="", status_code=204, headers={"Set-Cookie": _remembered(request, kept)})


def _remembered(request: Request, kept: PendingInput) -> str:
    """The cookie naming `kept` for its page, beside what it names for other pages."""
    return signed_in.remember_kept_input(request, pending_input.tag_of(kept), kept.id)


def _keep_for_later(request: Request, code: str, section_id: str, form: web.Form,
                    status: int, instrument: str = WMO) -> Response:
    """The session ended (expired, signed out, ended everywhere, links revoked) or the form's
    security token went stale while this page was open: keep what was typed for the person
    whose (genuinely signed) session cookie came with it. It is only ever offered back to them,
    signed in, and saved only when they click save."""
    owner = signed_in.ended_claim(request)
    if owner is None or not is_code(code) or \
            current_definition(instrument).section(section_id) is None:
        raise web.HttpError(status)
    try:
        seen_version = int(form.first("versie") or "0")
    except ValueError:
        seen_version = 0
    kept = pending_input.keep(owner.registrant_id, code, section_id, form.fields, seen_version,
                              csrf_field=csrf.FIELD, instrument=instrument)
    if kept is None:  # erased, or not (any more) one of this municipality's representatives
        raise web.HttpError(status)
    cookie = _remembered(request, kept)
    if status == 403:  # still signed in: straight back to the page, input filled in
        return web.page(request, "message.html", status=403, title="Het formulier was verlopen",
                        next_steps=False, cookies_out=[cookie],
                        continue_to=pending_input.path_of(kept), paragraphs=[
                            "Om veiligheidsredenen konden wij deze pagina niet opslaan. Uw "
                            "invoer is niet verloren: wij hebben hem apart bewaard.",
                            "Ga terug naar de pagina en klik daar op opslaan."])
    return web.page(request, "message.html", status=401, title="U bent niet meer ingelogd",
                    next_steps=False, new_link=True, cookies_out=[cookie], paragraphs=[
                        "Uw invoer op deze pagina is niet verloren: wij hebben hem apart "
                        "bewaard.",
                        "Open de persoonlijke link uit uw e-mail opnieuw in deze browser. U "
                        "komt dan terug op deze pagina, met wat u had ingevuld. Klik daarna op "
                        "opslaan.",
                    ])


def save_section(request: Request, code: str, section_id: str,
                 instrument: str = WMO) -> Response:
    form = web.forms.parse(request)
    if not csrf.is_valid(request, form.first(csrf.FIELD)):
        return _keep_for_later(request, code, section_id, form, 403, instrument)
    if signed_in.claim(request) is None:
        return _keep_for_later(request, code, section_id, form, 401, instrument)
    try:
        ctx = access.scope(request, code, with_state=True, instrument=instrument)
    except web.HttpError as refused:
        if refused.status == 401:
            return _keep_for_later(request, code, section_id, form, 401, instrument)
        raise
    section = _section_or_404(ctx.definition, section_id)
    try:
        seen_version = int(form.first("versie") or "0")
    except ValueError:
        raise web.HttpError(400) from None
    overwrite = form.first("overschrijven") == "ja"
    result = drafts.save_section(ctx.registrant.id, code, ctx.definition, section, form.fields,
                                 seen_version, ctx.draft, overwrite=overwrite,
                                 based_on=int(ctx.state.last_sequence) if ctx.state else 0)
    back_to_review = form.first("terug") == "controleren"
    if isinstance(result, drafts.Conflict):
        return _conflict_page(request, ctx, section, form, result, back_to_review)
    if isinstance(result, drafts.TooLarge):
        typed = {**ctx.raw, **drafts.raw_for_section(section, form.fields)}
        first_field = section.questions[0].input_names()[0]
        return _section_page(request, ctx, section, typed, {first_field: TOO_LARGE}, status=413,
                             back_to_review=back_to_review, version=seen_version)
    ctx.draft = result
    cookies_out = None
    if form.first("hersteld"):  # kept input (and the autosave of this page) now saved
        saved_ids = {kept_id[:64] for kept_id in form.fields["hersteld"][:2]}
        for kept_id in saved_ids:
            pending_input.forget(kept_id, ctx.registrant.id)
        cookies_out = [signed_in.forget_kept_inputs(request, pending_input.page_tag(
            ctx.registrant.id, code, section.id, instrument), saved_ids)]
    raw = ctx.raw
    action = form.first("actie")
    if action not in ACTIONS:
        action = "volgende"
    errors = answers.evaluate(ctx.definition, raw, (section,))[1]
    _, _, previous, following = journey.step_of(ctx.definition, raw, section)
    if action == "later":
        return web.redirect(f"/start?opgeslagen={code}", cookies_out)
    if action == "vorige":
        return web.redirect(section_path(code, (previous or section).id, instrument),
                            cookies_out)
    if errors:
        # Saved exactly as typed; the user sees what to fix on the same page.
        return _section_page(request, ctx, section, raw, errors, status=400,
                             back_to_review=back_to_review, saved=True,
                             cookies_out=cookies_out)
    if back_to_review or action == "controleren" or following is None:
        return web.redirect(f"{ctx.base}/controleren", cookies_out)
    return web.redirect(section_path(code, following.id, instrument), cookies_out)


def _conflict_page(request: Request, ctx: Scope, section: Section, form: web.Form,
                   conflict: drafts.Conflict, back_to_review: bool) -> Response:
    mine = drafts.raw_for_section(section, form.fields)
    stored = dict(conflict.stored.answers or {}) if conflict.stored else {}
    differences = []
    for question in section.questions:
        names = question.input_names()
        if any(mine.get(n) != stored.get(n) for n in names):
            differences.append((question.label,
                                _as_text(stored, names), _as_text(mine, names)))
    ctx.draft = conflict.stored
    # who saved this page in between: a colleague is named with the time; only the person's
    # own save (another tab, the back button) is told as such
    saved = editors.last_edits(conflict.stored).get(section.id)
    return access.scope_page(request, ctx, "conflict.html", saved=saved,
                             saved_by_me=saved is not None
                             and saved.registrant_id == ctx.registrant.id,
                             title="Deze pagina is intussen gewijzigd", status=409,
                             section=section, mine=mine, differences=differences,
                             version=drafts.section_version(conflict.stored, section.id),
                             removed=conflict.stored is None, back_to_review=back_to_review,
                             section_path=section_path(ctx.municipality, section.id,
                                                       ctx.definition.instrument))


def _as_text(raw: dict, names: list[str]) -> str:
    parts = []
    for name in names:
        value = raw.get(name, "")
        parts.append(", ".join(value) if isinstance(value, list) else str(value))
    return " – ".join(p for p in parts if p.strip()) or "(leeg)"


def _reset_page(request: Request, ctx: Scope, status: int = 200,
                errors: dict[str, str] | None = None, notice: str | None = None) -> Response:
    """The confirmation names the colleagues who worked on the shared draft: their answers go
    too. Its form carries the draft version it showed: only that is removed."""
    return access.scope_page(request, ctx, "reset.html", title=RESET_TITLE, status=status,
                             has_draft=ctx.draft is not None, errors=errors or {},
                             colleagues=editors.others(editors.last_edits(ctx.draft),
                                                       ctx.registrant.id),
                             seen_field=drafts.SEEN_FIELD, seen=drafts.seen_mark(ctx.draft),
                             notice=notice)


def confirm_reset(request: Request, code: str, instrument: str = WMO) -> Response:
    return _reset_page(request, access.scope(request, code, instrument=instrument))


def reset(request: Request, code: str, instrument: str = WMO) -> Response:
    form = web.posted(request)
    ctx = access.scope(request, code, instrument=instrument)
    if form.first("bevestig") == "nee":
        return web.redirect("/start")
    if form.first("bevestig") != "ja":
        return _reset_page(request, ctx, status=400,
                           errors={"bevestig": "Kies of u alle antwoorden wilt verwijderen"})
    seen = drafts.parse_seen(form.first(drafts.SEEN_FIELD))
    if seen is None:
        return _reset_page(request, ctx, status=400, errors={"bevestig": (
            "Deze pagina was verouderd. Er is niets verwijderd. Bekijk hieronder wat er nu is "
            "ingevuld en kies opnieuw")})
    if ctx.draft is not None:
        changed = drafts.reset(ctx.draft, seen)
        if changed is not None and not changed.gone:  # gone: removed already, as asked
            fresh = access.scope(request, code, instrument=instrument)
            return _reset_page(request, fresh, status=409, notice=editors.describe_changes(
                changed, fresh.draft, ctx.definition, ctx.registrant.id,
                "u deze pagina opende", "Er is niets verwijderd.")
                + " Wilt u nu alles verwijderen? Kies dan opnieuw.")
    return web.redirect(f"/start?verwijderd={code}")
