"""Counting responses from the responses table's stream (measurement/counting.py): exactly once
per response however the stream delivers its records (twice, reordered, a batch retried), into
write shards; the figures on show move only at the threshold's steps."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import boto3
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support import results as support

ANSWERS = ("5", "4", "3", "2", "1", "0")


@pytest.fixture(autouse=True)
def _fresh_stream():
    support.forget_stream()
    yield
    support.forget_stream()


def _expected(stored) -> dict:
    expected: dict = {}
    for answers in stored:
        for question, answer in answers.items():
            expected.setdefault(question, Counter())[answer] += 1
    return {q: dict(c) for q, c in expected.items()}


def _counted(measurement) -> tuple[int, dict]:
    from chalicelib.measurement import counting, measurements

    groups = counting.totals(counting.read_counts(measurements.scope_key(measurement)), set())
    total = groups.get(("*", "*"))
    return (total.responses, total.plain()) if total else (0, {})


def _clear_results(aws) -> None:
    client = boto3.client("dynamodb")
    table = aws["ResultsTableName"]
    for item in client.scan(TableName=table)["Items"]:
        client.delete_item(TableName=table, Key={"key": item["key"], "item": item["item"]})


@settings(max_examples=20, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_response_counted_once_whatever_the_stream_does(aws, data):
    """The stream replays, duplicates and reorders records, and retries batches: the counters
    equal the distinct responses, question by question and answer by answer."""
    _clear_results(aws)
    measurement = support.measurement()
    rng = random.Random(data.draw(st.integers(0, 10_000)))
    stored = []
    for _ in range(data.draw(st.integers(1, 14))):
        answers = {q: rng.choice(ANSWERS) for q in ("q1", "q2", "q3") if rng.random() < 0.9}
        support.respond(measurement, answers, team=rng.choice([None, "t1", "t2"]))
        stored.append(answers)
    scope = f"{measurement.municipality}#{measurement.id}"
    records = [r for r in support.stream_records(aws)
               if r["dynamodb"]["Keys"]["measurement"]["S"] == scope]
    assert len(records) == len(stored)
    delivered = records + data.draw(st.lists(st.sampled_from(records), max_size=20))
    order = data.draw(st.permutations(range(len(delivered))))
    delivered = [delivered[i] for i in order]
    cuts = sorted(data.draw(st.lists(st.integers(0, len(delivered)), max_size=4)))
    batches = [delivered[a:b] for a, b in zip([0, *cuts], [*cuts, len(delivered)], strict=True)
               if a < b]
    retried = data.draw(st.lists(st.integers(0, len(batches) - 1), max_size=3))
    for n, batch in enumerate(batches):
        assert support.run(batch) == {"batchItemFailures": []}
        if n in retried:
            support.run(batch)
    assert _counted(measurement) == (len(stored), _expected(stored))


def test_counters_are_spread_over_write_shards(aws):
    """No counter item takes every response: 40 responses land in several shards."""
    from chalicelib.measurement import counting, measurements

    measurement = support.measurement()
    for n in range(40):
        support.respond(measurement, {"q1": ANSWERS[n % 6]})
    support.count_new(aws)
    scope = measurements.scope_key(measurement)
    used = [s for s in range(counting.shards())
            if list(counting.ResultCounter.query(counting.shard_key(scope, s)))]
    assert len(used) >= 5
    assert _counted(measurement)[0] == 40


def test_burst_records_and_changes_are_not_responses(aws):
    from chalicelib.measurement import responses

    measurement = support.measurement()
    support.respond(measurement, {"q1": "5"})
    responses.record_burst(measurement.municipality, measurement.id)
    support.count_new(aws)
    assert _counted(measurement) == (1, {"q1": {"5": 1}})


def _shown(measurement, group=("*", "*"), kind="shown"):
    from chalicelib.measurement import counting, measurements
    from chalicelib.platform.models import ResultSnapshot

    try:
        return ResultSnapshot.get(measurements.scope_key(measurement),
                                  counting.snapshot_item(kind, *group))
    except ResultSnapshot.DoesNotExist:
        return None


@pytest.mark.parametrize("batch", [1, 3, 7])
def test_figures_on_show_move_only_at_the_steps(aws, batch):
    """Nothing at 9, the figures of exactly 10 responses at 10 to 14, of 15 at 15 — however
    many responses one batch holds."""
    measurement = support.measurement()
    shown_at: list = []
    for n in range(1, 22):
        support.respond(measurement, {"q1": "5" if n % 2 else "1"})
        if n % batch == 0 or n in (9, 10, 14, 15):
            support.count_new(aws)
            snapshot = _shown(measurement)
            shown_at.append((n, snapshot.responses if snapshot else None,
                             sum(snapshot.counts["q1"].values()) if snapshot else None))
    for n, responses, figures in shown_at:
        expected = None if n < 10 else 10 + (n - 10) // 5 * 5
        assert (n, responses, figures) == (n, expected, expected)


def test_a_team_below_the_threshold_counts_only_in_the_totals(aws):
    measurement = support.measurement()
    for _n in range(10):
        support.respond(measurement, {"q1": "4"}, team="t1")
    for _n in range(7):
        support.respond(measurement, {"q1": "2"}, team="t2")
    support.count_new(aws)
    assert _shown(measurement, ("*", "t1")).responses == 10
    assert _shown(measurement, ("*", "t2")) is None  # 7: "te weinig reacties"
    assert _shown(measurement, ("*", "*")).responses == 15
    assert _shown(measurement, ("*", "*")).counts["q1"] == {"2": 5, "4": 10}


def test_a_replayed_batch_never_puts_lower_figures_over_those_on_show(aws):
    """A snapshot is only replaced by a higher one: after a rebuild left 12 on show (a day
    counted again), the stream replaying the old records walks past the step 10 again and
    must not put it back."""
    from chalicelib.measurement import counting

    measurement = support.measurement()
    for n in range(12):
        support.respond(measurement, {"q1": ANSWERS[n % 6]})
    records = support.stream_records(aws)
    support.run(records)
    assert _shown(measurement).responses == 10
    counting.rebuild(measurement)
    assert _shown(measurement).responses == 12
    assert support.run(records) == {"batchItemFailures": []}
    assert _shown(measurement).responses == 12


def test_responses_of_a_left_out_day_counted_later_never_move_the_figures(aws):
    """A burst day left out, and its burst going on: its responses, counted in one batch after
    seven ordinary ones, must not be walked as if they counted — the figures at the step 15
    are those of the first 15 counted responses, not of all 17 under the label 15."""
    from chalicelib.measurement import measurements, results

    measurement = support.measurement()
    today, yesterday = date.today(), date.today() - timedelta(days=1)
    for _ in range(10):
        support.respond(measurement, {"q1": "5"}, day=yesterday)
    support.count_new(aws)
    results.set_day_excluded(measurement, today.isoformat(), True, "registrant#test")
    measurement = measurements.get(measurement.municipality, measurement.id)
    for _ in range(7):
        support.respond(measurement, {"q1": "4"}, day=yesterday)
    for _ in range(3):
        support.respond(measurement, {"q1": "1"}, day=today)  # the left-out day
    support.count_new(aws)
    shown = _shown(measurement)
    assert (shown.responses, shown.counts["q1"]) == (15, {"4": 5, "5": 10})
