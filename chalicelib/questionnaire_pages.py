"""The questionnaire pages of one municipality: a section per page, review, reset, conflicts.

Every page costs one read (registrant + draft in one transaction) and a save one conditional
write on top."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from chalice.app import Request, Response

from . import answer_display, answers, config, drafts, pending_input, sessions, web
from .models import Draft, Registrant, ScopeState
from .municipalities import municipalities
from .questionnaire import Definition, Section, load

_CODE = re.compile(r"^GM\d{4}$")
ACTIONS = ("volgende", "vorige", "later", "controleren")


def current_definition() -> Definition:
    return load(config.questionnaire_instrument(), config.current_cycle())


@dataclass
class Context:
    registrant: Registrant
    municipality: str
    municipality_name: str
    definition: Definition
    draft: Draft | None
    state: ScopeState | None = None

    @property
    def raw(self) -> dict:
        return dict(self.draft.answers or {}) if self.draft else {}


def load_context(request: Request, code: str, with_state: bool = False) -> Context:
    """Who is asking and about which municipality; 401 without a session, 404 for a
    municipality that is not theirs (the same 404 as for one that does not exist)."""
    claimed = sessions.claim(request)
    if claimed is None:
        raise web.HttpError(401, "Uw sessie is verlopen of u bent niet ingelogd. Open de "
                                 "persoonlijke link uit uw e-mail opnieuw; wat u had opgeslagen "
                                 "is bewaard.")
    if not _CODE.match(code):
        raise web.HttpError(404)
    definition = current_definition()
    registrant, draft, state = drafts.load_with_registrant(claimed[0], code, definition.cycle,
                                                           with_state=with_state)
    registrant = sessions.confirm(registrant, claimed)
    if registrant is None:
        raise web.HttpError(401, "Uw link werkt niet meer. Vraag een nieuwe link aan via "
                                 "‘Nieuwe link aanvragen’; wat u had opgeslagen is bewaard.")
    if code not in registrant.municipalities:
        raise web.HttpError(404)
    name = municipalities(config.municipality_year())[code].name
    return Context(registrant, code, name, definition, draft, state)


def _section_or_404(definition: Definition, section_id: str) -> Section:
    section = definition.section(section_id)
    if section is None:
        raise web.HttpError(404)
    return section


def _page(request: Request, ctx: Context, template: str, title: str, status: int = 200,
          cookies_out: list[str] | None = None, **extra) -> Response:
    return web.page(request, template, status=status, title=title, cookies_out=cookies_out,
                    personal_code=ctx.registrant.personal_code, code=ctx.municipality,
                    municipality_name=ctx.municipality_name, definition=ctx.definition, **extra)


def _section_page(request: Request, ctx: Context, section: Section, raw: dict,
                  errors: dict[str, str], status: int = 200, back_to_review: bool = False,
                  saved: bool = False, version: int | None = None,
                  restored: str | None = None, cookies_out: list[str] | None = None) -> Response:
    definition = ctx.definition
    index = definition.sections.index(section)
    derived = answers.derived_values(definition, raw)
    return _page(request, ctx, "question_page.html",
                 title=f"{section.title} – {ctx.municipality_name}", status=status,
                 section=section, step=index + 1, steps=len(definition.sections), raw=raw,
                 errors=errors, back_to_review=back_to_review, saved=saved,
                 version=version if version is not None else
                 drafts.section_version(ctx.draft, section.id),
                 restored=restored, cookies_out=cookies_out,
                 show=lambda q: _shown(definition, section, q, raw),
                 derived=[(d.label, answers.format_number(derived[d.id]) + "%")
                          for d in definition.derived if d.id in derived and
                          definition.section_of(d.numerator) == section],
                 condition_hint=lambda q: _condition_hint(definition, q))


def _shown(definition: Definition, section: Section, question, raw: dict) -> bool:
    """Conditional questions whose condition sits on this same page are always shown (the
    page works without JavaScript); others only when their condition holds."""
    if question.show_if and any(q.id == question.show_if.question for q in section.questions):
        return True
    return answers.is_visible(definition, question, raw)


def _condition_hint(definition: Definition, question) -> str | None:
    condition = question.show_if
    if condition is None:
        return None
    target = definition.question(condition.question)
    labels = {o.value: o.label for o in target.options}
    wanted = condition.equals or condition.includes or " of ".join(condition.one_of or ())
    return f"Alleen invullen als u bij ‘{target.label}’ ‘{labels.get(wanted, wanted)}’ koos."


def show_section(request: Request, code: str, section_id: str) -> Response:
    ctx = load_context(request, code)
    section = _section_or_404(ctx.definition, section_id)
    raw = ctx.raw
    # Errors show only for a page that was saved before, so a fresh page is not all red.
    errors = answers.evaluate(ctx.definition, raw, (section,))[1] \
        if drafts.section_version(ctx.draft, section.id) else {}
    params = request.query_params or {}
    back = params.get("terug") == "controleren"
    kept = pending_input.find(params.get("hersteld", ""), ctx.registrant.id)
    if kept is not None and (kept.municipality, kept.section) == (code, section.id):
        raw = {**raw, **drafts.raw_for_section(section, kept.fields)}
        errors = answers.evaluate(ctx.definition, raw, (section,))[1]
        return _section_page(request, ctx, section, raw, errors, back_to_review=back,
                             version=int(kept.seen_version), restored=kept.id)
    return _section_page(request, ctx, section, raw, errors, back_to_review=back)


def _keep_for_later(request: Request, code: str, section_id: str, form: web.Form) -> Response:
    """The session expired while this page was open: keep what was typed for its owner."""
    owner = sessions.expired_claim(request)
    if owner is None or not _CODE.match(code) or current_definition().section(section_id) is None:
        raise web.HttpError(401)
    try:
        seen_version = int(form.first("versie") or "0")
    except ValueError:
        seen_version = 0
    kept = pending_input.keep(owner[0], code, section_id, form.fields, seen_version)
    return web.page(request, "message.html", status=401, title="Uw sessie is verlopen",
                    next_steps=False, new_link=True, cookies_out=[
                        web.set_cookie(pending_input.COOKIE, kept.id,
                                       int(pending_input.KEEP_FOR.total_seconds()))],
                    paragraphs=[
                        "Uw invoer op deze pagina is niet verloren: wij hebben hem apart "
                        "bewaard.",
                        "Open de persoonlijke link uit uw e-mail opnieuw in deze browser. U "
                        "komt dan terug op deze pagina, met wat u had ingevuld. Klik daarna op "
                        "opslaan.",
                    ])


def restore_target(request: Request, registrant: Registrant) -> str | None:
    """After signing in again: the page whose input was kept when the session expired."""
    pending_id = web.cookies(request).get(web.cookie_name(pending_input.COOKIE))
    kept = pending_input.find(pending_id or "", registrant.id)
    if kept is None:
        return None
    return f"/gemeente/{kept.municipality}/vragen/{kept.section}?hersteld={kept.id}"


def save_section(request: Request, code: str, section_id: str) -> Response:
    form = web.parse_form(request)
    web.check_csrf(request, form)
    if sessions.claim(request) is None:
        return _keep_for_later(request, code, section_id, form)
    ctx = load_context(request, code)
    section = _section_or_404(ctx.definition, section_id)
    try:
        seen_version = int(form.first("versie") or "0")
    except ValueError:
        raise web.HttpError(400)
    overwrite = form.first("overschrijven") == "ja"
    result = drafts.save_section(ctx.registrant.id, code, ctx.definition, section, form.fields,
                                 seen_version, ctx.draft, overwrite=overwrite)
    back_to_review = form.first("terug") == "controleren"
    if isinstance(result, drafts.Conflict):
        return _conflict_page(request, ctx, section, form, result, back_to_review)
    ctx.draft = result
    cookies_out = None
    if form.first("hersteld"):
        pending_input.forget(form.first("hersteld")[:64])
        cookies_out = [web.clear_cookie(pending_input.COOKIE)]
    raw = ctx.raw
    action = form.first("actie")
    if action not in ACTIONS:
        action = "volgende"
    errors = answers.evaluate(ctx.definition, raw, (section,))[1]
    index = ctx.definition.sections.index(section)
    if action == "later":
        return web.redirect(f"/start?opgeslagen={code}", cookies_out)
    if action == "vorige":
        target = ctx.definition.sections[max(0, index - 1)]
        return web.redirect(_section_path(code, target), cookies_out)
    if errors:
        # Saved exactly as typed; the user sees what to fix on the same page.
        return _section_page(request, ctx, section, raw, errors, status=400,
                             back_to_review=back_to_review, saved=True,
                             cookies_out=cookies_out)
    if back_to_review or action == "controleren" or index + 1 == len(ctx.definition.sections):
        return web.redirect(f"/gemeente/{code}/controleren", cookies_out)
    return web.redirect(_section_path(code, ctx.definition.sections[index + 1]), cookies_out)


def _section_path(code: str, section: Section) -> str:
    return f"/gemeente/{code}/vragen/{section.id}"


def _conflict_page(request: Request, ctx: Context, section: Section, form: web.Form,
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
    return _page(request, ctx, "conflict.html", title="Deze pagina is intussen gewijzigd",
                 status=409, section=section, mine=mine, differences=differences,
                 version=drafts.section_version(conflict.stored, section.id),
                 removed=conflict.stored is None, back_to_review=back_to_review,
                 section_path=_section_path(ctx.municipality, section))


def _as_text(raw: dict, names: list[str]) -> str:
    parts = []
    for name in names:
        value = raw.get(name, "")
        parts.append(", ".join(value) if isinstance(value, list) else str(value))
    return " – ".join(p for p in parts if p.strip()) or "(leeg)"


def review(request: Request, code: str) -> Response:
    return review_page(request, load_context(request, code))


def review_page(request: Request, ctx: Context, send_errors: dict[str, str] | None = None,
                status: int = 200, notice: str | None = None) -> Response:
    from . import deliveries

    raw = ctx.raw
    summaries = answer_display.summarise(ctx.definition, raw)
    problems = [(summary.section, item) for summary in summaries for item in summary.items
                if item.errors]
    return _page(request, ctx, "review.html", title=f"Controleer uw antwoorden – "
                 f"{ctx.municipality_name}", status=status, summaries=summaries,
                 problems=problems, started=ctx.draft is not None,
                 window=deliveries.window(datetime.now(timezone.utc)),
                 sent=ctx.draft is not None and ctx.draft.status == "verzonden",
                 errors=send_errors or {}, confirm_field=deliveries.CONFIRM_FIELD,
                 notice=notice)


def confirm_reset(request: Request, code: str) -> Response:
    ctx = load_context(request, code)
    return _page(request, ctx, "reset.html", title="Alle antwoorden verwijderen",
                 has_draft=ctx.draft is not None)


def reset(request: Request, code: str) -> Response:
    form = web.parse_form(request)
    web.check_csrf(request, form)
    ctx = load_context(request, code)
    if form.first("bevestig") == "nee":
        return web.redirect("/start")
    if form.first("bevestig") != "ja":
        return _page(request, ctx, "reset.html", title="Alle antwoorden verwijderen",
                     status=400, has_draft=ctx.draft is not None,
                     errors={"bevestig": "Kies of u alle antwoorden wilt verwijderen"})
    if ctx.draft is not None:
        drafts.reset(ctx.draft)
    return web.redirect(f"/start?verwijderd={code}")


def resume_path(definition: Definition, code: str, draft: Draft | None) -> str:
    """Where "verder waar u gebleven was" leads: the first page with a missing or invalid
    answer, or the review page when nothing is missing."""
    raw = dict(draft.answers or {}) if draft else {}
    for section_id, errors in answers.section_errors(definition, raw).items():
        if errors:
            return f"/gemeente/{code}/vragen/{section_id}"
    return f"/gemeente/{code}/controleren"


def progress(definition: Definition, draft: Draft) -> int:
    """How many sections are complete (saved, nothing missing or invalid)."""
    raw = dict(draft.answers or {})
    errors = answers.section_errors(definition, raw)
    return sum(1 for s in definition.sections
               if not errors[s.id] and drafts.section_version(draft, s.id))
