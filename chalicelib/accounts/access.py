"""Who is signed in as a representative, and what they may see: the session is a signed
claim (web/cookies.py) checked against the registrant on every request (accounts/signins.py).

The cookie outlives its signature on purpose: the browser keeps sending an expired or
signed-out session's cookie for 30 days, so that a page posted after the session ended can
still be kept for the person it belongs to (never to show or change anything)."""
from __future__ import annotations

import re

from chalice.app import Request, Response

from ..platform import config
from ..platform.models import Registrant
from ..platform.municipalities import is_code
from ..web import cookies
from ..web.cookies import SignedCookie
from ..web.errors import HttpError
from ..web.responses import page
from . import pending_input, registrants, signins

NOT_SIGNED_IN = ("Uw sessie is verlopen of u bent niet ingelogd. Open de persoonlijke link uit "
                 "uw e-mail opnieuw; wat u had opgeslagen is bewaard.")
NOT_SIGNED_IN_RETURN = ("U bent niet (meer) ingelogd. Open de persoonlijke link uit uw e-mail "
                        "in deze browser: daarna komt u vanzelf terug op deze pagina.")
SESSION_ENDED = ("U bent niet meer ingelogd. Open de persoonlijke link uit uw e-mail opnieuw, "
                 "of vraag een nieuwe link aan via ‘Nieuwe link aanvragen’; wat u had "
                 "opgeslagen is bewaard.")


def _representative() -> SignedCookie:
    return SignedCookie("ceo-sessie", config.keep_ended_session_seconds())


def start(registrant: Registrant) -> str:
    """The Set-Cookie value that signs `registrant` in."""
    return _representative().issue({"r": registrant.id, "s": signins.new_session_id(),
                                     "e": signins.epoch_of(registrant)})


def _claim(data: dict | None) -> signins.Claim | None:
    if data is None or not isinstance(data.get("r"), str) or \
            not isinstance(data.get("s"), str) or not isinstance(data.get("e"), int):
        return None
    return signins.Claim(data["r"], data["s"], data["e"])


def claim(request: Request) -> signins.Claim | None:
    """The claim of a genuine cookie within the session lifetime; no database read."""
    return _claim(_representative().read(request, max_age=config.session_max_age_seconds()))


def ended_claim(request: Request) -> signins.Claim | None:
    """Whose session this was, also when it expired or ended (at most 30 days ago): enough to
    keep unsaved input for them, never enough to show or change anything."""
    return _claim(_representative().read(request))


def current(request: Request) -> Registrant | None:
    claimed = claim(request)
    if claimed is None:
        return None
    registrant = registrants.get(claimed.registrant_id)
    return registrant if signins.holds(registrant, claimed) else None


def representative(request: Request, code: str) -> Registrant:
    """The signed-in registrant, who represents `code` (any cycle's pages of it, not only the
    questionnaire's): 401 without a session that holds, 404 for a municipality not theirs."""
    registrant = current(request)
    if registrant is None:
        raise not_signed_in(request)
    if not is_code(code) or code not in registrant.municipalities:
        raise HttpError(404)
    return registrant


def signed_out_page(request: Request, status: int = 200) -> Response:
    """Where a page that needs a session sends someone without one."""
    return page(request, "message.html", status=status, title="U bent niet ingelogd",
                next_steps=False, paragraphs=[
                    "Open de Aanlevermodule CEO met de persoonlijke link uit uw e-mail. "
                    "Wat u eerder heeft ingevuld, is bewaard.",
                    "Kunt u de e-mail niet meer vinden? Vraag dan een nieuwe link aan via "
                    "de pagina ‘Nieuwe link aanvragen’.",
                ], new_link=True)


def sign_out(request: Request) -> None:
    """Ends this session server-side; its cookie stays, refused, to keep late input."""
    claimed = claim(request)
    registrant = registrants.get(claimed.registrant_id) if claimed else None
    if claimed is not None and registrant is not None:
        signins.end(registrant, claimed.session_id)


def sign_out_everywhere(request: Request) -> bool:
    registrant = current(request)
    if registrant is None:
        return False
    signins.end_everywhere(registrant)
    return True


