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
_SEEN = re.compile(r'name="gezien" value="([^"]*)"')


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


def base(code="GM0014", instrument="ceo-wmo"):
    """Where a municipality's questionnaire of an instrument lives (/gemeente/GM0014[/jeugd])."""
    from chalicelib.platform.instruments import base_path

    return base_path(code, instrument)


def page_path(section, code="GM0014", instrument="ceo-wmo"):
    return f"{base(code, instrument)}/vragen/{section}"


def version_on(page_text: str) -> str:
    """The draft version a questionnaire page was rendered with."""
    return _VERSION.search(page_text).group(1)


def seen_on(page_text: str) -> str:
    """What a page acting on the whole draft (check your answers, remove everything) showed
    of it: its form sends this back."""
    return _SEEN.search(page_text).group(1)


def save(browser, section, fields, action="volgende", code="GM0014", extra=(),
         instrument="ceo-wmo"):
    """Opens a questionnaire page and posts `fields` with the version it showed."""
    path = page_path(section, code, instrument)
    page = browser.get(path)
    return browser.submit(path, [*fields, ("versie", version_on(page.text)), ("actie", action),
                                 *extra], form_page=path)


def fill_all(browser, code="GM0014", answers=None, instrument="ceo-wmo"):
    """Saves every page with the complete answers (or `answers`, same shape as ALL; CEO
    Jeugd's own complete answers for its instrument)."""
    from .answers import ALL_JEUGD

    default = ALL if instrument == "ceo-wmo" else ALL_JEUGD
    for section, fields in (answers or default).items():
        response = save(browser, section, fields, code=code, instrument=instrument)
        assert response.status_code == 303, (section, response.status_code)
    return browser


def send(browser, code="GM0014", confirm=True, extra=(), instrument="ceo-wmo"):
    """Opens the check-your-answers page and presses "Verzenden" on it (with the consent box
    ticked); the form sends back the draft version the page showed."""
    review = f"{base(code, instrument)}/controleren"
    page = browser.get(review).text
    seen = [("gezien", seen_on(page))] if 'name="gezien"' in page else []  # no form: no mark
    fields = [*seen, *([("bevestig_toestemming", "ja")] if confirm else []), *extra]
    return browser.submit(f"{base(code, instrument)}/verzenden", fields, form_page=review)


def reset(browser, code="GM0014", answer="ja"):
    """Opens "Verwijder alle ingevulde antwoorden" and answers its question."""
    confirm = f"/gemeente/{code}/verwijderen"
    fields = [("gezien", seen_on(browser.get(confirm).text)),
              *([("bevestig", answer)] if answer else [])]
    return browser.submit(confirm, fields, form_page=confirm)


def register_fill_and_send(browser, mailbox, email=ANNA, code="GM0014", codes=None):
    """Registers, follows the link, fills every page and sends: one delivery for `code`."""
    signed_in(browser, mailbox, email=email, codes=codes or (code,))
    fill_all(browser, code=code)
    response = send(browser, code=code)
    assert response.status_code == 303, response.status_code
    return response
