"""The local runner (`./dev run`) on free ports and Chromium with axe-core, for browser tests
other than the main journey: start it, read what it saved (mails, sms), check a page."""
from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Runner:
    def __init__(self, process: subprocess.Popen, base: str, moto: str, mail: Path,
                 sms: Path) -> None:
        self.process, self.base, self.moto, self.mail, self.sms = process, base, moto, mail, sms
        self.output = ""

    def aws(self, service: str):
        import boto3

        return boto3.client(service, endpoint_url=self.moto, region_name="eu-central-1",
                            aws_access_key_id="x", aws_secret_access_key="x")

    def saved_sms(self, timeout: float = 10) -> list[str]:
        deadline = time.monotonic() + timeout
        while not list(self.sms.glob("*.txt")) and time.monotonic() < deadline:
            time.sleep(0.2)
        return [p.read_text(encoding="utf-8") for p in sorted(self.sms.glob("*.txt"))]


def start(command: list[str], log: Path, **popen) -> subprocess.Popen:
    """A local runner whose output goes to `log`, not to a pipe: a pipe nobody reads while the
    runner serves fills up (64 kB) and then blocks the runner on its own print."""
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                text=True, **popen)


def stop(process: subprocess.Popen, log: Path, timeout: float) -> str:
    """Ctrl-C, then its whole output; AssertionError (with the output) when it does not stop
    within `timeout` seconds (a hang detector, not a timing)."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"the runner did not stop within {timeout:.0f} s of Ctrl-C; it "
                             f"said:\n{log.read_text(encoding='utf-8')[-3000:]}") from None
    return log.read_text(encoding="utf-8")


@contextmanager
def local_runner(directory: Path):
    """`./dev run` on free ports with its mails and sms saved under `directory`; on leaving,
    stopped with Ctrl-C and its whole output kept in `.output`."""
    port, moto_port = free_port(), free_port()
    mail, sms, log = directory / "mail", directory / "sms", directory / "runner.log"
    process = start([str(ROOT / "dev"), "run", "--port", str(port), "--moto-port",
                     str(moto_port), "--mail-dir", str(mail), "--sms-dir", str(sms)], log,
                    env={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())})
    runner = Runner(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{moto_port}", mail,
                    sms)
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                urllib.request.urlopen(runner.base + "/", timeout=2)
                break
            except OSError:
                assert process.poll() is None, log.read_text(encoding="utf-8")
                assert time.monotonic() < deadline, "the local runner did not start"
                time.sleep(0.3)
        yield runner
    finally:
        runner.output = stop(process, log, 60)


@contextmanager
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is required (./dev test installs it)"
    assert AXE.exists(), "axe-core is required (./dev test runs npm ci)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()


def axe_serious(page) -> list:
    """axe-core's serious and critical violations on the page (none is the bar)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def go(page, selector: str) -> None:
    """Clicks `selector` and waits for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


class Screens:
    """Numbered full-page screenshots in test-artifacts/<name>/ (to look at after a run), each
    page checked with axe-core on the way: no serious or critical violation."""

    def __init__(self, name: str) -> None:
        self.directory = ROOT / "test-artifacts" / name
        self.directory.mkdir(parents=True, exist_ok=True)
        self.shots = 0

    def __call__(self, page, name: str) -> None:
        self.shots += 1
        page.screenshot(path=str(self.directory / f"{self.shots:02d}-{name}.png"),
                        full_page=True)
        assert axe_serious(page) == [], name
