"""Issue 28, items 5 and 6, in Chromium against `./dev run`: a measurement with 29 responses (12
of one team, 7 of another, 10 without a team); the data file downloaded from the measurement's
page has no team below the threshold, weeks instead of days and no contact data; "Gebruik deze
uitkomsten in de aanlevering" shows what changes, fills the shared draft, the review page marks
those fields "uit de meting"; sending (without any warning) publishes a document with
`source: "measurement"` that validates against the schema, and the reference site built from
that feed shows the mark. axe-core on every new page."""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from tests.support.feed import MEASURED_ANSWERS, validate
from tests.support.live import Screens, chromium, go, local_runner

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "ceo-local-publication-123456789012"
EMAIL, PHONE = "anna@groningen.nl", "050 367 91 11"
TAG = "tag--measured"


def _fill(page, fields) -> None:
    for name, value in fields:
        field = page.locator(f'[name="{name}"]').first
        if field.get_attribute("type") in ("radio", "checkbox"):
            page.check(f'input[name="{name}"][value="{value}"]')
        else:
            field.fill(value)


def _responses(runner, measurement_id: str) -> None:
    """29 clients' answers, as the answering pages store them (issue 27 tests those pages)."""
    dynamodb = runner.aws("dynamodb")
    groups = [("t1", 12), ("t2", 7), (None, 10)]
    n = 0
    for team, count in groups:
        for _ in range(count):
            item = {"measurement": {"S": f"GM0014#{measurement_id}"},
                    "id": {"S": secrets.token_hex(16)}, "period": {"S": "meting"},
                    "channel": {"S": "papier"}, "day": {"S": (
                        date.today() - timedelta(days=n % 20)).isoformat()},
                    "answers": {"S": json.dumps(MEASURED_ANSWERS[n % len(MEASURED_ANSWERS)])}}
            if team:
                item["team"] = {"S": team}
            dynamodb.put_item(TableName="ceo-local-responses", Item=item)
            n += 1


def _feed_document(runner, key: str, timeout: float = 30) -> dict:
    s3 = runner.aws("s3")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
            if document["status"] == "published":
                return document
        except s3.exceptions.NoSuchKey:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{key} was not published")


