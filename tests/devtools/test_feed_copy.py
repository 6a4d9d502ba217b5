"""`./dev feed` against a `./dev run` on other ports: it finds the run's moto port and bucket
in .local/run.json (written while the run goes); the --help texts of ./dev run, feed and site
are whole sentences."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from devtools import feed_copy

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dev_feed_finds_a_run_started_on_other_ports(tmp_path, monkeypatch, capsys):
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    try:
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}",
                          region_name="eu-central-1", aws_access_key_id="x",
                          aws_secret_access_key="x")
        s3.create_bucket(Bucket="ceo-local-publication-other",
                         CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        s3.put_object(Bucket="ceo-local-publication-other", Key="index.json", Body=b"{}")
        run_file = tmp_path / "run.json"  # what devtools/local.py writes while it runs
        run_file.write_text(json.dumps({"pid": os.getpid(), "host": "127.0.0.1",
                                        "port": 8123, "moto_port": port,
                                        "bucket": "ceo-local-publication-other"}))
        monkeypatch.setattr(feed_copy, "RUN_FILE", run_file)
        assert feed_copy.main(["--to", str(tmp_path / "feed")]) == 0
        assert (tmp_path / "feed" / "index.json").read_text() == "{}"
        assert f"Gekopieerd van moto op poort {port}" in capsys.readouterr().out
        run_file.write_text(json.dumps({"pid": 2 ** 22 + 7, "moto_port": port}))  # gone
        assert feed_copy.running() is None
    finally:
        moto.stop()


def test_the_run_file_is_written_and_withdrawn_by_the_run(tmp_path, monkeypatch):
    from devtools import local

    monkeypatch.setattr(local, "RUN_FILE", tmp_path / "run.json")
    local.announce_run("127.0.0.1", 8123, 5123, "bucket")
    assert json.loads((tmp_path / "run.json").read_text())["moto_port"] == 5123
    local.withdraw_run()
    assert not (tmp_path / "run.json").exists()


@pytest.mark.parametrize("command,sentences", [
    ([sys.executable, "-m", "devtools.feed_copy", "--help"],
     ["so the documents and HTML reports can be opened from disk.",
      "--moto-port names the port yourself.", "De map waarin de kopie komt (standaard "
      ".local/feed)."]),
    ([sys.executable, "site/build.py", "--help"],
     ["proof that the contract (docs/feed.md) suffices.",
      "maak dus eerst een kopie met ./dev feed en bouw dan met ./dev site."]),
    ([sys.executable, "-m", "devtools.local", "--help"],
     ["Ctrl-C stops all of it.", "De poort van de app (standaard 8000).",
      "./dev feed vindt die poorten zelf zolang deze run draait."]),
])
def test_help_texts_are_whole_sentences(command, sentences):
    shown = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60,
                           check=True).stdout
    flat = " ".join(shown.split())
    for sentence in sentences:
        assert sentence in flat, sentence
    # no option without an explanation, none cut off mid-sentence
    for line in shown.split("options:")[1].split("\n  -")[1:]:
        text = " ".join(line.split())
        if text.startswith("h, --help"):
            continue
        assert text.endswith(")") or text.endswith("."), text
