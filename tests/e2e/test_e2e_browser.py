"""The whole mission in a real browser (Debian's Chromium through Playwright), against the local
runner started as the README starts it; axe-core checks every page on the way, and a
screenshot of every page lands in test-artifacts/e2e/."""
from __future__ import annotations

import json
import re
import shutil
import socket
import time
from pathlib import Path

import boto3
import pytest

from devtools.local import HELPDESK_PASSWORD, HELPDESK_USER
from tests.support.answers import ALL
from tests.support.browser import LiveBrowser, SavedMails
from tests.support.flows import fill_all, signed_in
from tests.support.live import start, stop

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# Every visible button-like control (buttons, links styled as buttons, buttons styled as
# links): its computed text colour against the first opaque background behind it, as the
# WCAG contrast ratio. axe skips some of these (a transparent button on a coloured parent).
BUTTON_CONTRAST = """() => {
  const rgba = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const behind = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg.length >= 3 && (bg.length === 3 || bg[3] > 0.5)) return bg.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const selector = 'button, .button, .button-link, input[type=submit], input[type=button]';
  return [...document.querySelectorAll(selector)]
    .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
    .map(e => {
      const fg = rgba(getComputedStyle(e).color).slice(0, 3), bg = behind(e);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      return {text: e.textContent.trim().slice(0, 40), className: e.className,
              ratio: Math.round((hi + 0.05) / (lo + 0.05) * 100) / 100};
    });
}"""

# Select boxes too narrow for their longest option (the text is cut off when chosen): the
# room inside the box (less padding and the arrow) against the option's text width.
SELECTS_CUT_OFF = """() => [...document.querySelectorAll('select')]
  .filter(s => s.getClientRects().length)
  .map(s => {
    const style = getComputedStyle(s), ctx = document.createElement('canvas').getContext('2d');
    ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const need = Math.max(0, ...[...s.options].map(o => ctx.measureText(o.text).width));
    const room = s.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight) - 18;
    return {id: s.id, need: Math.round(need), room: Math.round(room)};
  })
  .filter(box => box.need > box.room)"""

