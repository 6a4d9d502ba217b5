"""`./dev run` as a new engineer uses it: starts, serves the form, saves mails, stops on Ctrl-C."""
from __future__ import annotations

import re
import socket
import sys
import time
import urllib.error
from pathlib import Path

from tests.support import live
from tests.support.browser import LiveBrowser
from tests.support.flows import fill_all, register, send

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_runner_serves_registers_saves_eml_and_stops_cleanly(tmp_path):
    port, moto_port = free_port(), free_port()
    mail_dir = tmp_path / "mail"
    env = {k: v for k, v in __import__("os").environ.items()
           if not k.startswith("AWS_") and k not in ("STAGE",)}
    log = tmp_path / "runner.log"
    process = live.start([sys.executable, "-m", "devtools.local", "--port", str(port),
                          "--moto-port", str(moto_port), "--mail-dir", str(mail_dir)], log,
                         env=env)
    base = f"http://127.0.0.1:{port}"
    person = LiveBrowser(base)
    try:
        def home():
            try:
                return person.get("/").text
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, log.read_text(encoding="utf-8")
                return None

        wait_for(home, 90, "the app on " + base)
        answer = register(person, email="piet@almere.nl", codes=("GM0034",),
                          naam="Piet Jansen", telefoon="0612345678")
        assert answer.status_code == 303 and answer.headers["Location"].endswith("/aangemeld")
        assert person.get(answer.headers["Location"]).status_code == 200
        missing = person.get("/bestaat-niet")  # as a deployed stage: a Dutch page, not JSON
        assert missing.status_code == 404 and "Pagina niet gevonden" in missing.text
        assert '<html lang="nl">' in missing.text

        eml = wait_for(lambda: list(mail_dir.glob("*.eml")), 10, "an .eml file")
        saved = eml[0].read_text()
        assert "piet@almere.nl" in saved and "Content-Type: text/html" in saved
        link = re.search(rf"{re.escape(base)}/link/[0-9a-f]{{32}}\.[A-Za-z0-9_-]{{32}}",
                         saved.replace("=\n", "")).group(0)
        start = person.get(link)
        assert start.status_code == 303 and start.headers["Location"].endswith("/start")
        assert "Almere" in person.get(start.headers["Location"]).text

        # fill and send the questionnaire; the stream pump forwards it to the local bucket
        fill_all(person, code="GM0034")
        sent = send(person, code="GM0034")
        assert sent.status_code == 303
        assert "GM0034-2026-1" in person.get(sent.headers["Location"]).text

        import json

        import boto3

        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{moto_port}",
                          region_name="eu-central-1", aws_access_key_id="local",
                          aws_secret_access_key="local")

        def feed_document():
            try:
                return json.loads(s3.get_object(Bucket="ceo-local-publication-123456789012",
                                                Key="ceo-wmo/2026/GM0034.json")["Body"].read())
            except s3.exceptions.NoSuchKey:
                return None

        document = wait_for(feed_document, 15, "the feed document in the local bucket")
        assert document["delivery"]["id"] == "GM0034-2026-1"
    finally:
        output = live.stop(process, log, 60)
    exit_code = process.returncode
    assert exit_code == 0, output
    assert "Mail aan piet@almere.nl" in output and "Persoonlijke link:" in output
    assert "Gestopt." in output
    for used in (port, moto_port):  # nothing left listening
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", used)) != 0