def _copy_feed(runner, target: Path) -> Path:
    s3 = runner.aws("s3")
    for listing in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in listing.get("Contents", []):
            path = target / item["Key"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
    return target


def test_the_data_file_and_the_measured_figures_into_the_delivery(tmp_path):
    check = Screens("e2e-meting-aanlevering")
    with local_runner(tmp_path) as runner, chromium() as browser:
        base = runner.base
        from tests.support.browser import SavedMails

        context = browser.new_context(viewport={"width": 1024, "height": 800},
                                      bypass_csp=True, accept_downloads=True)
        page = context.new_page()
        page.goto(base + "/")
        page.fill("#naam", "Anna de Vries")
        page.fill("#email", EMAIL)
        page.fill("#telefoon", PHONE)
        page.check("#g-GM0014")
        page.check("#namens")
        go(page, "button:has-text('Aanmelden en link ontvangen')")
        page.goto(SavedMails(runner.mail).last_link(EMAIL))
        page.goto(base + "/gemeente/GM0014/metingen")
        page.fill("#naam", "Cliëntervaring Wmo")
        page.check("#soort-eenmalig")
        page.fill("#opent", (date.today() - timedelta(days=30)).isoformat())
        page.fill("#sluit", (date.today() + timedelta(days=30)).isoformat())
        page.fill("#teams", "Sociaal team Noord\nZorg Zuid")
        go(page, "button:has-text('Meting aanmaken')")
        measurement = page.url.replace(base, "")
        _responses(runner, measurement.rsplit("/", 1)[1])
        page.reload()
        check(page, "meting-met-uitkomsten")

        # the data file: no team below the threshold, weeks, no contact data
        with page.expect_download() as download:
            page.click("text=Databestand downloaden (CSV)")
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 29
        teams = {r["team"] for r in rows}
        assert teams == {"Sociaal team Noord", "overig"} and "Zorg Zuid" not in text
        assert all(sum(r["team"] == t for r in rows) >= 10 for t in teams)
        assert all(re.fullmatch(r"\d{4}-W\d{2}", r["week"]) for r in rows)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
        for trace in (EMAIL, "groningen.nl", PHONE, "3679111", "Anna"):
            assert trace not in text
        with page.expect_download() as download:
            page.click("text=Databestand downloaden (JSON)")
        data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
        assert len(data["rows"]) == 29 and "Zorg Zuid" not in json.dumps(data)

        # "Gebruik deze uitkomsten in de aanlevering": first what changes, then the draft
        go(page, "text=Gebruik deze uitkomsten in de aanlevering")
        assert "Wat er verandert" in page.content() and "29 reacties" in page.content()
        check(page, "uitkomsten-naar-aanlevering")
        go(page, "button:has-text('Gebruik deze uitkomsten in de aanlevering')")
        assert page.url.startswith(base + "/gemeente/GM0014/controleren")
        assert page.locator(f".{TAG}").count() == 6 + 9  # six answers, nine score rows
        check(page, "controleren-uit-de-meting")

        # the municipality's own answers, page by page; the measured ones stay as filled
        own = {"opzet": [("doel", "Inzicht in de ondersteuning."),
                         ("doelgroepen", "maatwerk"), ("moment", "eenmalig"),
                         ("onderwerpen", "toegankelijkheid"), ("onderwerpen", "kwaliteit"),
                         ("onderwerpen", "effect")],
               "uitvoering": [("uitgevoerd_door", "De gemeente zelf"),
                              ("betrokkenheid", "ja")],
               "uitkomsten": [("belangrijkste_uitkomsten", "Cliënten voelen zich gehoord.")],
               "opvolging": [("besproken_raad", "nee"), ("besproken_adviesraad", "nee"),
                             ("verbeteracties", "Snellere intake.")],
               "toestemming": [("toestemming_college", "ja")]}
        for section, fields in own.items():
            page.goto(f"{base}/gemeente/GM0014/vragen/{section}")
            _fill(page, fields)
            go(page, "button[value=volgende]")
        page.goto(base + "/gemeente/GM0014/controleren")
        assert page.locator(f".{TAG}").count() == 15
        assert page.locator("#bevestig_waarschuwingen").count() == 0  # no warning at all
        page.check("#bevestig_toestemming")
        go(page, "button:has-text('Verzenden')")
        assert "/gemeente/GM0014/verzonden/" in page.url, page.content()[:2000]

        # the feed: source "measurement" with the counts, valid against the schema
        document = _feed_document(runner, "ceo-wmo/2026/GM0014.json")
        validate(document)
        by_id = {a["question_id"]: a for a in document["answers"]}
        assert by_id["aantal_respondenten"]["value"] == 29
        assert by_id["aantal_respondenten"]["source"] == "measurement"
        assert by_id["aantal_respondenten"]["counts"] == {"reacties": 29}
        assert "source" not in by_id["doel"]
        assert all(r["source"] == "measurement" for r in document["scores"])

        # the delivery as sent shows the marks too
        page.goto(base + f"/gemeente/GM0014/aanlevering/{document['delivery']['id']}")
        assert page.locator(f".{TAG}").count() == 15
        check(page, "aanlevering-uit-de-meting")

        # the reference site, built from a copy of the feed alone, shows it
        feed_dir = _copy_feed(runner, tmp_path / "feed")
        built = subprocess.run([sys.executable, str(ROOT / "site" / "build.py"), "--feed",
                                str(feed_dir), "--out", str(tmp_path / "site")],
                               capture_output=True, text=True, timeout=120)
        assert built.returncode == 0, built.stderr
        site = context.new_page()
        site.goto((tmp_path / "site" / "ceo-wmo" / "2026" / "GM0014.html").as_uri())
        assert site.locator(".tag.measured").count() == len(document["scores"]) + sum(
            1 for a in document["answers"] if a.get("source"))
        assert "rechtstreeks uit de meting" in site.content()
        check(site, "site-uit-de-meting")
