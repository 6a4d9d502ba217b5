"""A small cookie-keeping client over chalice.test.Client, plus a reader for mails sent to
moto's SES. Tests use them to act as a person with a browser and a mailbox would.
`LiveBrowser` and `SavedMails` do the same against a running `./dev run` (HTTP and the
mail directory), so the flows in `tests.support.flows` work there too."""
from __future__ import annotations

import email
import http.cookiejar
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email import policy
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from chalice.test import Client

_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Browser:
    """Keeps cookies as a browser does: each until its Max-Age runs out on the clock
    (`time.time`, which a test may move), never sent after that."""

    def __init__(self, app) -> None:
        self.client = Client(app, stage_name="local")
        self.cookies: dict[str, str] = {}
        self.expires: dict[str, float] = {}

    def holds(self, name: str) -> bool:
        """Whether the browser still has (and would send) this cookie."""
        return name in self.cookies and self.expires.get(name, float("inf")) > time.time()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        for name in [n for n in self.cookies if not self.holds(n)]:
            self.cookies.pop(name)
            self.expires.pop(name, None)
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def _keep_cookies(self, response) -> None:
        values = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
        if isinstance(values, str):
            values = [values]
        for value in values:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                max_age = morsel["max-age"]
                if morsel.value == "" or max_age == "0":
                    self.cookies.pop(name, None)
                    self.expires.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
                    if max_age:
                        self.expires[name] = time.time() + int(max_age)

    def get(self, path: str, headers: dict[str, str] | None = None):
        response = self.client.http.get(path, headers=self._headers(headers))
        self._keep_cookies(response)
        response.text = response.body.decode("utf-8", errors="replace")  # PDFs too
        return response

    def post_raw(self, path: str, body: bytes, headers: dict[str, str] | None = None):
        headers = {"content-type": "application/x-www-form-urlencoded", **(headers or {})}
        response = self.client.http.post(path, headers=self._headers(headers), body=body)
        self._keep_cookies(response)
        response.text = response.body.decode("utf-8", errors="replace")  # PDFs too
        return response

    def csrf_token(self, path: str = "/") -> str:
        match = _CSRF.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(self, path: str, fields: list[tuple[str, str]] | dict[str, str],
               form_page: str | None = None):
        """GETs the form page for a CSRF token, then POSTs the fields with it."""
        token = self.csrf_token(form_page or path)
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        return self.post_raw(path, urlencode([("csrf_token", token), *pairs]).encode())


@dataclass
class Mail:
    to: str
    subject: str
    text: str
    html: str


def deliver_queued() -> None:
    """Runs the mail worker on what the outbox queued, as Lambda would within seconds (a job
    that keeps failing comes back at once and ends in the dead-letter queue)."""
    import app
    from chalicelib.platform import outbox
    from devtools.queue_pump import drain

    drain(outbox.contact_list_queue_url(), app.deliver_mail, "eu-central-1", "deliver_mail")
    drain(outbox.queue_url(), app.deliver_mail, "eu-central-1", "deliver_mail")


class Mailbox:
    """Mails sent through moto's SES (raw MIME, so both parts survive), after the mail worker
    has done what was queued: reading the mailbox is waiting for the mail to arrive."""

    def all(self) -> list[Mail]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.ses.models import ses_backends

        deliver_queued()
        mails = []
        for message in ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages:
            parsed = email.message_from_bytes(message.raw_data.encode()
                                              if isinstance(message.raw_data, str)
                                              else message.raw_data, policy=policy.default)
            mails.append(Mail(
                to=str(parsed["To"]), subject=str(parsed["Subject"]),
                text=parsed.get_body(("plain",)).get_content(),
                html=parsed.get_body(("html",)).get_content()))
        return mails

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.all() if mail.to == address]

    def last_link(self, address: str) -> str:
        """The path of the personal link in the newest mail to `address` that has one."""
        for mail in reversed(self.to(address)):
            match = re.search(r"http://127\.0\.0\.1:8000(/link/[0-9a-f]{32}\.[A-Za-z0-9_-]+)",
                              mail.text)
            if match:
                return match.group(1)
        raise AssertionError("no personal link in any mail")


@dataclass
class LiveResponse:
    status_code: int
    headers: object  # email.message.Message: case-insensitive look-up, like Chalice's
    text: str
    url: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as responses (as with `Browser`), they are not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


class LiveBrowser:
    """`Browser`'s interface over real HTTP to a running `./dev run` at `base`."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    @property
    def cookies(self) -> dict[str, str]:
        return {cookie.name: cookie.value for cookie in self.jar}

    def _open(self, path: str, data: bytes | None = None) -> LiveResponse:
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data)
        if data is not None:
            request.add_header("content-type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=10) as answer:
                return LiveResponse(answer.status, answer.headers,
                                    answer.read().decode("utf-8"), url)
        except urllib.error.HTTPError as error:
            return LiveResponse(error.code, error.headers, error.read().decode("utf-8"), url)

    def get(self, path: str) -> LiveResponse:
        return self._open(path)

    def csrf_token(self, path: str = "/") -> str:
        match = _CSRF.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def submit(self, path: str, fields: list[tuple[str, str]] | dict[str, str],
               form_page: str | None = None) -> LiveResponse:
        token = self.csrf_token(form_page or path)
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        return self._open(path, urlencode([("csrf_token", token), *pairs]).encode())


class SavedMails:
    """The mails `./dev run` saved as .eml files in its mail directory (written shortly
    after the request that sends them, so look-ups wait a little)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def texts(self, address: str = "") -> list[str]:
        """The saved mails (to `address`), oldest first, quoted-printable lines joined."""
        pattern = f"*{address}.eml" if address else "*.eml"
        return [path.read_text().replace("=\n", "")
                for path in sorted(self.directory.glob(pattern))]

    def last_link(self, address: str, timeout: float = 10) -> str:
        """The full URL of the personal link in the newest mail to `address` that has one."""
        deadline = time.monotonic() + timeout
        while True:
            for text in reversed(self.texts(address)):
                found = re.search(
                    r"http://127\.0\.0\.1:\d+/link/[0-9a-f]{32}\.[A-Za-z0-9_-]{32}", text)
                if found:
                    return found.group(0)
            if time.monotonic() > deadline:
                raise AssertionError(f"no link mailed to {address}")
            time.sleep(0.2)
