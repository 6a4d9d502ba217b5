"""The steps of a measurement, written once: a representative sets one up and invites an
inviter, the inviter signs in by the mailed link, a client answers every topic and sends.
They work on the in-process `Browser` (and on `LiveBrowser` where they only use get/submit)."""
from __future__ import annotations

import re
from datetime import date, timedelta

from .flows import signed_in

INVITER = "p.jansen@zorgnoord.nl"
STANDARD = {"q1": "5", "q2": "4", "q3": "5", "q4": "3", "q5": "ja", "q6": "4", "q7": "4",
            "q8": "2", "q9": "0", "q10": "1"}
TOPICS = {"contact": ("q1", "q2", "q3", "q4", "q5"), "kwaliteit": ("q6", "q7"),
          "resultaat": ("q8", "q9", "q10")}
ALL_CHANNELS = ("sms", "email", "link", "generiek", "brief", "tablet", "papier")


def settings(**overrides):
    today = date.today()
    fields = {"naam": "Cliëntervaring Wmo 2027", "soort": "eenmalig",
              "opent": (today - timedelta(days=1)).isoformat(),
              "sluit": (today + timedelta(days=60)).isoformat(),
              "teams": "Sociaal team Noord\nZorg Zuid", "extra": ""}
    fields.update(overrides)
    return fields


def create(browser, code="GM0014", channels=ALL_CHANNELS, form_page=None, **overrides):
    """Posts the new-measurement form; the response (303 to the measurement on success)."""
    pairs = [*settings(**overrides).items(), *[("kanaal", c) for c in channels]]
    return browser.submit(f"/gemeente/{code}/metingen", pairs, form_page=form_page)


def measurement_path(response) -> str:
    location = response.headers["Location"]
    assert re.fullmatch(r"/gemeente/GM\d{4}/metingen/[a-z2-9]{8}", location), location
    return location


def representative_with_measurement(browser, mailbox, **overrides) -> str:
    """A signed-in representative of Groningen with a measurement; its path."""
    signed_in(browser, mailbox)
    return measurement_path(create(browser, **overrides))


def invite_inviter(browser, path, email=INVITER, name="Piet Jansen", team=""):
    return browser.submit(f"{path}/uitnodigers", {"naam": name, "email": email, "team": team},
                          form_page=path)


def inviter_link(mailbox, email=INVITER) -> str:
    for mail in reversed(mailbox.to(email)):
        match = re.search(r"http://127\.0\.0\.1:8000(/uitnodiger/link/\S+)", mail.text)
        if match:
            return match.group(1)
    raise AssertionError("no inviter link mailed")


def answer_all(client, answers=STANDARD, extra=()):
    """Walks every topic page from the intro and posts the answers; the check page."""
    assert client.get("/antwoorden").status_code == 200
    for topic, ids in [*TOPICS.items(), *extra]:
        response = client.submit(f"/antwoorden/{topic}",
                                 [*[(q, answers[q]) for q in ids if q in answers],
                                  ("actie", "volgende")])
        assert response.status_code == 303, (topic, response.status_code, response.text[:300])
    return client.get("/antwoorden/controleren")


def send(client):
    return client.submit("/antwoorden/versturen", {}, form_page="/antwoorden/controleren")


def link_path(url: str) -> str:
    return url.replace("http://127.0.0.1:8000", "")


def signed_in_inviter(browser, mailbox, app, path, **invite):
    """A new inviter of the measurement at `path` (invited by the representative in `browser`,
    `invite` as invite_inviter takes it), signed in through the link in their mail."""
    from tests.support.browser import Browser

    invite_inviter(browser, path, **invite)
    inviter = Browser(app)
    inviter.get(inviter_link(mailbox))
    return inviter


def inviter_post(inviter, path, fields):
    """A form on the inviter's page (/uitnodiger), posted with its CSRF token."""
    return inviter.submit(path, fields, form_page="/uitnodiger")


def send_twice(client):
    """"Versturen" clicked, then clicked again on the same page (the back button, a double
    click): both responses."""
    from urllib.parse import urlencode

    body = urlencode({"csrf_token": client.csrf_token("/antwoorden/controleren")}).encode()
    return client.post_raw("/antwoorden/versturen", body), \
        client.post_raw("/antwoorden/versturen", body)


