"""Plain words for "verantwoordingsjaar" (issue 24 §5), a word from the ministry's world:
no page or mail a municipal employee or a citizen reads says it; they read which year the
survey was about and when it was delivered. The helpdesk's own pages may keep the term."""
from __future__ import annotations

import re
from pathlib import Path

from tests.support.flows import register_fill_and_send

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def test_no_template_outside_the_helpdesk_s_says_verantwoordingsjaar():
    said = [p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.*")
            if p.suffix in (".html", ".txt")
            and "helpdesk" not in p.relative_to(TEMPLATES).parts
            and "verantwoordingsjaar" in p.read_text(encoding="utf-8").lower()]
    assert said == []
    site = (ROOT / "site" / "build.py").read_text(encoding="utf-8").lower()
    assert "verantwoordingsjaar" not in site  # the reference site, for citizens


def test_the_plain_words_show_on_pages_and_in_the_receipt(browser, mailbox):
    from chalicelib.platform.formatting import cycle_nl

    assert cycle_nl(2026) == "onderzoek over 2025, aangeleverd in 2026"
    register_fill_and_send(browser, mailbox)
    pages = [browser.get(path).text for path in (
        "/start", "/gemeente/GM0014/aanlevering/GM0014-2026-1", "/gemeente/GM0014/verzonden/1",
        "/vragenlijst", "/")]
    receipt = [m for m in mailbox.to("a.devries@groningen.nl")
               if m.subject.startswith("Ontvangstbevestiging")][-1]
    for text in [*pages, receipt.text, receipt.html]:
        assert not re.search("verantwoordingsjaar", text, flags=re.IGNORECASE)
    assert "onderzoek over 2025, aangeleverd in 2026" in pages[1]
    assert "Onderzoek over: 2025 (aangeleverd in 2026)" in receipt.text
