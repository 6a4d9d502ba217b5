"""CEO Jeugd beside CEO Wmo in a real browser (Chromium, axe-core on every page) against
`./dev run`: one representative delivers both instruments for Groningen; the bucket then holds
both documents, and the Wmo document is byte for byte (and ETag) what it was before the Jeugd
delivery."""
from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.browser import LiveBrowser, SavedMails
from tests.support.flows import fill_all, send, signed_in
from tests.support.live import axe_serious, chromium, go, local_runner

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e-jeugd"
ANNA = "a.devries@groningen.nl"


def _object(s3, bucket: str, key: str, timeout: float = 20, unlike: bytes | None = None):
    """(bytes, ETag) of `key` once it is there (and differs from `unlike`): the stream pump
    forwards within a second or two."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = s3.get_object(Bucket=bucket, Key=key)
            body = found["Body"].read()
            if unlike is None or body != unlike:
                return body, found["ETag"]
        except s3.exceptions.NoSuchKey:
            pass
        assert time.monotonic() < deadline, f"{key} never appeared in the bucket"
        time.sleep(0.3)


def test_one_representative_delivers_both_instruments_in_a_real_browser(tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = iter(range(1, 100))

    def check(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{name}.png"), full_page=True)
        assert axe_serious(page) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= \
            page.viewport_size["width"], name

    with local_runner(tmp_path) as runner, chromium() as browser:
        base, mails = runner.base, SavedMails(runner.mail)
        s3 = runner.aws("s3")
        bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"]
                      if "publication" in b["Name"])
        # Anna signs in (her session also drives Chromium) and sends Groningen's Wmo delivery
        anna = signed_in(LiveBrowser(base), mails, email=ANNA)
        fill_all(anna)
        assert send(anna).status_code == 303
        wmo_before = _object(s3, bucket, "ceo-wmo/2026/GM0014.json")
        assert json.loads(wmo_before[0])["delivery"]["id"] == "GM0014-2026-1"
        context = browser.new_context(viewport={"width": 1024, "height": 800},
                                      bypass_csp=True)  # only to inject axe-core
        context.add_cookies([{"name": name, "value": value, "url": base}
                             for name, value in anna.cookies.items()])
        page = context.new_page()
        page.goto(base + "/start")
        assert page.locator("h4", has_text="CEO Wmo").count() == 1
        assert page.locator("h4", has_text="CEO Jeugd").count() == 1
        check(page, "start-beide")
        # Jeugd: begun in the browser, its own questionnaire
        go(page, "text=Beginnen met CEO Jeugd voor Groningen")
        assert page.url.endswith("/gemeente/GM0014/jeugd/vragen/onderzoek")
        assert "CEO Jeugd" in page.inner_text(".caption")
        check(page, "jeugd-onderzoek")
        page.check("#onderzoek_uitgevoerd")  # ja, the first option
        go(page, "button:has-text('Opslaan en verder')")
        assert page.url.endswith("/gemeente/GM0014/jeugd/vragen/opzet")
        assert "Effect op gezond en veilig opgroeien" in page.content()
        check(page, "jeugd-opzet")
        fill_all(anna, instrument="ceo-jeugd")  # the remaining pages, quickly
        page.goto(base + "/gemeente/GM0014/jeugd/controleren")
        assert "Scores op de stellingen van de vragenlijst voor ouders" in page.content()
        check(page, "jeugd-controleren")
        page.check("#bevestig_toestemming")
        go(page, "button:has-text('Verzenden')")
        assert "/gemeente/GM0014/jeugd/verzonden/1" in page.url
        assert "GM0014-2026-J1" in page.content()
        check(page, "jeugd-verzonden")
        # the bucket: Jeugd's document beside Wmo's, and Wmo's untouched
        jeugd = json.loads(_object(s3, bucket, "ceo-jeugd/2026/GM0014.json")[0])
        assert jeugd["instrument"] == "ceo-jeugd"
        assert jeugd["delivery"]["id"] == "GM0014-2026-J1"
        deadline = time.monotonic() + 20  # the root index follows the document it lists
        while set(json.loads(_object(s3, bucket, "index.json")[0])["instruments"]) != {
                "ceo-wmo", "ceo-jeugd"}:
            assert time.monotonic() < deadline, "the root index never listed CEO Jeugd"
            time.sleep(0.3)
        assert _object(s3, bucket, "ceo-wmo/2026/GM0014.json") == wmo_before
        # the start page, also on a phone: each instrument with the delivery that counts
        page.set_viewport_size({"width": 320, "height": 800})
        page.goto(base + "/start")
        jeugd_part = page.locator("section.instrument", has_text="CEO Jeugd")
        assert "GM0014-2026-J1" in jeugd_part.inner_text()
        assert "Telt nu" in jeugd_part.inner_text()
        assert "GM0014-2026-J1" not in page.locator("section.instrument",
                                                    has_text="CEO Wmo").inner_text()
        check(page, "start-320")
        context.close()
