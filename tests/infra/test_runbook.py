"""docs/runbook.md has one section per alarm of the deployed (SAM-transformed) template, each
saying what it means, where to look first and what repairs it; every command it names exists."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = (ROOT / "docs" / "runbook.md").read_text()


@pytest.fixture(scope="module")
def transformed(prod_package):
    return json.loads((prod_package / "transformed.json").read_text())


def _sections() -> dict[str, str]:
    parts = re.split(r"^## (.+)$", RUNBOOK, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_alarm_has_its_section_and_every_alarm_section_an_alarm(transformed):
    alarms = {r["Properties"]["AlarmName"]["Fn::Sub"].replace("${Stage}", "prod")
              for r in transformed["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert len(alarms) >= 25
    headings = {h for h in _sections() if h.startswith("ceo-prod-")}
    assert headings == alarms


def test_each_alarm_section_says_what_it_means_where_to_look_and_how_to_repair():
    for heading, text in _sections().items():
        if heading.startswith("ceo-prod-"):
            for part in ("**Means**", "**Look first**", "**Repair**"):
                assert part in text, (heading, part)


def test_the_commands_it_names_exist():
    dev = (ROOT / "dev").read_text()
    for command in set(re.findall(r"\./dev ([a-z-]+)", RUNBOOK)):
        assert re.search(rf"^  {command}\)", dev, flags=re.MULTILINE), command
    from devtools import redrive

    for queue in set(re.findall(r"\./dev redrive prod ([a-z-]+)", RUNBOOK)):
        assert queue in redrive.QUEUES, queue
    assert set(redrive.QUEUES) <= set(re.findall(r"\./dev redrive prod ([a-z-]+)", RUNBOOK)) | {
        q for q in redrive.QUEUES if f"| {q}" in RUNBOOK or f"{q} |" in RUNBOOK}
