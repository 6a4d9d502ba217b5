"""Dutch error pages for every failure (ours, the domain's, Chalice's own JSON answers) and
the security headers on every response."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from chalice import Chalice
from chalice.app import ChaliceUnhandledError, Request, Response

from ..platform import config
from ..platform.logs import logger
from ..platform.mail import MailNotSent
from ..platform.outbox import NotQueued
from ..platform.rate_limits import RateLimited

ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: ("Het verzoek kon niet worden verwerkt",
          "Wij konden uw verzoek niet lezen. Ga terug, controleer het formulier en probeer het "
          "opnieuw."),
    401: ("U bent niet (meer) ingelogd",
          "Open de Aanlevermodule CEO met de persoonlijke link uit uw e-mail. Wat u had "
          "opgeslagen, is bewaard."),
    403: ("Het formulier is verlopen",
          "Om veiligheidsredenen accepteren wij dit formulier niet meer. Ga terug, vernieuw de "
          "pagina en verstuur het formulier opnieuw. Wat u had ingevuld en al had opgeslagen, "
          "blijft bewaard."),
    404: ("Pagina niet gevonden",
          "Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina."),
    405: ("Deze actie is hier niet mogelijk",
          "Deze pagina kan niet op deze manier worden gebruikt. Ga naar de startpagina."),
    413: ("Het formulier is te groot",
          "U heeft meer tekst verstuurd dan wij in één keer kunnen verwerken. Maak uw antwoorden "
          "korter en probeer het opnieuw."),
    415: ("Het formulier is op een onverwachte manier verstuurd",
          "Wij konden het formulier niet lezen. Ga terug, vernieuw de pagina en probeer het "
          "opnieuw."),
    429: ("Te veel verzoeken",
          "U heeft in korte tijd te vaak een aanmelding of link aangevraagd. Wacht een uur en "
          "probeer het dan opnieuw, of neem contact op met de helpdesk."),
    500: ("Er is iets misgegaan aan onze kant",
          "Probeer het over een paar minuten opnieuw. Lukt het dan nog niet, neem contact op met "
          "de helpdesk."),
    503: ("De e-mail kon niet worden verstuurd",
          "Er is niets verloren gegaan, maar wij konden nu geen e-mail versturen. Probeer het "
          "over een paar minuten opnieuw."),
}


class HttpError(ChaliceUnhandledError):
    """Ends a request with the Dutch error page for `status` (Chalice lets this base class
    through to the middleware instead of turning it into a JSON 500)."""

    def __init__(self, status: int, message: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.message = message
        self.headers = headers or {}


def route_of(request: Request | None) -> str:
    """The route pattern (/link/{token}), safe to log, unlike the path itself."""
    return str((getattr(request, "context", None) or {}).get("resourcePath", "?"))


def client_ip(request: Request) -> str:
    return ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"


# Routes whose visitors have no account (clients answering a measurement) answer their errors
# with their own page: in their frame, with no helpdesk address (the helpdesk serves municipal
# staff and cannot help them) and no link into the module. Route prefix → that page; the
# measurement's routes register theirs.
_OWN_ERROR_PAGES: dict[str, Callable[[Request, int], Response]] = {}


def own_error_pages(prefixes: tuple[str, ...], page: Callable[[Request, int], Response]) -> None:
    """Errors on routes starting with one of `prefixes` are answered by `page(request, status)`
    (an error's message, written for staff, is not shown there)."""
    _OWN_ERROR_PAGES.update(dict.fromkeys(prefixes, page))


def error_page(request: Request | None, status: int, message: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
    route = route_of(request)
    own = next((page for prefix, page in _OWN_ERROR_PAGES.items() if route.startswith(prefix)),
               None)
    if own is not None and request is not None:
        response = own(request, status)
        response.headers.update(headers or {})
        return response
    title, default_message = ERROR_PAGES.get(status, ERROR_PAGES[500])
    from .responses import render

    reference = request_id(request) if status >= 500 else None
    body = render("error.html", title=title, sign_in_help=status == 401,
                  message=message or default_message, status=status, reference=reference)
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def security_headers() -> dict[str, str]:
    headers = {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if config.cookie_secure():
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    return headers


def request_id(request: Request | None) -> str:
    """API Gateway's id of this request (what the logs carry); made up once where there is
    none (chalice local)."""
    context = getattr(request, "context", None)
    if not isinstance(context, dict):
        return "-"
    if not context.get("requestId"):
        context["requestId"] = uuid.uuid4().hex
    return str(context["requestId"])


def handle(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Middleware body: Dutch pages for every error (ours and Chalice's own JSON ones) and the
    security headers on every response. Every log line of the request carries API Gateway's
    request id (what a helpdesk or site team can quote from an error) and the route."""
    # thread-local: the local runner serves requests on threads beside the stream pump, and
    # an event handler's lines must never carry a web request's keys
    logger.thread_safe_append_keys(request_id=request_id(request), route=route_of(request))
    try:
        return _answered(request, get_response)
    finally:
        logger.thread_safe_clear_keys()


def _answered(request: Request, get_response: Callable[[Request], Response]) -> Response:
    try:
        response = get_response(request)
    except HttpError as error:
        response = error_page(request, error.status, error.message, error.headers)
    except Exception:
        logger.exception("unhandled error", extra={"route": route_of(request)})
        response = error_page(request, 500)
    if response.status_code >= 400 and not isinstance(response.body, str):
        # Chalice's own answers (415, 405, 500 from a view) are English JSON.
        if response.status_code >= 500:
            logger.error("chalice error response", extra={"status": response.status_code})
        response = error_page(request, response.status_code)
    headers = security_headers()
    if "Content-Security-Policy" in response.headers:  # its own policy (standalone_html)
        headers.pop("Content-Security-Policy")
    response.headers.update(headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _translated(view: Callable[..., Response]) -> Callable[..., Response]:
    """Domain refusals that every page answers the same way become HTTP errors here, once:
    too many requests (429) and mail that could not be sent (503; nothing was lost)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except RateLimited as limited:
            raise HttpError(429, headers={"Retry-After": str(limited.retry_after)}) from limited
        except (MailNotSent, NotQueued) as failed:
            raise HttpError(503) from failed
        except HttpError:
            raise
        except Exception as failed:
            # Chalice would log its own line and answer English JSON; this line is the one
            # the UnhandledErrors metric filter counts (infra/stack.yaml)
            logger.exception("unhandled error")
            raise HttpError(500) from failed

    return wrapped


def translate_domain_errors(app: Chalice) -> None:
    """Wraps every route's view (Chalice turns any other exception into a JSON 500 before
    the middleware sees it; HttpError passes through to `handle`)."""
    for methods in app.routes.values():
        for entry in methods.values():
            entry.view_function = _translated(entry.view_function)
