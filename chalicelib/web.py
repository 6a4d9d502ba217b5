"""HTTP plumbing shared by every page: form parsing, cookies, CSRF, page rendering, security
headers and Dutch error pages. Views call these; domain modules never see a request."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from http.cookies import CookieError, SimpleCookie
from typing import Any, Callable
from urllib.parse import parse_qsl, urlparse

from chalice.app import Request, Response
from chalice.app import ChaliceUnhandledError

from . import config
from .logs import logger
from .rendering import TEMPLATE_DIR, render

FORM_CONTENT_TYPES = ["application/x-www-form-urlencoded"]
MAX_FORM_FIELDS = 500

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


@dataclass
class Form:
    """A parsed urlencoded body; every field may repeat."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str) -> str:
        values = self.fields.get(name)
        return values[0] if values else ""


def base_path() -> str:
    """Path prefix of the deployment (API Gateway's stage, e.g. /api); empty locally."""
    return urlparse(config.base_url()).path.rstrip("/")


def url(path: str) -> str:
    return base_path() + path


def parse_form(request: Request) -> Form:
    body = request.raw_body or b""
    if len(body) > config.max_body_bytes():
        raise HttpError(413)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type not in FORM_CONTENT_TYPES:
        raise HttpError(415)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except ValueError:  # includes UnicodeDecodeError and too many fields
        raise HttpError(400)
    form = Form()
    for name, value in pairs:
        form.fields.setdefault(name, []).append(value)
    return form


def cookies(request: Request) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def cookie_name(base: str) -> str:
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only, Path=/.
    return f"__Host-{base}" if config.cookie_secure() else base


def set_cookie(base: str, value: str, max_age: int) -> str:
    parts = [f"{cookie_name(base)}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly",
             "SameSite=Lax"]
    if config.cookie_secure():
        parts.append("Secure")
    return "; ".join(parts)


def clear_cookie(base: str) -> str:
    return set_cookie(base, "", 0)


def route_of(request: Request) -> str:
    """The route pattern (/link/{token}), safe to log, unlike the path itself."""
    return str((getattr(request, "context", None) or {}).get("resourcePath", "?"))


def client_ip(request: Request) -> str:
    return ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"


# CSRF: a random nonce in an HttpOnly cookie; forms carry an HMAC of it (signed double submit).
CSRF_COOKIE = "ceo-csrf"
CSRF_FIELD = "csrf_token"


def _csrf_token_for(nonce: str) -> str:
    key = config.secret_key().encode()
    return hmac.new(key, f"csrf|{nonce}".encode(), hashlib.sha256).hexdigest()


def _csrf_nonce(request: Request) -> str | None:
    nonce = cookies(request).get(cookie_name(CSRF_COOKIE), "")
    return nonce if len(nonce) == 32 and nonce.isalnum() else None


def check_csrf(request: Request, form: Form) -> None:
    nonce = _csrf_nonce(request)
    sent = form.first(CSRF_FIELD)
    if nonce is None or not hmac.compare_digest(sent.encode(), _csrf_token_for(nonce).encode()):
        logger.info("csrf check failed", extra={"route": route_of(request),
                                                 "had_cookie": nonce is not None})
        raise HttpError(403)


@lru_cache(maxsize=None)
def asset_version(name: str) -> str:
    return hashlib.sha256((TEMPLATE_DIR / "assets" / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return url(f"/assets/{name}?v={asset_version(name)}")


def page(request: Request, template: str, status: int = 200,
         cookies_out: list[str] | None = None, **context: Any) -> Response:
    """Renders a page; every page gets a CSRF token (and its cookie when the browser has none)."""
    set_cookies = list(cookies_out or [])
    nonce = _csrf_nonce(request)
    if nonce is None:
        nonce = secrets.token_hex(16)
        set_cookies.append(set_cookie(CSRF_COOKIE, nonce, 7 * 24 * 3600))
    body = render(template, url=url, asset_url=asset_url, csrf_field=CSRF_FIELD,
                  csrf_token=_csrf_token_for(nonce), helpdesk_email=config.helpdesk_email(),
                  helpdesk_phone=config.helpdesk_phone(), **context)
    headers: dict[str, Any] = {"Content-Type": "text/html; charset=utf-8"}
    if set_cookies:
        headers["Set-Cookie"] = set_cookies
    return Response(body=body, status_code=status, headers=headers)


def redirect(path: str, cookies_out: list[str] | None = None) -> Response:
    headers: dict[str, Any] = {"Location": url(path)}
    if cookies_out:
        headers["Set-Cookie"] = cookies_out
    return Response(body="", status_code=303, headers=headers)


def error_page(request: Request | None, status: int, message: str | None = None,
               headers: dict[str, str] | None = None) -> Response:
    title, default_message = ERROR_PAGES.get(status, ERROR_PAGES[500])
    body = render("error.html", url=url, asset_url=asset_url, title=title,
                  sign_in_help=status == 401,
                  message=message or default_message, status=status,
                  helpdesk_email=config.helpdesk_email(), helpdesk_phone=config.helpdesk_phone())
    return Response(body=body, status_code=status,
                    headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})})


def security_headers() -> dict[str, str]:
    headers = {
        "Content-Security-Policy": (
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
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


def handle(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Middleware body: Dutch pages for every error (ours, the domain's rate limit and mail
    failures, and Chalice's own JSON ones) and the security headers on every response."""
    from .mail import MailNotSent
    from .ratelimit import RateLimited

    try:
        response = get_response(request)
    except HttpError as error:
        response = error_page(request, error.status, error.message, error.headers)
    except RateLimited as limited:
        response = error_page(request, 429, headers={"Retry-After": str(limited.retry_after)})
    except MailNotSent:
        response = error_page(request, 503)
    except Exception:
        logger.exception("unhandled error", extra={"route": route_of(request)})
        response = error_page(request, 500)
    if response.status_code >= 400 and not isinstance(response.body, str):
        # Chalice's own answers (415, 405, 500 from a view) are English JSON.
        if response.status_code >= 500:
            logger.error("chalice error response", extra={"status": response.status_code})
        response = error_page(request, response.status_code)
    response.headers.update(security_headers())
    response.headers.setdefault("Cache-Control", "no-store")
    return response
