"""Starting a municipality's answers from another municipality's (issue 24 §4): a shared
service delivering for several picks one of its other municipalities' draft or delivery of
this cycle; the page names what is copied and what never is, and asks before it writes into
a draft that exists already (a colleague may have started it)."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..delivery import history
from ..platform import config
from ..platform.municipalities import municipalities
from ..platform.records import Record
from ..questionnaire import access, copying, drafts, editors, journey
from ..questionnaire.journey import Scope

SOURCE_FIELD = "bron"
CONFIRM_FIELD = "vervangen"


class Source(Record, frozen=True):
    """One draft or delivery another municipality of this person has in this cycle."""

    value: str  # the form's value: "concept:GM0034" or "aanlevering:GM0034"
    code: str
    name: str
    text: str  # how the page names it
    raw: dict


def _sources(ctx: Scope) -> list[Source]:
    known = municipalities(config.municipality_year())
    others = sorted((c for c in ctx.registrant.municipalities if c != ctx.municipality),
                    key=lambda c: (known[c].name if c in known else c).casefold())
    cycle = ctx.definition.cycle
    found_drafts = drafts.drafts_for(others, cycle)
    found = []
    for code in others:
        name = known[code].name if code in known else code
        draft = found_drafts.get(code)
        if draft is not None and copying.values_to_copy(ctx.definition, draft.answers or {}):
            edit = editors.latest(editors.last_edits(draft))
            when = f", laatst gewijzigd door {edit.name}" if edit else ""
            found.append(Source(f"concept:{code}", code, name, f"Het concept van {name}{when}",
                                dict(draft.answers or {})))
        counting = history.counting(history.history(code, cycle))
        if counting is not None and copying.values_to_copy(ctx.definition, counting.raw or {}):
            found.append(Source(f"aanlevering:{code}", code, name,
                                f"Aanlevering {counting.delivery_id} van {name} (telt nu)",
                                dict(counting.raw or {})))
    return found


def _page(request: Request, ctx: Scope, status: int = 200, error: str | None = None,
          chosen: str = "", done: str | None = None) -> Response:
    edit = editors.latest(editors.last_edits(ctx.draft))
    return access.scope_page(
        request, ctx, "copy.html", title=f"Antwoorden overnemen – {ctx.municipality_name}",
        status=status, sources=_sources(ctx), copied=copying.copied_questions(ctx.definition),
        not_copied=copying.not_copied(ctx.definition), draft=ctx.draft, last_edit=edit,
        me=ctx.registrant.id, error=error, chosen=chosen, done=done,
        source_field=SOURCE_FIELD, confirm_field=CONFIRM_FIELD,
        seen_field=drafts.SEEN_FIELD, seen=drafts.seen_mark(ctx.draft),
        resume=journey.resume_path(ctx.definition, ctx.municipality, ctx.draft))


def show(request: Request, code: str) -> Response:
    ctx = access.scope(request, code)
    known = municipalities(config.municipality_year())
    done = web.query(request).get("overgenomen", "")
    return _page(request, ctx, done=known[done].name if done in known else None)


def copy(request: Request, code: str) -> Response:
    form = web.posted(request)
    ctx = access.scope(request, code)
    chosen = form.first(SOURCE_FIELD)
    source = next((s for s in _sources(ctx) if s.value == chosen), None)
    seen = drafts.parse_seen(form.first(drafts.SEEN_FIELD))
    if seen is None:
        raise web.HttpError(400)
    if source is None:
        return _page(request, ctx, status=400, chosen=chosen,
                     error="Kies van welke gemeente u de antwoorden overneemt.")
    if ctx.draft is not None and form.first(CONFIRM_FIELD) != "ja":
        return _page(request, ctx, status=400, chosen=chosen,
                     error=f"Er is al een concept voor {ctx.municipality_name}. Bevestig dat "
                           "u daarin de antwoorden op deze vragen wilt vervangen.")
    result = copying.copy_into(ctx.draft, seen, ctx.registrant.id, code, ctx.definition,
                               copying.values_to_copy(ctx.definition, source.raw))
    if isinstance(result, drafts.Changed):
        fresh = access.scope(request, code)
        return _page(request, fresh, status=409, chosen=chosen, error=(
            f"Het concept voor {ctx.municipality_name} is intussen gewijzigd door een collega. "
            "Er is niets overgenomen. Bekijk het concept hieronder en kies opnieuw."))
    return web.redirect(f"/gemeente/{code}/overnemen-van?overgenomen={source.code}")
