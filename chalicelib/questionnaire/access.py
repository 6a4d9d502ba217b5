"""The access check every page of one municipality's questionnaire (and its review and send)
starts with, and the page frame those pages share (municipality name, personal code in the
header)."""
from __future__ import annotations

from typing import Any

from chalice.app import Request, Response

from ..accounts import access as accounts_access
from ..platform import instruments
from ..web.errors import HttpError
from ..web.responses import page
from . import journey


def scope(request: Request, code: str, with_state: bool = False,
          instrument: str = instruments.WMO) -> journey.Scope:
    """This instrument's questionnaire of municipality `code`: 401 without a session or with
    one that ended, 404 for a municipality that is not theirs (the same 404 as for one that
    does not exist)."""
    claimed = accounts_access.claim(request)
    if claimed is None:
        raise accounts_access.not_signed_in(request)
    try:
        return journey.open_scope(claimed, code, with_state=with_state, instrument=instrument)
    except journey.SessionEnded:
        raise HttpError(401, accounts_access.SESSION_ENDED) from None
    except journey.NotTheirs:
        raise HttpError(404) from None


def scope_page(request: Request, ctx: journey.Scope, template: str, title: str,
               status: int = 200, cookies_out: list[str] | None = None,
               **extra: Any) -> Response:
    return page(request, template, status=status, title=title, cookies_out=cookies_out,
                personal_code=ctx.registrant.personal_code, code=ctx.municipality,
                municipality_name=ctx.municipality_name, definition=ctx.definition,
                base=ctx.base, instrument=ctx.instrument, **extra)
