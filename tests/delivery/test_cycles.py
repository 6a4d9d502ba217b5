"""Sending windows come from the cycle's settings (chalicelib/platform/data/cycles.json), not
from dates per stage: a stage moved to the next cycle gets that cycle's window, next cycle's
values are ready before they are needed, and a cycle without settings is an error, never a
stage that is open or closed by accident."""
from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "chalicelib" / "questionnaire" / "data"
DEPLOYED = ("dev", "prod")


def stage_variables(stage: str) -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {**config["environment_variables"], **config["stages"][stage]["environment_variables"]}


@pytest.fixture()
def prod(monkeypatch):
    """The window-related settings exactly as prod has them."""
    variables = stage_variables("prod")
    for name in ("STAGE", "DELIVERY_WINDOW", "QUESTIONNAIRE", "CURRENT_CYCLE"):
        monkeypatch.setenv(name, variables[name])
    for name in ("DELIVERY_OPENS", "DELIVERY_DEADLINE", "DELIVERY_LATE_UNTIL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00+00:00")


def test_every_defined_cycle_has_a_window_and_the_next_one_is_ready():
    from chalicelib.platform import cycles

    settings = cycles.load()
    for instrument_dir in DEFINITIONS.iterdir():
        defined = sorted(int(p.stem) for p in instrument_dir.glob("*.json"))
        assert defined, instrument_dir
        windows = settings[instrument_dir.name]
        missing = [c for c in defined if c not in windows]
        assert missing == [], f"{instrument_dir.name}: no sending window for {missing}"
        assert defined[-1] + 1 in windows, \
            f"{instrument_dir.name}: next cycle's window ({defined[-1] + 1}) is not ready"
        ordered = [windows[c] for c in sorted(windows)]
        for earlier, later in itertools.pairwise(ordered):
            assert earlier.late_until < later.opens  # one season at a time


def test_no_deployed_stage_carries_dates_of_its_own():
    """The dates that ran out on 2026-10-31 sat in .chalice/config.json per stage."""
    for stage in DEPLOYED:
        variables = stage_variables(stage)
        assert not {"DELIVERY_OPENS", "DELIVERY_DEADLINE", "DELIVERY_LATE_UNTIL"} & \
            set(variables), stage
        assert variables["DELIVERY_WINDOW"] in ("open", "cycle"), stage
    assert stage_variables("prod")["DELIVERY_WINDOW"] == "cycle"


@pytest.mark.parametrize("day,open_,late", [
    ("2025-12-31", False, False), ("2026-01-01", True, False), ("2026-06-30", True, False),
    ("2026-07-01", True, True), ("2026-10-31", True, True), ("2026-11-01", False, False),
])
def test_prod_s_window_is_the_current_cycle_s(prod, day, open_, late):
    from chalicelib.delivery import window
    from chalicelib.platform import cycles

    settings = cycles.window_of("ceo-wmo", 2026)
    assert (settings.opens, settings.late_until) == (date(2026, 1, 1), date(2026, 10, 31))
    result = window.window(at(day))
    assert (result.open, result.late) == (open_, late)


def test_moving_a_stage_to_the_next_cycle_moves_its_window(prod):
    from chalicelib.delivery import window
    from chalicelib.platform import config

    assert not window.window(at("2026-11-23")).open  # 2026 is over
    prod.setenv("CURRENT_CYCLE", "2027")
    before = window.window(at("2026-11-23"))
    assert not before.open and "Verzenden kan vanaf 1 januari 2027" in before.message
    assert window.window(at("2027-03-01")).open
    assert window.window(at("2027-07-01")).late
    issued = datetime(2027, 1, 10, tzinfo=UTC)  # links last 2027's season
    assert config.link_expiry(issued).isoformat() == "2027-10-31T22:59:59+00:00"


def test_a_cycle_without_settings_is_an_error_not_an_open_or_closed_stage(prod):
    from chalicelib.delivery import window
    from chalicelib.platform import cycles

    prod.setenv("CURRENT_CYCLE", "2031")
    with pytest.raises(cycles.CycleSettingsError, match=r"ceo-wmo 2031.*cycles\.json"):
        window.window(at("2031-03-01"))


def test_the_open_mode_and_the_test_overrides(prod):
    from chalicelib.delivery import window

    prod.setenv("DELIVERY_WINDOW", "open")  # dev: testers send any day
    assert window.window(at("2026-11-23")).open
    prod.setenv("DELIVERY_WINDOW", "cycle")
    prod.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")  # one date overridden, the rest the cycle's
    result = window.window(at("2026-11-23"))
    assert result.open and result.late


@pytest.mark.parametrize("values,problem", [
    ({"opens": "2026-07-01", "deadline": "2026-06-30", "late_until": "2026-10-31"},
     "opens <= deadline"),
    ({"opens": "2026-01-01", "deadline": "30-06-2026", "late_until": "2026-10-31"},
     "unusable"),
    ({"opens": "2026-01-01", "deadline": "2026-06-30"}, "unusable"),
])
def test_unusable_settings_fail_loudly(tmp_path, values, problem):
    from chalicelib.platform import cycles

    path = tmp_path / "cycles.json"
    path.write_text(json.dumps({"ceo-wmo": {"2026": values}}))
    with pytest.raises(cycles.CycleSettingsError, match=problem):
        cycles.load(path)