# What sticks out at 320 px: the widest elements, to name in a failure.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 321)
  .filter(e => { for (let p = e.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return false; } return true; })
  .map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ?
       '.' + e.className.split(' ').join('.') : '') + ':' +
       Math.round(e.getBoundingClientRect().right))
  .slice(0, 6)"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    port, moto_port = free_port(), free_port()
    mail_dir = tmp_path_factory.mktemp("mail")
    log = tmp_path_factory.mktemp("runner") / "runner.log"
    process = start([str(ROOT / "dev"), "run", "--port", str(port), "--moto-port",
                     str(moto_port), "--mail-dir", str(mail_dir)], log,
                    env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())})
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the local runner did not start"
            time.sleep(0.3)
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto_port}",
                      region_name="eu-central-1", aws_access_key_id="x",
                      aws_secret_access_key="x")
    yield {"base": base, "mail": mail_dir, "s3": s3}
    stop(process, log, 60)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (./dev test installs it)"
    assert AXE.exists(), "axe-core is required (./dev test runs npm ci)"
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Journey:
    def __init__(self, runner, chromium):
        self.runner, self.chromium = runner, chromium
        self.shots = 0
        self.page = self.new_session()

    def new_session(self):
        # bypass_csp only lets the test inject axe-core; the pages keep their strict CSP
        return self.chromium.new_context(viewport={"width": 1024, "height": 800},
                                         bypass_csp=True).new_page()

    def check(self, name: str, page=None) -> None:
        """Screenshot plus axe-core: no serious or critical violation on any page."""
        page = page or self.page
        self.shots += 1
        page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{name}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, "
                               "{resultTypes: ['violations']})")
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], f"{name}: {serious}"
        faint = [b for b in page.evaluate(BUTTON_CONTRAST) if b["ratio"] < 4.5]
        assert faint == [], f"{name}: buttons below 4.5:1 contrast: {faint}"
        cut = page.evaluate(SELECTS_CUT_OFF)
        assert cut == [], f"{name}: select boxes narrower than their options: {cut}"
        self.narrow(name, page)

    def narrow(self, name: str, page) -> None:
        """The same page on a 320 px wide phone: nothing wider than the screen."""
        size = page.viewport_size
        page.set_viewport_size({"width": 320, "height": 640})
        try:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                page.screenshot(path=str(ARTIFACTS / f"{self.shots:02d}-{name}-320px.png"),
                                full_page=True)
            assert width <= 320, f"{name}: {width} px wide at a 320 px viewport " \
                                 f"({page.evaluate(WIDEST)})"
        finally:
            page.set_viewport_size(size)

    def link(self, address: str, timeout: float = 10) -> str:
        """The newest personal link in the runner's saved mails (the catcher polls)."""
        return SavedMails(self.runner["mail"]).last_link(address, timeout)

    def feed(self, key: str, until, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                document = json.loads(self.runner["s3"].get_object(
                    Bucket="ceo-local-publication-123456789012", Key=key)["Body"].read())
                if until(document):
                    return document
            except self.runner["s3"].exceptions.NoSuchKey:
                pass
            time.sleep(0.3)
        raise AssertionError(f"{key} did not reach the expected state")

    def fill_contact(self, name: str, email: str, phone: str) -> None:
        """The registration form's own fields, as a person types them."""
        self.page.fill("#naam", name)
        self.page.fill("#email", email)
        self.page.fill("#telefoon", phone)

    def fill_section(self, fields) -> None:
        page = self.page
        for name, value in fields:
            field = page.locator(f'[name="{name}"]').first
            kind = field.get_attribute("type")
            if kind in ("radio", "checkbox"):
                page.check(f'input[name="{name}"][value="{value}"]')
            else:
                if kind == "date" and re.fullmatch(r"\d{2}-\d{2}-\d{4}", value):
                    day, month, year = value.split("-")
                    value = f"{year}-{month}-{day}"
                field.fill(value)


def mail_html(directory: Path, address: str, timeout: float = 30) -> str:
    """The HTML part of the newest mail saved for `address` (the mail worker may still be
    sending it on a busy machine: waits for it, up to `timeout` seconds)."""
    import email
    import email.policy
    import time

    deadline = time.monotonic() + timeout
    while not (saved := sorted(Path(directory).glob(f"*{address}.eml"))):
        assert time.monotonic() < deadline, f"no mail for {address} in {directory}"
        time.sleep(0.2)
    newest = saved[-1]
    message = email.message_from_bytes(newest.read_bytes(), policy=email.policy.default)
    return message.get_body(("html",)).get_content()


def go(page, selector: str) -> None:
    """Click something that loads a new page, and wait for it."""
    with page.expect_navigation():
        page.click(selector)


def test_the_whole_mission_in_a_real_browser(runner, chromium):
    journey = Journey(runner, chromium)
    page = journey.page
    base = runner["base"]

    # registration, first with errors
    page.goto(base + "/")
    journey.check("registratie")
    go(page, "text=Aanmelden en link ontvangen")
    assert "Er is een probleem" in page.content()
    journey.check("registratie-fouten")
    journey.fill_contact("Anna de Vries", "anna@groningen.nl", "050 367 91 11")
    page.fill("#gemeente-zoek", "gronin")  # the JavaScript filter
    assert page.is_hidden("label[for='g-GM0034']")
    page.check("#g-GM0014")
    page.fill("#gemeente-zoek", "almere")
    page.check("#g-GM0034")
    page.check("#namens")
    go(page, "text=Aanmelden en link ontvangen")
    assert page.locator("h1").inner_text() == "Controleer uw e-mail"
    journey.check("aangemeld")

    # the link mail as a mail program shows it (on a phone too), then its link
    reader = journey.new_session()
    reader.set_content(mail_html(runner["mail"], "anna@groningen.nl"))
    journey.check("link-mail", reader)
    reader.context.close()
    page.goto(journey.link("anna@groningen.nl"))
    assert page.url == base + "/start"
    journey.check("start")

    # part of A, then close the browser
    go(page, "text=Beginnen met Groningen")
    journey.check("vragen-stap-1")
    journey.fill_section(ALL["onderzoek"])
    go(page, "button[value=volgende]")
    page.fill("#doel", "Inzicht in de ondersteuning.")
    go(page, "button[value=later]")
    assert "zijn opgeslagen" in page.content()
    page.context.close()

    # days later: the same link in a fresh browser, and resume
    page = journey.page = journey.new_session()
    page.goto(journey.link("anna@groningen.nl"))
    go(page, "text=Verder waar u gebleven was (Groningen)")
    assert page.input_value("#doel") == "Inzicht in de ondersteuning."
    # the report gives q2 in three groups and q3 only as "% (helemaal) mee eens"; the survey
    # left out one of the three legal topics: a warning, not an error
    aggregated = {"uitkomsten": [("scores__q2__eens", "71"), ("scores__q2__neutraal_groep", "19"),
                                 ("scores__q2__oneens", "10"), ("scores__q2__n", "380"),
                                 ("scores__q3__eens", "80,5"), ("scores__q3__n", "377")]}
    for index, (section, fields) in enumerate(list(ALL.items())[1:], start=1):
        assert f"Stap {index + 1} van 6" in page.content()
        journey.fill_section(fields + aggregated.get(section, []))
        if section == "opzet":
            page.uncheck('input[name="onderwerpen"][value="effect"]')
        if index == 2:
            journey.check("vragen-stap-3-ingevuld")
        go(page, "button[value=volgende]")
    assert page.url.endswith("/gemeente/GM0014/controleren")
    assert "Controleer dit punt" in page.content()
    journey.check("controleren")

    # B: a draft, then empty it
    page.goto(base + "/start")
    go(page, "text=Beginnen met Almere")
    page.fill("#geen_onderzoek_reden", "Almere reden")
    go(page, "button[value=later]")
    go(page, "text=Verwijder alle ingevulde antwoorden (Almere)")
    journey.check("verwijderen-bevestigen")
    page.check("#bevestig")
    go(page, "text=Doorgaan")
    assert "Alle ingevulde antwoorden voor Almere zijn verwijderd" in page.content()

    # send A
    page.goto(base + "/gemeente/GM0014/controleren")
    go(page, "button:has-text('Verzenden')")  # without confirming consent first
    assert "Er is niets verzonden" in page.content()
    journey.check("verzenden-fout")
    page.check("#bevestig_toestemming")
    go(page, "button:has-text('Verzenden')")  # consent confirmed, the warning not yet
    assert "bevestig dat de antwoorden toch kloppen" in page.content()
    page.check("#bevestig_waarschuwingen")
    page.check("#bevestig_toestemming")
    go(page, "button:has-text('Verzenden')")
    assert "GM0014-2026-1" in page.content()
    journey.check("verzonden")
    first = journey.feed("ceo-wmo/2026/GM0014.json",
                         lambda d: d["delivery"]["id"] == "GM0014-2026-1")
    assert [(r["question_id"], r["format"], r["agree"]) for r in first["scores"]][:3] == [
        ("q1", "vijf", 75.5), ("q2", "drie", 71), ("q3", "eens", 80.5)]
    # the citizen's report as the site gets it, in the browser: axe-clean, and in print
    report = journey.runner["s3"].get_object(Bucket="ceo-local-publication-123456789012",
                                             Key="ceo-wmo/2026/GM0014.html")["Body"].read()
    reader = journey.new_session()
    reader.set_content(report.decode())
    journey.check("rapport", reader)
    assert reader.locator("svg.bar").first.get_attribute("aria-hidden") == "true"
    reader.emulate_media(media="print")
    reader.pdf(path=str(ARTIFACTS / "rapport.pdf"))
    reader.context.close()

    # a correction
    page.goto(base + "/gemeente/GM0014/vragen/uitkomsten?terug=controleren")
    page.fill("#belangrijkste_uitkomsten", "Gecorrigeerde uitkomsten.")
    go(page, "button[value=controleren]")
    page.check("#bevestig_waarschuwingen")
    page.check("#bevestig_toestemming")
    go(page, "button:has-text('Verzenden')")
    assert "GM0014-2026-2" in page.content()
    corrected = journey.feed("ceo-wmo/2026/GM0014.json",
                             lambda d: d["delivery"]["id"] == "GM0014-2026-2")
    assert corrected["headline"]["text"] == "Gecorrigeerde uitkomsten."
    page.goto(base + "/start")
    journey.check("start-met-geschiedenis")

    # the first delivery, opened from the history: replaced now, its answers as on review
    go(page, "a:has-text('GM0014-2026-1')")
    assert page.locator("h1").inner_text() == "Aanlevering GM0014-2026-1"
    assert "Vervangen door een nieuwere aanlevering" in page.content()
    assert "Cliënten zijn tevreden." in page.content()
    journey.check("aanlevering-bekijken")
    # the site's report keeps its own styles under the page's strict policy (no bypass here)
    strict = journey.chromium.new_context(viewport={"width": 1024, "height": 800})
    for cookie in page.context.cookies():
        strict.add_cookies([cookie])
    report = strict.new_page()
    blocked = []
    report.on("console", lambda message: blocked.append(message.text)
              if "Content Security Policy" in message.text else None)
    report.goto(base + "/gemeente/GM0014/aanlevering/GM0014-2026-2/rapport")
    assert report.locator("h1").inner_text() == "Groningen"
    font = report.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Arial" in font and blocked == [], (font, blocked)
    strict.close()

    # the helpdesk withdraws the correction; the feed shows the first delivery again
    helpdesk = journey.new_session()
    helpdesk.goto(base + "/helpdesk/inloggen")
    journey.check("helpdesk-inloggen", helpdesk)
    helpdesk.fill("#email", HELPDESK_USER)
    helpdesk.fill("#wachtwoord", HELPDESK_PASSWORD)
    go(helpdesk, "button:has-text('Inloggen')")
    helpdesk.fill("#q", "GM0014")
    go(helpdesk, "button:has-text('Zoeken')")
    go(helpdesk, "text=Groningen (GM0014)")
    journey.check("helpdesk-gemeente", helpdesk)
    go(helpdesk, "button:has-text('Vergelijken')")  # the two deliveries, answer by answer
    assert "GM0014-2026-1 vergeleken met GM0014-2026-2" in helpdesk.content()
    assert "Gecorrigeerde uitkomsten." in helpdesk.locator("table.compare").inner_text()
    journey.check("helpdesk-vergelijken", helpdesk)
    go(helpdesk, "table.compare a:has-text('GM0014-2026-2')")
    assert "Telt nu" in helpdesk.content()
    journey.check("helpdesk-aanlevering", helpdesk)
    go(helpdesk, "text=Deze aanlevering intrekken")
    assert "Daarna telt GM0014-2026-1" in helpdesk.locator(".lead").inner_text()
    journey.check("helpdesk-intrekken", helpdesk)
    helpdesk.fill("#reden", "De gemeente meldt een fout in de correctie.")
    go(helpdesk, "button:has-text('Intrekken')")
    assert "is ingetrokken" in helpdesk.content()
    back = journey.feed("ceo-wmo/2026/GM0014.json", lambda d: d["revision"] == 3)
    assert back["delivery"]["id"] == "GM0014-2026-1"

    # the season: Groningen sent, Almere registered; a reminder to Almere's registrant
    go(helpdesk, ".caption a:has-text('Helpdesk')")
    go(helpdesk, "text=Seizoensoverzicht")
    assert helpdesk.locator('td[data-status="verzonden"]').inner_text() == "1"
    journey.check("helpdesk-seizoen", helpdesk)
    helpdesk.select_option("#provincie", "Flevoland")
    go(helpdesk, "button:has-text('Toon')")
    assert helpdesk.is_checked("#h-GM0034")
    go(helpdesk, "button:has-text('Herinnering sturen')")
    assert "Herinnering verstuurd aan 1 aanmelder van 1 gemeente" in helpdesk.content()
    journey.check("helpdesk-herinnering", helpdesk)
    assert back["headline"]["text"] == "Uitkomst" or "Cliënten" in back["headline"]["text"]


def test_pages_work_at_320_px_and_without_javascript(runner, chromium):
    context = chromium.new_context(viewport={"width": 320, "height": 640},
                                   java_script_enabled=False, device_scale_factor=2)
    page = context.new_page()
    page.goto(runner["base"] + "/")
    assert page.is_hidden("#gemeente-zoek")  # the enhancement stays away without JS
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"horizontal scrolling at 320 px: {width}"
    page.screenshot(path=str(ARTIFACTS / "320px-registratie.png"), full_page=True)
    assert_municipalities_in_a_scroll_box(page)
    page.fill("#naam", "Piet")
    page.fill("#email", "piet@ede.nl")
    page.fill("#telefoon", "0318 123456")
    page.check("#g-GM0228")
    page.check("#namens")
    go(page, "text=Aanmelden en link ontvangen")
    assert page.locator("h1").inner_text() == "Controleer uw e-mail"
    context.close()


def assert_municipalities_in_a_scroll_box(page) -> None:
    """The 342 municipalities scroll inside a box of less than a screen's height: the form
    around them stays a few screens long on a phone (it was ~13,000 px)."""
    box = page.evaluate("""() => { const l = document.getElementById('gemeente-lijst');
        return {height: l.clientHeight, content: l.scrollHeight,
                page: document.documentElement.scrollHeight}; }""")
    assert box["height"] <= 640 and box["content"] > 2 * box["height"], box
    assert box["page"] < 4 * 640, box
    page.evaluate("document.getElementById('g-GM0228').scrollIntoView()")
    assert page.is_visible("label[for='g-GM0228']")  # reachable by scrolling the box


def test_the_municipality_list_is_a_scroll_box_at_320_px_with_javascript(runner, chromium):
    context = chromium.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(runner["base"] + "/")
    assert page.is_visible("#gemeente-zoek")
    assert_municipalities_in_a_scroll_box(page)
    page.fill("#gemeente-zoek", "ede")
    page.check("#g-GM0228")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def tab_to(page, selector: str, limit: int = 800) -> None:
    """Moves focus with the Tab key only until `selector` has it (fails if unreachable)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the keyboard")


def test_the_whole_form_with_the_keyboard_alone(runner, chromium):
    context = chromium.new_context(viewport={"width": 1024, "height": 800}, locale="nl-NL")
    page = context.new_page()
    page.goto(runner["base"] + "/")
    tab_to(page, "#naam")
    page.keyboard.type("Kees Toetsenbord")
    tab_to(page, "#email")
    page.keyboard.type("kees@ede.nl")
    tab_to(page, "#telefoon")
    page.keyboard.type("0318 654321")
    tab_to(page, "#gemeente-zoek")
    page.keyboard.type("ede")
    tab_to(page, "#g-GM0228")
    page.keyboard.press("Space")
    tab_to(page, "#namens")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Controleer uw e-mail"
    page.goto(SavedMails(runner["mail"]).last_link("kees@ede.nl"))
    tab_to(page, "a[href='/gemeente/GM0228/vragen/onderzoek']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for index, (_section, fields) in enumerate(ALL.items()):
        assert f"Stap {index + 1} van 6" in page.content()
        for name, value in fields:
            keyboard_answer(page, name, value)
        tab_to(page, "button[value=volgende]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "Alle verplichte vragen zijn ingevuld" in page.content()
    tab_to(page, "#bevestig_toestemming")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='/verzenden'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "GM0228-2026-1" in page.content()
    context.close()


def keyboard_answer(page, name: str, value: str) -> None:
    """Answers one field as a keyboard user does: Tab to it, then type, Space or arrows."""
    kind = page.get_attribute(f'[name="{name}"]', "type")
    if kind == "checkbox":
        tab_to(page, f'input[name="{name}"][value="{value}"]')
        page.keyboard.press("Space")
    elif kind == "radio":
        tab_to(page, f'input[name="{name}"]')  # the group is one tab stop
        page.keyboard.press("Space")
        for _ in range(10):
            if page.is_checked(f'input[name="{name}"][value="{value}"]'):
                break
            page.keyboard.press("ArrowDown")
        assert page.is_checked(f'input[name="{name}"][value="{value}"]')
    elif kind == "date":
        tab_to(page, f'[name="{name}"]')
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            year, month, day = value.split("-")
        else:
            day, month, year = value.split("-")
        page.keyboard.type(day + month + year)  # Dutch order: dd-mm-jjjj …
        if page.input_value(f'[name="{name}"]') != f"{year}-{month}-{day}":
            page.keyboard.press("Shift+Tab")  # … or the browser's mm/dd/yyyy: back to the
            page.keyboard.press("Shift+Tab")  # first segment and type it that way
            page.keyboard.type(month + day + year)
        assert page.input_value(f'[name="{name}"]') == f"{year}-{month}-{day}"
    else:
        tab_to(page, f'[name="{name}"]')
        page.keyboard.press("Control+A")
        page.keyboard.type(value)


@pytest.fixture(scope="module")
def reflow_person(runner):
    """Its own representative for Ede with every page filled in (over HTTP, quickly): the
    personal link that opens their session."""
    mails = SavedMails(runner["mail"])
    person = LiveBrowser(runner["base"])
    signed_in(person, mails, email="zoom@ede.nl", codes=("GM0228",), naam="Zoë Zoom",
              telefoon="0318 111222")
    fill_all(person, code="GM0228")
    return mails.last_link("zoom@ede.nl")


@pytest.mark.parametrize("path", ["/", "/gemeente/GM0228/vragen/uitkomsten",
                                  "/gemeente/GM0228/controleren", "/start"])
def test_pages_reflow_at_200_percent_zoom(runner, chromium, reflow_person, path):
    # 200 % zoom of a 1280 px wide window leaves 640 CSS pixels: nothing may need
    # horizontal scrolling (WCAG 1.4.10 reflow)
    context = chromium.new_context(viewport={"width": 640, "height": 400},
                                   device_scale_factor=2)
    page = context.new_page()
    page.goto(reflow_person)
    assert page.url == runner["base"] + "/start"  # signed in
    response = page.goto(runner["base"] + path)
    assert response.status == 200, path  # the page itself, not a sign-in or error page
    if path != "/":
        assert "Ede" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 640, path
    page.screenshot(path=str(ARTIFACTS / f"200pct{path.replace('/', '-')}.png"), full_page=True)
    context.close()


def test_adding_a_municipality_and_signing_out_everywhere_in_a_real_browser(runner, chromium):
    journey = Journey(runner, chromium)
    page, base = journey.page, runner["base"]
    page.goto(base + "/")
    go(page, "text=de volledige vragenlijst hier inzien")  # before registering
    assert page.url == base + "/vragenlijst"
    journey.check("vragenlijst")
    page.goto(base + "/")
    journey.fill_contact("Joost Bakker", "joost@zwolle.nl", "038 498 91 11")
    page.fill("#gemeente-zoek", "zwolle")
    page.check("#g-GM0193")
    page.check("#namens")
    go(page, "text=Aanmelden en link ontvangen")
    page.goto(journey.link("joost@zwolle.nl"))
    # Chromium keeps the session cookie well past the 12-hour session, so that a form left
    # open overnight still says whose input it is (the server then keeps it for them)
    [session] = [c for c in page.context.cookies() if c["name"].endswith("ceo-sessie")]
    assert session["expires"] > time.time() + 29 * 24 * 3600
    go(page, "text=Voeg een gemeente toe")
    assert page.locator("h1").inner_text() == "Gemeente toevoegen"
    assert page.locator("#g-GM0193").count() == 0  # their own is not offered again
    journey.check("gemeente-toevoegen")
    page.fill("#gemeente-zoek", "kampen")  # the same JavaScript filter as registration
    page.check("#g-GM0166")
    go(page, "button:has-text('Toevoegen')")
    assert page.url.startswith(base + "/start")
    assert "Toegevoegd: Kampen." in page.content()
    assert page.locator("text=Beginnen met Kampen").count() == 1
    journey.check("start-gemeente-toegevoegd")
    # a shared service: Kampen's answers started from Zwolle's draft (issue 24 §4)
    page.goto(base + "/gemeente/GM0193/vragen/onderzoek")
    journey.fill_section(ALL["onderzoek"])
    go(page, "button[value=volgende]")
    journey.fill_section(ALL["opzet"])
    go(page, "button[value=later]")
    page.goto(base + "/start")
    go(page, "text=Antwoorden overnemen van een andere gemeente (voor Kampen)")
    page.check("text=Het concept van Zwolle")
    journey.check("overnemen-van-andere-gemeente")
    go(page, "button:has-text('Antwoorden overnemen')")
    assert "De antwoorden van Zwolle zijn overgenomen" in page.content()
    page.goto(base + "/start")

    phone = journey.new_session()  # the same person on a second device
    phone.goto(journey.link("joost@zwolle.nl"))
    assert phone.url == base + "/start"
    go(page, "button:has-text('Overal uitloggen')")
    assert "op al uw apparaten uitgelogd" in page.content()
    journey.check("overal-uitgelogd")
    phone.goto(base + "/start")
    assert "U bent niet ingelogd" in phone.content()


def test_statements_and_the_helpdesk_s_people_pages_in_a_real_browser(runner, chromium):
    """The privacy and accessibility statements from the footer, and the helpdesk's pages for
    people: search by name, trusted domains, correcting and removing a registrant."""
    journey = Journey(runner, chromium)
    page, base = journey.page, runner["base"]
    page.goto(base + "/")
    go(page, "footer >> text=Privacyverklaring")
    assert page.locator("h1").inner_text() == "Privacyverklaring"
    journey.check("privacyverklaring")
    go(page, "footer >> text=Toegankelijkheidsverklaring")
    assert page.locator("h1").inner_text() == "Toegankelijkheidsverklaring"
    journey.check("toegankelijkheidsverklaring")
    go(page, "footer >> text=Veelgestelde vragen")
    assert page.locator("h1").inner_text() == "Veelgestelde vragen"
    journey.check("veelgestelde-vragen")

    page.goto(base + "/")
    journey.fill_contact("Fenna Dijkstra", "f.dijkstra@ede.nl", "0318 68 02 22")
    page.fill("#gemeente-zoek", "ede")
    page.check("#g-GM0228")
    page.check("#namens")
    go(page, "text=Aanmelden en link ontvangen")
    journey.link("f.dijkstra@ede.nl")  # the mail arrived: the registrant is stored

    helpdesk = journey.new_session()
    helpdesk.goto(base + "/helpdesk/inloggen")
    helpdesk.fill("#email", HELPDESK_USER)
    helpdesk.fill("#wachtwoord", HELPDESK_PASSWORD)
    go(helpdesk, "button:has-text('Inloggen')")
    helpdesk.fill("#q", "dijk")  # part of the name
    go(helpdesk, "button:has-text('Zoeken')")
    journey.check("helpdesk-zoeken-op-naam", helpdesk)
    go(helpdesk, "text=Fenna Dijkstra")
    go(helpdesk, "text=Gegevens corrigeren")
    journey.check("helpdesk-gegevens-corrigeren", helpdesk)
    helpdesk.fill("#telefoon", "12")
    go(helpdesk, "button:has-text('Opslaan')")
    assert "Vul een geldig telefoonnummer in" in helpdesk.content()
    journey.check("helpdesk-gegevens-fout", helpdesk)
    helpdesk.fill("#naam", "Fenna Dijkstra-Bos")
    helpdesk.fill("#telefoon", "0318 68 02 23")
    helpdesk.fill("#reden", "verzoek per telefoon")
    go(helpdesk, "button:has-text('Opslaan')")
    assert "Gecorrigeerd: naam, telefoonnummer." in helpdesk.content()
    go(helpdesk, "text=Ede (GM0228)")
    assert "Wie zich meteen mag aanmelden" in helpdesk.content()
    helpdesk.fill("#domein", "bedrijfsvoering-ede.nl")
    helpdesk.fill("#domein-reden", "samenwerking")
    go(helpdesk, "button:has-text('Domein vertrouwen')")
    journey.check("helpdesk-gemeente-domeinen", helpdesk)
    helpdesk.goto(base + "/helpdesk/domeinen")
    assert "bedrijfsvoering-ede.nl" in helpdesk.content()
    journey.check("helpdesk-vertrouwde-domeinen", helpdesk)
    helpdesk.goto(base + "/helpdesk?q=dijkstra-bos")
    go(helpdesk, "text=Fenna Dijkstra-Bos")
    go(helpdesk, "text=Aanmelder verwijderen")
    journey.check("helpdesk-aanmelder-verwijderen", helpdesk)
    go(helpdesk, "button:has-text('Verwijderen')")
    assert "Vink aan dat u de persoonsgegevens wilt verwijderen" in helpdesk.content()
    helpdesk.fill("#reden", "verzoek van de aanmelder")
    helpdesk.check("#bevestig")
    go(helpdesk, "button:has-text('Verwijderen')")
    assert "zijn gewist" in helpdesk.content()
    journey.check("helpdesk-aanmelder-verwijderd", helpdesk)


def test_a_helpdesk_employee_s_first_sign_in_in_a_real_browser(runner, chromium):
    """Invited into a pool that requires TOTP (as deployed): new password, then the
    authenticator app from the QR code or the key; both pages axe-checked."""
    cognito = boto3.client("cognito-idp", endpoint_url=runner["s3"].meta.endpoint_url,
                           region_name="eu-central-1", aws_access_key_id="x",
                           aws_secret_access_key="x")
    [pool] = cognito.list_user_pools(MaxResults=10)["UserPools"]
    cognito.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="ON",
                                     SoftwareTokenMfaConfiguration={"Enabled": True})
    cognito.admin_create_user(UserPoolId=pool["Id"], Username="nieuw@helpdesk.nl",
                              TemporaryPassword="Tijdelijk-Wachtwoord-1",
                              MessageAction="SUPPRESS")
    cognito.admin_add_user_to_group(UserPoolId=pool["Id"], Username="nieuw@helpdesk.nl",
                                    GroupName="helpdesk")
    journey = Journey(runner, chromium)
    page, base = journey.page, runner["base"]
    page.goto(base + "/helpdesk/inloggen")
    page.fill("#email", "nieuw@helpdesk.nl")
    page.fill("#wachtwoord", "Tijdelijk-Wachtwoord-1")
    go(page, "button:has-text('Inloggen')")
    assert page.url == base + "/helpdesk/nieuw-wachtwoord"
    journey.check("helpdesk-nieuw-wachtwoord")
    page.fill("#wachtwoord", "Eigen-Wachtwoord-2026")
    page.fill("#herhaal", "Eigen-Wachtwoord-2026")
    go(page, "button:has-text('Wachtwoord opslaan')")
    assert page.url == base + "/helpdesk/authenticator"
    assert page.locator("#sleutel").inner_text().replace(" ", "")  # the key as text
    journey.check("helpdesk-authenticator")
    page.fill("#code", "123456")  # moto in the runner accepts any code
    go(page, "button:has-text('Instellen en inloggen')")
    assert page.url == base + "/helpdesk"


def test_four_eyes_in_a_real_browser(runner, chromium):
    """The helpdesk switches four-eyes on for Assen with Karin as coordinator; Anna's send
    waits (nothing on the site); Karin approves it from her start page; the site shows it."""
    journey = Journey(runner, chromium)
    base, mails = runner["base"], SavedMails(runner["mail"])
    sender = signed_in(LiveBrowser(base), mails, email="anna@assen.nl", codes=("GM0106",),
                       naam="Anna Mulder")
    fill_all(sender, code="GM0106")
    signed_in(LiveBrowser(base), mails, email="karin@assen.nl", codes=("GM0106",),
              naam="Karin Smit")

    helpdesk = journey.new_session()
    helpdesk.goto(base + "/helpdesk/inloggen")
    helpdesk.fill("#email", HELPDESK_USER)
    helpdesk.fill("#wachtwoord", HELPDESK_PASSWORD)
    go(helpdesk, "button:has-text('Inloggen')")
    helpdesk.goto(base + "/helpdesk/gemeente/GM0106")
    helpdesk.check("#vier_ogen-aan")
    helpdesk.check("label:has-text('Karin Smit')")
    go(helpdesk, "button:has-text('Vier ogen opslaan')")
    assert "Karin Smit is nu coördinator" in helpdesk.content()
    journey.check("helpdesk-vier-ogen", helpdesk)

    anna = journey.page
    anna.goto(journey.link("anna@assen.nl"))
    go(anna, "text=Antwoorden bekijken (Assen)")
    assert "Uw gemeente werkt met vier ogen" in anna.content()
    anna.check("#bevestig_toestemming")
    if anna.locator("#bevestig_waarschuwingen").count():
        anna.check("#bevestig_waarschuwingen")
    go(anna, "button:has-text('Verzenden')")
    assert "wacht op goedkeuring door een coördinator (Karin Smit)" in anna.content()
    journey.check("verzonden-wacht-op-goedkeuring", anna)

    karin = journey.new_session()
    karin.goto(journey.link("karin@assen.nl"))
    journey.check("start-ter-goedkeuring", karin)
    go(karin, "text=Bekijken en goedkeuren of terugsturen")
    assert "Goedkeuren of terugsturen" in karin.content()
    journey.check("aanlevering-beoordelen", karin)
    go(karin, "button:has-text('Terugsturen')")  # without a reason: refused, nothing changed
    assert "Schrijf waarom" in karin.content()
    journey.check("terugsturen-zonder-reden", karin)
    time.sleep(2)
    with pytest.raises(runner["s3"].exceptions.NoSuchKey):  # nothing published while it waits
        runner["s3"].get_object(Bucket="ceo-local-publication-123456789012",
                                Key="ceo-wmo/2026/GM0106.json")
    go(karin, "button:has-text('Goedkeuren')")
    assert "goedkeuren?" in karin.content()  # one more page before it publishes
    journey.check("goedkeuren-bevestigen", karin)
    go(karin, "button:has-text('Ja, goedkeuren en publiceren')")
    assert "U heeft de aanlevering goedgekeurd" in karin.content()
    journey.check("goedgekeurd", karin)
    document = journey.feed("ceo-wmo/2026/GM0106.json", lambda d: d["status"] == "published")
    assert document["delivery"]["id"] == "GM0106-2026-1"
    deadline = time.monotonic() + 10  # the mail worker sends within seconds
    while not any("goedgekeurd door Karin Smit" in text for text in mails.texts("anna@assen.nl")):
        assert time.monotonic() < deadline, "no approval mail to the sender"
        time.sleep(0.3)


def test_typed_input_survives_closing_the_tab_in_a_real_browser(runner, chromium):
    """Issue 24 §4: text typed and not saved is kept by the page's script (after a pause in
    typing); the tab is closed; the personal link opened again shows the text, unsaved."""
    journey = Journey(runner, chromium)
    page, base = journey.page, runner["base"]
    signed_in(LiveBrowser(base), SavedMails(runner["mail"]), email="bram@ede.nl",
              codes=("GM0228",), naam="Bram Kok")
    page.goto(journey.link("bram@ede.nl"))
    page.goto(base + "/gemeente/GM0228/vragen/onderzoek")
    journey.fill_section(ALL["onderzoek"])
    go(page, "button[value=volgende]")
    page.locator("#doel").clear()
    with page.expect_response(lambda r: r.url.endswith("/bewaren") and r.status == 204):
        page.locator("#doel").press_sequentially("Getypt en nooit opgeslagen.")
    context = page.context
    page.close()
    again = context.new_page()  # the same browser, a new tab
    again.goto(journey.link("bram@ede.nl"))
    assert "/gemeente/GM0228/vragen/opzet" in again.url
    assert again.input_value("#doel") == "Getypt en nooit opgeslagen."
    assert "U had dit ingevuld maar het is nog niet opgeslagen" in again.content()
    journey.check("getypt-na-sluiten-terug", again)
    go(again, "button[value=later]")
    again.goto(base + "/gemeente/GM0228/vragen/opzet")
    assert "nog niet opgeslagen" not in again.content()  # saved: nothing offered twice
    assert again.input_value("#doel") == "Getypt en nooit opgeslagen."


def test_each_instrument_s_page_offers_its_typing_back_in_a_real_browser(runner, chromium):
    """Typed on a Wmo page, then on a Jeugd page, the tab closed: Chromium's one cookie names
    both, so each page opened again offers back what was typed on it (not only the newest)."""
    journey = Journey(runner, chromium)
    page, base = journey.page, runner["base"]
    signed_in(LiveBrowser(base), SavedMails(runner["mail"]), email="mila@deventer.nl",
              codes=("GM0150",), naam="Mila de Wit")
    page.goto(journey.link("mila@deventer.nl"))
    for path, text in (("/gemeente/GM0150/vragen/opzet", "Wmo getypt."),
                       ("/gemeente/GM0150/jeugd/vragen/opzet", "Jeugd getypt.")):
        page.goto(base + path)
        with page.expect_response(lambda r: r.url.endswith("/bewaren") and r.status == 204):
            page.locator("#doel").press_sequentially(text)
    context = page.context
    page.close()
    again = context.new_page()
    for path, text in (("/gemeente/GM0150/vragen/opzet", "Wmo getypt."),
                       ("/gemeente/GM0150/jeugd/vragen/opzet", "Jeugd getypt.")):
        again.goto(base + path)
        assert again.input_value("#doel") == text, path
        assert "U had dit ingevuld maar het is nog niet opgeslagen" in again.content()


def test_input_typed_past_the_session_is_kept_in_a_real_browser(runner, chromium):
    """The clock moves 13 hours on while a page stays open (the session lasts 12): the server
    sees a session cookie signed 13 hours ago — re-signed here as the runner's key would have
    signed it then — which Chromium still holds and sends. The post is kept; after following
    the link again the page shows it, unsaved, and one click stores it."""
    from itsdangerous import TimestampSigner

    from chalicelib.platform import config
    from chalicelib.web.cookies import SignedCookie

    journey = Journey(runner, chromium)
    page, base = journey.page, runner["base"]
    signed_in(LiveBrowser(base), SavedMails(runner["mail"]), email="lotte@arnhem.nl",
              codes=("GM0202",), naam="Lotte Visser")
    page.goto(journey.link("lotte@arnhem.nl"))
    page.goto(base + "/gemeente/GM0202/vragen/onderzoek")
    journey.fill_section(ALL["onderzoek"])
    go(page, "button[value=volgende]")
    page.fill("#doel", "Getypt terwijl de sessie verliep.")

    [session] = [c for c in page.context.cookies() if c["name"].endswith("ceo-sessie")]
    signed = SignedCookie("ceo-sessie", 0)
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(config, "secret_key", lambda: config.LOCAL_SECRET)
        data = signed._serializer().loads(session["value"])
        clock.setattr(TimestampSigner, "get_timestamp",
                      lambda self: int(time.time()) - 13 * 3600)
        aged = signed._serializer().dumps(data)
    page.context.add_cookies([{**session, "value": aged}])
    go(page, "button[value=later]")
    assert "Uw invoer op deze pagina is niet verloren" in page.content()
    journey.check("sessie-verlopen-invoer-bewaard")

    page.goto(journey.link("lotte@arnhem.nl"))
    assert "U had dit ingevuld maar het is nog niet opgeslagen" in page.content()
    assert page.input_value("#doel") == "Getypt terwijl de sessie verliep."
    journey.check("bewaarde-invoer-terug")
    go(page, "button[value=later]")
    page.goto(base + "/gemeente/GM0202/vragen/opzet")
    assert page.input_value("#doel") == "Getypt terwijl de sessie verliep."
