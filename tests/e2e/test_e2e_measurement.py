"""Issue 27 in a real browser (Chromium, axe-core on every new page) against `./dev run`: a
representative sets up a measurement with two teams and invites an inviter; the inviter sends
an sms and an e-mail invitation and sets up a tablet; a client answers from the sms link at
320 px and a second submit is refused; the poster's and the letters' QR codes decode to working
links; a paper form is typed in; afterwards no phone number or address is in any table, queue
or log line of the app."""
from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

from tests.support.browser import SavedMails
from tests.support.live import Screens, chromium, go, local_runner

PHONE, NUMBER_TYPED = "+31612345678", "06 1234 5678"
CLIENT = "klant.devries@voorbeeld.nl"


def _qr_links(pdf: bytes) -> list[str]:
    import pypdfium2
    import zxingcpp

    return [r.text for page in pypdfium2.PdfDocument(pdf)
            for r in zxingcpp.read_barcodes(page.render(scale=2).to_pil())]


def _mail_link(mails: SavedMails, address: str, pattern: str) -> str:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for text in reversed(mails.texts(address)):
            found = re.search(pattern, text)
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no {pattern} mailed to {address}")


def test_a_measurement_from_set_up_to_anonymous_answers(tmp_path):
    check = Screens("e2e-meting")
    with local_runner(tmp_path) as runner, chromium() as browser:
        base, mails = runner.base, SavedMails(runner.mail)

        def context(width=1024):
            return browser.new_context(viewport={"width": width, "height": 800},
                                       bypass_csp=True)  # only to inject axe-core

        # the representative registers, follows the link, sets up a measurement
        municipality = context()
        page = municipality.new_page()
        page.goto(base + "/")
        page.fill("#naam", "Anna de Vries")
        page.fill("#email", "anna@groningen.nl")
        page.fill("#telefoon", "050 367 91 11")
        page.check("#g-GM0014")
        page.check("#namens")
        go(page, "button:has-text('Aanmelden en link ontvangen')")
        page.goto(mails.last_link("anna@groningen.nl"))
        page.goto(base + "/gemeente/GM0014/metingen")
        check(page, "metingen")
        go(page, "button:has-text('Meting aanmaken')")  # nothing filled in: Dutch errors
        assert "Vul een naam voor de meting in" in page.content()
        check(page, "metingen-fouten")
        page.fill("#naam", "Cliëntervaring Wmo 2027")
        page.check("#soort-continu")
        page.fill("#opent", (date.today() - timedelta(days=1)).isoformat())
        page.fill("#sluit", (date.today() + timedelta(days=200)).isoformat())
        page.fill("#teams", "Sociaal team Noord\nZorg Zuid")
        page.fill("#extra", "Open: Wat kan beter?")  # an own open question
        go(page, "button:has-text('Meting aanmaken')")
        measurement = page.url.replace(base, "")
        assert re.fullmatch(r"/gemeente/GM0014/metingen/[a-z2-9]{8}", measurement)
        check(page, "meting")
        go(page, "a:has-text('Meting wijzigen of sluiten')")
        check(page, "meting-wijzigen")
        page.fill("#teams", "Wijkteam West")
        go(page, "button:has-text('Wijzigingen opslaan')")
        assert "De wijzigingen zijn opgeslagen" in page.content()
        assert "Sociaal team Noord, Zorg Zuid, Wijkteam West" in page.content()
        page.fill("#naam", "Piet Jansen")
        page.fill("#email", "piet@zorgnoord.nl")
        page.select_option("#team", "t1")
        go(page, "button:has-text('Uitnodiger uitnodigen')")
        assert "De uitnodiger krijgt een e-mail" in page.content()

        # the inviter: an sms, an e-mail, a tablet, a paper form
        inviter_link = _mail_link(mails, "piet@zorgnoord.nl",
                                  r"http://127\.0\.0\.1:\d+/uitnodiger/link/[0-9a-f]{32}\.\S{22}")
        inviter = context().new_page()
        inviter.goto(inviter_link)
        check(inviter, "uitnodiger")
        inviter.fill("#contact", NUMBER_TYPED)
        go(inviter, "button:has-text('Uitnodiging sturen')")
        assert "De sms is verstuurd" in inviter.content()
        inviter.fill("#contact", CLIENT)
        go(inviter, "button:has-text('Uitnodiging sturen')")
        assert "De e-mail is verstuurd" in inviter.content()
        inviter.goto(base + "/uitnodiger/papier")
        check(inviter, "papier")
        inviter.check("#q1-4")
        inviter.check("#q5-nee")
        inviter.fill("#x1", "Meer uitleg")
        go(inviter, "button:has-text('Opslaan')")
        assert "De papieren vragenlijst is opgeslagen" in inviter.content()
        tablet = context(width=800).new_page()
        tablet.goto(inviter_link)
        go(tablet, "button:has-text('Deze tablet klaarzetten')")
        check(tablet, "tablet")
        for answer in ("5", "2"):  # two clients after each other
            go(tablet, ":is(a, button):has-text('Beginnen')")
            go(tablet, ":is(a, button):has-text('Beginnen')")
            tablet.check(f"#q1-{answer}")
            for _ in range(4):
                go(tablet, "button[value=volgende]")
            go(tablet, "button:has-text('Versturen')")
            assert "Dank u wel" in tablet.content()

        # the client answers from the sms at 320 px, then tries again
        [sms] = runner.saved_sms()
        assert f"Aan: {PHONE}" in sms
        client = context(width=320).new_page()
        sms_link = re.search(r"http://127\.0\.0\.1:\d+/a/\S{22}", sms).group(0)
        client.goto(sms_link)
        assert client.url == base + "/antwoorden"
        check(client, "client-intro")
        go(client, ":is(a, button):has-text('Beginnen')")
        check(client, "client-contact")
        assert client.evaluate("document.documentElement.scrollWidth") <= 320
        client.check("#q1-5")
        client.check("#q2-0")
        client.check("#q5-ja")
        go(client, "button[value=volgende]")
        client.check("#q6-4")
        go(client, "button[value=volgende]")
        go(client, "button[value=volgende]")
        check(client, "client-open-vraag")  # a textarea, at most 300 characters
        assert "Schrijf geen namen, telefoonnummers of adressen" in client.content()
        client.fill("#x1", "Terugbellen" * 27)  # 297 characters without a space
        assert client.evaluate("document.documentElement.scrollWidth") <= 320
        go(client, "button[value=volgende]")
        check(client, "client-controleren")
        assert "Terugbellen" * 27 in client.content()
        assert client.evaluate("document.documentElement.scrollWidth") <= 320
        go(client, "button:has-text('Versturen')")
        assert "Dank u wel" in client.content()
        check(client, "client-bedankt")
        client.go_back()  # back to the check page: no second "Versturen"
        assert "al ingevuld" in client.content()
        assert client.locator("button:has-text('Versturen')").count() == 0
        client.goto(sms_link)  # the link again
        assert "U heeft deze vragenlijst al ingevuld" in client.content()

        # the poster's and the letters' QR codes lead to the questionnaire
        poster = municipality.request.get(base + measurement + "/poster.pdf?team=t2")
        assert poster.headers["content-type"] == "application/pdf"
        [generic] = _qr_links(poster.body())
        page.goto(base + measurement)
        page.fill("#aantal", "2")
        with page.expect_download() as download:
            page.click("button:has-text('Brieven maken (pdf)')")
        letters = _qr_links(Path(download.value.path()).read_bytes())
        assert len(set(letters)) == 2
        for link in (generic, *letters):
            scanned = context(width=360).new_page()
            scanned.goto(link)
            assert scanned.url == base + "/antwoorden", link
            go(scanned, ":is(a, button):has-text('Beginnen')")
            scanned.context.close()

        # a contact list rides a queue of its own: the request stores the checked list and
        # queues one job; the runner's mail worker fans it out and sends each sms
        listed = b"0623456701\n0623456702\n0623456703\n"
        upload = [{"name": "lijst.csv", "mimeType": "text/csv", "buffer": listed}]
        page.goto(base + measurement + "/contacten")
        page.set_input_files("#bestand", files=upload)
        go(page, "button:has-text('Bestand controleren')")
        check(page, "contactlijst-controle")
        page.set_input_files("#bestand", files=upload)
        go(page, "button:has-text('Uitnodigingen versturen')")
        assert "3 uitnodiging(en) staan klaar" in page.content(), page.inner_text("main")[:600]
        deadline = time.monotonic() + 30
        while len(runner.saved_sms()) < 4 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert sum("+3162345670" in text for text in runner.saved_sms()) == 3
        page.goto(base + measurement)
        assert "3 klaargezet, 3 verstuurd" in page.content()

        # what is stored: four responses, nothing that points at the client
        dynamodb, sqs = runner.aws("dynamodb"), runner.aws("sqs")
        responses = dynamodb.scan(TableName="ceo-local-responses")["Items"]
        assert sorted(r["channel"]["S"] for r in responses) == ["papier", "sms", "tablet",
                                                                "tablet"]
        inviter.goto(base + "/uitnodiger")  # the inviter's own counts
        assert "Door u uitgenodigd</dt><dd>2<" in inviter.content()
        assert "Ingevuld (ook op tablet en papier)</dt><dd>4<" in inviter.content()
        forms = (PHONE, "612345678", "1234 5678", CLIENT, "623456701", "623456702",
                 "623456703")
        for table in dynamodb.list_tables()["TableNames"]:
            dumped = json.dumps(dynamodb.scan(TableName=table)["Items"])
            assert not any(f in dumped for f in forms), table
        for url in sqs.list_queues().get("QueueUrls", []):
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                           VisibilityTimeout=0).get("Messages", [])
            assert not any(f in json.dumps(messages) for f in forms), url
        page.goto(base + measurement)
        assert "<td>Piet Jansen</td><td>Sociaal team Noord</td><td>2</td><td>4</td>" in \
            page.content()
    # the app's log lines (the catchers' own lines stand in for the phone and the mailbox)
    app_lines = [line for line in runner.output.splitlines()
                 if not line.startswith(("✆", "✉", "   "))]
    assert not any(f in line for line in app_lines for f in forms)
