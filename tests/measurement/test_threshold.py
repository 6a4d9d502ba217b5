"""The results' privacy threshold: nothing below 10 responses, then figures per 5."""
import pytest

from chalicelib.measurement import threshold


@pytest.mark.parametrize(("responses", "expected"), [
    (0, None), (9, None), (10, 10), (14, 10), (15, 15), (19, 15), (20, 20), (24, 20), (25, 25),
])
def test_figures_appear_at_ten_and_then_move_per_five(responses, expected):
    assert threshold.shown(responses) == expected
    assert threshold.below(responses) is (expected is None)


def test_a_measurement_may_raise_the_minimum_but_never_lower_it():
    assert threshold.minimum(3) == 10
    assert threshold.minimum(None) == 10
    assert threshold.minimum(20) == 20
    assert threshold.shown(19, 20) is None
    assert threshold.shown(20, 20) == 20
    assert threshold.shown(24, 20) == 20
    assert threshold.shown(25, 20) == 25


def test_the_default_comes_from_the_stage_setting(monkeypatch):
    monkeypatch.setenv("MEASUREMENT_MIN_RESPONSES", "15")
    assert threshold.shown(14) is None
    assert threshold.shown(15) == 15
    assert threshold.minimum(10) == 15
