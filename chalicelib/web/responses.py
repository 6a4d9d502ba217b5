"""Pages and redirects. Every page gets a CSRF token (and its cookie when the browser has
none); the URL helpers are Jinja2 globals, so templates need no per-page context for them."""
from __future__ import annotations

import hashlib
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlparse

from chalice.app import Request, Response

from ..platform import config
from ..platform.rendering import TEMPLATE_DIR, environment
from . import csrf

HTML = "text/html; charset=utf-8"


def base_path() -> str:
    """Path prefix of the deployment (API Gateway's stage, e.g. /api); empty locally."""
    return urlparse(config.base_url()).path.rstrip("/")


def url(path: str) -> str:
    return base_path() + path


def with_public_address(request: Request, get_response: Any) -> Response:
    """Middleware body. Where BASE_URL is not set (a deployed stage without a custom domain:
    the stack cannot give the web function its own API's address without a dependency
    cycle), links and redirects use the address API Gateway says this request came to,
    https://<domainName>/<stage>: API Gateway's values, never the client's Host header."""
    context = getattr(request, "context", None) or {}
    domain, stage = context.get("domainName"), context.get("stage")
    if config.is_local() or config.env("BASE_URL") or not domain or not stage:
        return get_response(request)
    token = config.REQUEST_BASE_URL.set(f"https://{domain}/{stage}")
    try:
        return get_response(request)
    finally:
        config.REQUEST_BASE_URL.reset(token)


@cache
def asset_version(name: str) -> str:
    return hashlib.sha256((TEMPLATE_DIR / "assets" / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return url(f"/assets/{name}?v={asset_version(name)}")


@lru_cache(maxsize=1)
def templates() -> Any:
    """The shared environment with the web's globals added (once per process)."""
    env = environment()
    env.globals.update(url=url, asset_url=asset_url, csrf_field=csrf.FIELD)
    return env


def render(template: str, **context: Any) -> str:
    return templates().get_template(template).render(**context)


def page(request: Request, template: str, status: int = 200,
         cookies_out: list[str] | None = None, **context: Any) -> Response:
    set_cookies = list(cookies_out or [])
    nonce = csrf.nonce_of(request)
    if nonce is None:
        nonce, cookie = csrf.new_nonce()
    else:
        cookie = csrf.renewed(nonce)  # a form shown now stays valid for the cookie's lifetime
    set_cookies.append(cookie)
    body = render(template, csrf_token=csrf.token_for(nonce), **context)
    headers: dict[str, Any] = {"Content-Type": HTML}
    if set_cookies:
        headers["Set-Cookie"] = set_cookies
    return Response(body=body, status_code=status, headers=headers)


def redirect(path: str, cookies_out: list[str] | None = None) -> Response:
    headers: dict[str, Any] = {"Location": url(path)}
    if cookies_out:
        headers["Set-Cookie"] = cookies_out
    return Response(body="", status_code=303, headers=headers)


def download(body: str, content_type: str, filename: str) -> Response:
    return Response(body=body, headers={"Content-Type": content_type,
                                        "Content-Disposition":
                                            f'attachment; filename="{filename}"'})


def to_private_file(link: str) -> Response:
    """The browser sent on to a private file's short-lived link (platform/private_files.py);
    the link is never kept in a cache."""
    return Response(body="", status_code=303,
                    headers={"Location": link, "Cache-Control": "no-store"})


def standalone_html(body: str) -> Response:
    """A complete document that carries its own inline styles (the publication site's report,
    shown as the site shows it): those styles, and nothing else, are allowed by their hashes;
    no script, no form, never in a frame. The middleware keeps this policy."""
    import base64
    import html
    import re

    sources = re.findall(r"<style>(.*?)</style>", body, flags=re.DOTALL)
    attributes = sorted({html.unescape(v) for v in re.findall(r' style="([^"]*)"', body)})
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
              for s in [*sources, *attributes]]
    styles = " ".join([*hashes, *(["'unsafe-hashes'"] if attributes else [])]) or "'none'"
    policy = (f"default-src 'none'; style-src {styles}; img-src data:; form-action 'none'; "
              "frame-ancestors 'none'; base-uri 'none'")
    return Response(body=body, headers={"Content-Type": HTML,
                                        "Content-Security-Policy": policy})
