"""The access check every page of one municipality's questionnaire starts with, and the page
frame those pages share (municipality name, personal code in the header)."""
from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from ..platform.models import Registrant
from ..platform.municipalities import is_code
from ..questionnaire import journey
from . import sessions
from .errors import HttpError
from .responses import page

NOT_SIGNED_IN = ("Uw sessie is verlopen of u bent niet ingelogd. Open de persoonlijke link uit "
                 "uw e-mail opnieuw; wat u had opgeslagen is bewaard.")
SESSION_ENDED = ("U bent niet meer ingelogd. Open de persoonlijke link uit uw e-mail opnieuw, "
                 "of vraag een nieuwe link aan via ‘Nieuwe link aanvragen’; wat u had "
                 "opgeslagen is bewaard.")


def scope(request: Request, code: str, with_state: bool = False) -> journey.Scope:
    """401 without a session or with one that ended, 404 for a municipality that is not
    theirs (the same 404 as for one that does not exist)."""
    claimed = sessions.claim(request)
    if claimed is None:
        raise HttpError(401, NOT_SIGNED_IN)
    try:
        return journey.open_scope(claimed, code, with_state=with_state)
    except journey.SessionEnded:
        raise HttpError(401, SESSION_ENDED) from None
    except journey.NotTheirs:
        raise HttpError(404) from None


def scope_page(request: Request, ctx: journey.Scope, template: str, title: str,
               status: int = 200, cookies_out: list[str] | None = None,
               **extra: Any) -> Response:
    return page(request, template, status=status, title=title, cookies_out=cookies_out,
                personal_code=ctx.registrant.personal_code, code=ctx.municipality,
                municipality_name=ctx.municipality_name, definition=ctx.definition, **extra)


def representative(request: Request, code: str) -> Registrant:
    """The signed-in registrant, who represents `code` (any cycle's pages of it, not only the
    questionnaire's): 401 without a session that holds, 404 for a municipality not theirs."""
    registrant = sessions.current(request)
    if registrant is None:
        raise HttpError(401, NOT_SIGNED_IN)
    if not is_code(code) or code not in registrant.municipalities:
        raise HttpError(404)
    return registrant