# Input posted after a session ended, or typed and not saved (autosave), is kept server-side;
# this cookie names it for the browser that posted it, so opening the page or following the
# link again in that browser leads back to it. It names one kept input per page (Wmo's and
# Jeugd's, each municipality's), newest first, at most pending_input.NAMED_PER_BROWSER of
# them: each page finds its own, whichever was typed last. Entries are `<page tag>:<id>`
# joined by "."; the tag (pending_input.page_tag) says which page an id belongs to without
# reading it, so opening a page still costs at most one read of kept input. The ids are
# unguessable and only ever read for their owner (pending_input.find): the cookie grants
# nothing by itself.
KEPT_INPUT_COOKIE = "ceo-terug"
_KEPT_ENTRY = re.compile(r"^(?:([0-9a-f]{1,16}):)?([A-Za-z0-9_-]{1,64})$")


def kept_inputs(request: Request) -> list[tuple[str, str]]:
    """(page tag, id) of the kept input this browser names, newest first. A cookie written
    before pages were tagged holds one bare id: its tag is "" (any page may read it)."""
    entries = []
    named = cookies.read(request, KEPT_INPUT_COOKIE)[:1024].split(".")
    for entry in named[:pending_input.NAMED_PER_BROWSER]:
        match = _KEPT_ENTRY.match(entry)
        if match:
            entries.append((match.group(1) or "", match.group(2)))
    return entries


def kept_input_for(request: Request, tag: str) -> str:
    """The id this browser names for the page tagged `tag` ("" when none)."""
    return next((kept_id for kept_tag, kept_id in kept_inputs(request)
                 if kept_tag in (tag, "")), "")


def remember_kept_input(request: Request, tag: str, kept_id: str) -> str:
    """The Set-Cookie value naming `kept_id` first for its page: it replaces what the cookie
    named for that page before; the oldest entry beyond NAMED_PER_BROWSER drops out."""
    others = [(t, i) for t, i in kept_inputs(request) if t != tag and i != kept_id]
    return _kept_cookie([(tag, kept_id), *others][:pending_input.NAMED_PER_BROWSER])


def forget_kept_inputs(request: Request, tag: str, kept_ids: set[str]) -> str:
    """The Set-Cookie value without the page tagged `tag` and without `kept_ids` (saved): the
    other pages' entries stay; no entry left clears the cookie."""
    return _kept_cookie([(t, i) for t, i in kept_inputs(request)
                         if t != tag and i not in kept_ids])


def _kept_cookie(entries: list[tuple[str, str]]) -> str:
    if not entries:
        return cookies.clear_cookie(KEPT_INPUT_COOKIE)
    value = ".".join(f"{t}:{i}" if t else i for t, i in entries)  # bare: an old cookie's id
    return cookies.set_cookie(KEPT_INPUT_COOKIE, value,
                              int(pending_input.KEEP_FOR.total_seconds()))


# A page of a municipality opened without a session (a link in a mail: "ter goedkeuring"):
# its path, so that following the personal link in that browser leads back to it (issue 24).
RETURN_COOKIE = "ceo-na-inloggen"
RETURN_SECONDS = 3600
_RETURNABLE = re.compile(r"^/gemeente/([A-Z]{2}[0-9]{4})(/[A-Za-z0-9._-]+){0,4}$")


def not_signed_in(request: Request) -> HttpError:
    """The 401 for a page that needs a session; a page looked at is remembered, to return to
    after the personal link."""
    remembered = remember_page(request)
    return HttpError(401, NOT_SIGNED_IN_RETURN if remembered else NOT_SIGNED_IN,
                     headers={"Set-Cookie": remembered} if remembered else None)


def remember_page(request: Request) -> str | None:
    """The Set-Cookie value that remembers this GET page for after signing in, or None for a
    page not worth returning to (a POST, a file)."""
    if request.method != "GET":
        return None
    params = request.uri_params or {}
    path = re.sub(r"\{(\w+)\}", lambda found: str(params.get(found[1], "")), request.path)
    if not _RETURNABLE.match(path) or len(path) > 200:
        return None
    return cookies.set_cookie(RETURN_COOKIE, path, RETURN_SECONDS)


def page_to_return_to(request: Request, registrant: Registrant) -> str | None:
    """The remembered page, if it is one of this registrant's municipalities' (never a page
    a forged cookie names elsewhere)."""
    path = cookies.read(request, RETURN_COOKIE)
    found = _RETURNABLE.match(path)
    return path if found and found[1] in registrant.municipalities else None


def forget_page() -> str:
    return cookies.clear_cookie(RETURN_COOKIE)
