"""The steps a representative takes, written once: register, follow the personal link, save a
page, fill every page, send. They work on any client with `get` and `submit` (the in-process
`Browser`, or `LiveBrowser` against a running `./dev run`)."""
from __future__ import annotations

import re

from .answers import ALL

ANNA = "a.devries@groningen.nl"
VALID = {"naam": "Anna de Vries", "email": ANNA, "telefoon": "050 367 91 11", "namens": "ja"}
#: password of the helpdesk users the `helpdesk` fixture creates in (moto's) Cognito
PASSWORD = "Helpdesk-Test-2026"

_VERSION = re.compile(r'name="versie" value="(\d+)"')


def register(browser, email=ANNA, codes=("GM0014",), **overrides):
    """Posts the registration form, then lets the mail worker do the queued registration as
    it would within seconds (in-process only: against ./dev run the runner's pump does it).
    An override of None leaves that field out."""
    fields = {**VALID, "email": email, **overrides}
    pairs = [(k, v) for k, v in fields.items() if v is not None]
    pairs += [("gemeente", code) for code in codes]
    response = browser.submit("/", pairs)
    if hasattr(browser, "client"):
        from tests.support.browser import deliver_queued

        deliver_queued()
    return response


def follow_link(browser, mailbox, email=ANNA):
    """Opens the newest personal link mailed to `email` (starts a session)."""
    return browser.get(mailbox.last_link(email))


def signed_in(browser, mailbox, email=ANNA, codes=("GM0014",), **overrides):
    """Registers and follows the link: a representative on their start page."""
    register(browser, email=email, codes=codes, **overrides)
    follow_link(browser, mailbox, email)
    return browser


def page_path(section, code="GM0014"):
    return f"/gemeente/{code}/vragen/{section}"


def version_on(page_text: str) -> str:
    """The draft version a questionnaire page was rendered with."""
    return _VERSION.search(page_text).group(1)


def save(browser, section, fields, action="volgende", code="GM0014", extra=()):
    """Opens a questionnaire page and posts `fields` with the version it showed."""
    page = browser.get(page_path(section, code))
    return browser.submit(page_path(section, code),
                          [*fields, ("versie", version_on(page.text)), ("actie", action),
                           *extra],
                          form_page=page_path(section, code))


def fill_all(browser, code="GM0014", answers=None):
    """Saves every page with the complete answers (or `answers`, same shape as ALL)."""
    for section, fields in (answers or ALL).items():
        response = save(browser, section, fields, code=code)
        assert response.status_code == 303, (section, response.status_code)
    return browser


def send(browser, code="GM0014", confirm=True):
    """Presses "Verzenden" on the check-your-answers page (with the consent box ticked)."""
    fields = {"bevestig_toestemming": "ja"} if confirm else {}
    return browser.submit(f"/gemeente/{code}/verzenden", fields,
                          form_page=f"/gemeente/{code}/controleren")


def register_fill_and_send(browser, mailbox, email=ANNA, code="GM0014", codes=None):
    """Registers, follows the link, fills every page and sends: one delivery for `code`."""
    signed_in(browser, mailbox, email=email, codes=codes or (code,))
    fill_all(browser, code=code)
    response = send(browser, code=code)
    assert response.status_code == 303, response.status_code
    return response
