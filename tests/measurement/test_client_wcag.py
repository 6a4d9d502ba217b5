"""WCAG 2.2 beyond axe on the client pages, measured in Chromium at 320 px: every target is at
least 24 × 24 px or spaced so (2.5.8 target size), and every element that takes focus by Tab
is visible and not covered when it has it (2.4.11 focus not obscured). The pages come from the
app in-process: Chromium's requests are answered by the Chalice test client."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.support import measurement as m
from tests.support.browser import Browser
from tests.support.live import chromium

ORIGIN = "http://meting.test"
TARGETS = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea')].map(e => {
  const r = e.getBoundingClientRect();
  return {name: e.outerHTML.slice(0, 80), tag: e.tagName, type: e.type || '',
          x: r.x, y: r.y, w: r.width, h: r.height,
          inSentence: e.tagName === 'A' && getComputedStyle(e).display === 'inline'
                      && !!e.closest('p') && e.closest('p').textContent.trim().length
                         > e.textContent.trim().length + 20};
})"""
FOCUSED = """() => {
  const e = document.activeElement, r = e.getClientRects()[0] || e.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return {name: e.outerHTML.slice(0, 80), body: e === document.body,
          visible: r.width > 0 && r.height > 0 && r.top >= -1 && r.bottom <= innerHeight + 1,
          uncovered: !!top && (top === e || e.contains(top) || (top.control === e))};
}"""


def _serve(page, client):
    def answer(route):
        request = route.request
        path = urlsplit(request.url).path + (f"?{urlsplit(request.url).query}"
                                             if urlsplit(request.url).query else "")
        response = client.get(path)
        headers = {k: v for k, v in response.headers.items()
                   if k.lower() in ("content-type", "location")}
        if "location" in {k.lower() for k in headers}:
            location = response.headers["Location"]
            headers = {"location": location if "://" in location else ORIGIN + location}
        route.fulfill(status=response.status_code, headers=headers, body=response.body)

    page.route("**/*", answer)


def _too_small(targets):
    """2.5.8: a target under 24 × 24 px passes only if a 24 px circle on its centre touches no
    other target (or it is a link inside a sentence)."""
    small = []
    for t in targets:
        if (t["w"] >= 24 and t["h"] >= 24) or t["inSentence"] or t["w"] == 0:
            continue
        cx, cy = t["x"] + t["w"] / 2, t["y"] + t["h"] / 2
        for o in targets:
            if o is t or o["w"] == 0:
                continue
            nx = min(max(cx, o["x"]), o["x"] + o["w"])
            ny = min(max(cy, o["y"]), o["y"] + o["h"])
            if (nx - cx) ** 2 + (ny - cy) ** 2 < 12 ** 2:
                small.append(f'{t["name"]} ({t["w"]:.0f}×{t["h"]:.0f}) near {o["name"]}')
                break
    return small


@pytest.fixture()
def client_pages(browser, mailbox, app_module):
    path = m.representative_with_measurement(browser, mailbox, extra="Ik kon goed meedoen.")
    client = Browser(app_module.app)
    client.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
    return client, ["/antwoorden", "/antwoorden/contact", "/antwoorden/kwaliteit",
                    "/antwoorden/resultaat", "/antwoorden/extra", "/antwoorden/controleren",
                    "/code"]


def test_every_target_on_the_client_pages_is_large_enough_at_320px(client_pages):
    client, paths = client_pages
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 320, "height": 640})
        _serve(page, client)
        for path in paths:
            assert page.goto(ORIGIN + path).status == 200, path
            targets = page.evaluate(TARGETS)
            assert targets, path
            assert _too_small(targets) == [], path


def test_focus_is_never_hidden_or_covered_on_the_client_pages(client_pages):
    client, paths = client_pages
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 320, "height": 480})
        _serve(page, client)
        for path in paths:
            assert page.goto(ORIGIN + path).status == 200, path
            seen = 0
            for _ in range(60):
                page.keyboard.press("Tab")
                focused = page.evaluate(FOCUSED)
                if focused["body"]:
                    break
                seen += 1
                assert focused["visible"] and focused["uncovered"], (path, focused)
            assert seen > 1, path