def upload(client, path, data: bytes, form_page, **fields):
    """Posts a contact list (multipart, as a browser's file input does) with the CSRF token
    of `form_page` and the other `fields`."""
    token = client.csrf_token(form_page)
    boundary = "----grens7MA4YWxkTrZu0gW"
    parts = [("csrf_token", token), *fields.items()]
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                    f"{value}\r\n".encode() for name, value in parts)
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="bestand"; '
             f'filename="lijst.csv"\r\nContent-Type: text/csv\r\n\r\n').encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return client.post_raw(path, body, headers={
        "content-type": f"multipart/form-data; boundary={boundary}"})


def seal_on(page_text: str) -> str:
    return re.search(r'name="zegel" value="([0-9a-f]+)"', page_text).group(1)


def edit_fields(page_text: str) -> dict[str, list[str]]:
    """The first form on a measurement's edit page as the browser would send it (text, date
    and hidden inputs, checked boxes and radios, textareas), without the CSRF token."""
    from html.parser import HTMLParser

    fields: dict[str, list[str]] = {}

    class Reader(HTMLParser):
        done = False
        area: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if self.done or not a.get("name") or a["name"] == "csrf_token":
                return
            if tag == "input" and (a.get("type") not in ("checkbox", "radio")
                                   or "checked" in a):
                fields.setdefault(a["name"], []).append(a.get("value") or "")
            elif tag == "textarea":
                self.area = a["name"]
                fields.setdefault(self.area, []).append("")

        def handle_data(self, data):
            if self.area:
                fields[self.area][-1] += data

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.area = None
            if tag == "form":
                self.done = True

    start = re.search(r'<form[^>]*/wijzigen"', page_text)
    assert start, "no edit form on the page"
    Reader().feed(page_text[start.start():])
    return fields


def edit(browser, path, fields: dict[str, list[str]] | None = None, **changes):
    """Posts the edit form: as the page shows it now (or `fields`, read earlier), with
    `changes` ({field: value or list of values})."""
    form = dict(fields or edit_fields(browser.get(f"{path}/wijzigen").text))
    for name, value in changes.items():
        form[name] = value if isinstance(value, list) else [value]
    pairs = [(name, value) for name, values in form.items() for value in values]
    return browser.submit(f"{path}/wijzigen", pairs, form_page=f"{path}/wijzigen")


def close(browser, path, version: str | None = None):
    seen = version or edit_fields(browser.get(f"{path}/wijzigen").text)["versie"][0]
    return browser.submit(f"{path}/sluiten", {"versie": seen}, form_page=f"{path}/wijzigen")


def contact_found(forms) -> list[str]:
    """Every DynamoDB table and SQS queue (of the moto account) that holds any of `forms` (a
    phone number or address in the ways it may be written): [] when contact data is gone."""
    import json

    import boto3

    found = []
    dynamodb = boto3.client("dynamodb")
    for table in dynamodb.list_tables()["TableNames"]:
        dumped = json.dumps(dynamodb.scan(TableName=table)["Items"])
        found += [table] if any(f in dumped for f in forms) else []
    sqs = boto3.client("sqs")
    for url in sqs.list_queues().get("QueueUrls", []):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=0).get("Messages", [])
        found += [url] if any(f in json.dumps(messages) for f in forms) else []
    return found


def sms_sent() -> list[tuple[str, str]]:
    """(number, text) of every sms sent through moto's SNS, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    return list(sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sms_messages.values())


def use_in_delivery(browser, path, page=None):
    """Presses "Gebruik deze uitkomsten in de aanlevering" on the preview `page` (the one the
    person saw; fetched now when None), sending what it showed."""
    page = page or browser.get(f"{path}/aanlevering")
    fields = dict(re.findall(r'name="(gezien|uitkomsten)" value="([^"]*)"', page.text))
    return browser.submit(f"{path}/aanlevering", fields, form_page=f"{path}/aanlevering")
