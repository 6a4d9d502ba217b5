"""`./dev bench --load [N]`: N representatives (default 20) fill in and save questionnaire pages
at the same time against the local runner (`./dev run`, started here on free ports), then check
that what each of them saved last is what their draft holds.

A local figure, recorded to compare versions: the runner serves one request at a time, so this
measures the app's own cost per request under contention, not what AWS would do.
"""
from __future__ import annotations

import email
import http.cookiejar
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email import policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_REPRESENTATIVES = 25  # the local stage allows 30 registrations per IP per hour
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
VERSION = re.compile(r'name="versie" value="(\d+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A save's own time, without the page its redirect leads to."""

    def redirect_request(self, *args, **kwargs):
        return None


def municipality_codes() -> list[str]:
    [path] = sorted(ROOT.glob("chalicelib/**/gemeenten-2025.csv"))
    rows = path.read_text()
    return re.findall(r"^(GM\d{4}),", rows, flags=re.M)


class Representative:
    def __init__(self, base: str, number: int, code: str) -> None:
        self.base, self.number, self.code = base, number, code
        self.email = f"load{number}@groningen.nl"
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.saver = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                                 KeepRedirects())
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.last_saved = ""

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=60).read().decode()

    def post(self, path: str, pairs: list[tuple[str, str]], page: str,
             follow: bool = True) -> int:
        token = CSRF.search(page).group(1)
        body = urllib.parse.urlencode([("csrf_token", token), *pairs]).encode()
        opener = self.opener if follow else self.saver
        try:
            return opener.open(self.base + path, data=body, timeout=60).status
        except urllib.error.HTTPError as error:
            return error.code

    def register(self) -> None:
        page = self.get("/")
        status = self.post("/", [("naam", f"Vertegenwoordiger {self.number}"),
                                 ("email", self.email), ("telefoon", "050 367 9111"),
                                 ("gemeente", self.code), ("namens", "ja")], page)
        if status != 200:  # the redirect to /aangemeld is followed
            raise RuntimeError(f"registration {self.number} answered {status}")

    def sign_in(self, mail_dir: Path) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for path in mail_dir.glob(f"*{self.email}*.eml"):
                message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
                text = message.get_body(("plain",)).get_content()
                match = re.search(r"(/link/[0-9a-f]{32}\.[A-Za-z0-9_-]+)", text)
                if match:
                    self.get(match.group(1))
                    return
            time.sleep(0.2)
        raise RuntimeError(f"no link mail for {self.email}")

    def fill(self, saves: int) -> None:
        path = f"/gemeente/{self.code}/vragen/opzet"
        for count in range(saves):
            page = self.get(path)
            text = f"Vertegenwoordiger {self.number}, opslag {count + 1}"
            pairs = [("doel", text), ("versie", VERSION.search(page).group(1)),
                     ("actie", "later")]
            started = time.perf_counter()
            status = self.post(path, pairs, page, follow=False)
            self.latencies.append(time.perf_counter() - started)
            if status not in (200, 303):
                self.errors.append(f"save answered {status}")
            else:
                self.last_saved = text

    def draft_holds_last_save(self) -> bool:
        page = self.get(f"/gemeente/{self.code}/vragen/opzet")
        return bool(self.last_saved) and self.last_saved in page


def run(representatives: int = 20, saves: int = 10) -> list[tuple[str, str]]:
    if representatives > MAX_REPRESENTATIVES:
        raise SystemExit(f"at most {MAX_REPRESENTATIVES} representatives (the local stage's "
                         "per-IP registration limit)")
    port, moto_port = free_port(), free_port()
    mail_dir = ROOT / ".local" / f"bench-mail-{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "STAGE"}
    runner = subprocess.Popen(
        [sys.executable, "-m", "devtools.local", "--port", str(port), "--moto-port",
         str(moto_port), "--mail-dir", str(mail_dir)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or runner.poll() is not None:
                    raise SystemExit("the local runner did not start") from None
                time.sleep(0.3)
        codes = municipality_codes()
        people = [Representative(base, n, codes[n]) for n in range(representatives)]
        for person in people:
            person.register()
            person.sign_in(mail_dir)

        def median_ms(path: str) -> float:
            times = []
            for _ in range(15):
                started = time.perf_counter()
                people[0].get(path)
                times.append(time.perf_counter() - started)
            return statistics.median(times) * 1000

        start_ms = median_ms("/start")
        page_ms = median_ms(f"/gemeente/{people[0].code}/vragen/uitkomsten")

        def work(person: Representative) -> None:
            try:
                person.fill(saves)
            except Exception as error:  # counted, the others go on
                person.errors.append(type(error).__name__)

        threads = [threading.Thread(target=work, args=(p,)) for p in people]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        latencies = sorted(t for p in people for t in p.latencies)
        errors = sum(len(p.errors) for p in people)
        intact = sum(1 for p in people if p.draft_holds_last_save())
    finally:
        runner.terminate()
        try:
            runner.wait(timeout=30)
        except subprocess.TimeoutExpired:
            runner.kill()
        shutil.rmtree(mail_dir, ignore_errors=True)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] if latencies else float("nan")
    return [("start page, sequential median", f"{start_ms:.0f} ms"),
            ("score-table page, sequential median", f"{page_ms:.0f} ms "
                                                    f"({page_ms / start_ms:.1f}× the start page)"),
            ("representatives × saves", f"{representatives} × {saves}"),
            ("saves/s", f"{len(latencies) / elapsed:.1f}"),
            ("save latency p50", f"{statistics.median(latencies) * 1000:.0f} ms"),
            ("save latency p95", f"{p95 * 1000:.0f} ms"),
            ("errors", str(errors)),
            ("last save is what the draft holds", f"{intact} of {representatives}")]
