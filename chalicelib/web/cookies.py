"""Reading and writing cookies, and the one signed-cookie reader every session uses."""
from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any

from chalice.app import Request

from ..platform import config

if TYPE_CHECKING:
    from itsdangerous import URLSafeTimedSerializer


def read_all(request: Request) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def read(request: Request, base: str) -> str:
    return read_all(request).get(cookie_name(base), "")


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


class SignedCookie:
    """A cookie whose value is signed data (itsdangerous, keyed by the app's secret, salted by
    the cookie's name so one kind can never stand in for another)."""

    def __init__(self, base: str, max_age: int) -> None:
        self.base, self.max_age = base, max_age

    def _serializer(self) -> URLSafeTimedSerializer:
        from itsdangerous import URLSafeTimedSerializer  # when first used, not at cold start

        # itsdangerous signs with the last key of the list and verifies with every one
        return URLSafeTimedSerializer(list(reversed(config.secret_keys())), salt=self.base)

    def issue(self, data: dict[str, Any]) -> str:
        """The Set-Cookie value carrying `data`."""
        return set_cookie(self.base, self._serializer().dumps(data), self.max_age)

    def clear(self) -> str:
        return clear_cookie(self.base)

    def read(self, request: Request, max_age: int | None = None) -> dict[str, Any] | None:
        """The data of a genuine cookie at most `max_age` seconds old (default: its lifetime),
        else None."""
        from itsdangerous import BadData

        raw = read(request, self.base)
        if not raw:
            return None
        try:
            data = self._serializer().loads(raw, max_age=max_age or self.max_age)
        except BadData:
            return None
        return data if isinstance(data, dict) else None
