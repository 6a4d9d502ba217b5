"""`./dev bench --results [N]`: the numbers issue 28 asks for, in-process against moto with the
local runner's own pieces (its stream pump feeding the counter, its DynamoDB: serialised,
transactions undone item by item, a Query reading one partition — devtools/local.py
runner_dynamodb).

- N responses (default 1,000) through the same code the pages call (responses.submit: one
  transactional write each): 10, then a trickle of up to 200 at 20 a second, then the rest
  by 8 threads at once; counted from the responses stream by the counter
  (measurement/counting.py) as `./dev run` does;
- the counters equal the responses exactly, question by question and answer by answer;
- submit → counted: per response, from the end of its write to the end of the stream batch
  that counted it (p50/p95, local: the pump takes up to 500 records once a second, the event
  source's batch size and batching window), for the trickle (the pipeline's own latency) and
  for the burst (mostly the queue in front of moto's one-request-at-a-time counter);
- the results page's AWS requests at 10 and at N responses (they must be equal);
- the counter's DynamoDB requests per response (moto reports no consumed capacity worth
  printing: docs/performance.md counts the write units).
moto answers one DynamoDB request at a time, so the throughput here is moto's, not
DynamoDB's: docs/performance.md has the arithmetic for AWS."""
from __future__ import annotations

import os
import random
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

ANSWERS = ("5", "4", "3", "2", "1", "0")
BATCHING_WINDOW = 1.0  # seconds: MaximumBatchingWindowInSeconds of CountResponses' stream
PACED, PACED_RATE = 200, 20  # responses, per second
DYNAMODB = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "TransactGetItems",
            "TransactWriteItems", "BatchGetItem", "BatchWriteItem"}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(count: int = 1_000, threads: int = 8) -> list[tuple[str, str]]:
    from moto import mock_aws

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    mock_aws().start()
    from devtools import aws_resources, local

    outputs = aws_resources.deploy()
    os.environ.update(aws_resources.environment_for(outputs))
    os.environ["MEASUREMENT_SIGNAL_PERCENT"] = "100"  # no signal mails in the timing
    local.runner_dynamodb()
    from botocore.client import BaseClient

    import app
    from chalicelib.measurement import counting, measurements, responses
    from devtools.stream_pump import StreamPump
    from tests.support import measurement as steps
    from tests.support.browser import Browser, Mailbox
    from tests.support.flows import signed_in

    representative = Browser(app.app)
    signed_in(representative, Mailbox())
    path = steps.measurement_path(steps.create(representative))
    code, measurement_id = path.split("/")[2], path.split("/")[4]
    measurement = measurements.get(code, measurement_id)
    period = measurements.period_of(measurement).id

    counted: dict[str, float] = {}
    counter_calls: Counter = Counter()
    in_counter = threading.local()
    real = BaseClient._make_api_call

    def recording(client, operation, params):
        if getattr(in_counter, "on", False) and operation in DYNAMODB and \
                client.meta.service_model.service_name == "dynamodb":
            counter_calls[operation] += 1
        return real(client, operation, params)

    BaseClient._make_api_call = recording

    def handler(event, context):
        in_counter.on = True
        try:
            result = counting.handle(event, context)
        finally:
            in_counter.on = False
        now = time.perf_counter()
        for record in event["Records"]:
            response = counting.from_record(record)
            if response is not None:
                counted.setdefault(response.id, now)
        return result

    # the counter's subscription as `./dev run` makes it (app.py's batch size, 500), polled
    # once a second: the event source's batching window in infra/stack.yaml
    [counter] = [s for s in local.stream_subscriptions(app, outputs)
                 if s.function_name == "count_responses"]
    counter.handler = handler
    pump = StreamPump([counter], "eu-central-1", interval=BATCHING_WINDOW,
                      after_poll=local.forget_shard_iterators)
    submitted: dict[str, float] = {}
    stored: list[dict[str, str]] = []
    lock = threading.Lock()

    def submit(n: int) -> None:
        rng = random.Random(n)
        answers = {f"q{q}": rng.choice(ANSWERS) for q in range(1, 11) if q != 5}
        answers["q5"] = rng.choice(("ja", "nee", "0"))
        team = rng.choice((None, "t1", "t2"))
        response = responses.submit(responses.Source(code, measurement_id, period, "generiek",
                                                     team), answers)
        with lock:
            submitted[response.id] = time.perf_counter()
            stored.append(answers)

    def page_requests() -> Counter:
        calls: Counter = Counter()
        me = threading.get_ident()

        def observe(client, operation, params):
            if threading.get_ident() == me:  # not the stream pump's
                calls[f"{client.meta.service_model.service_name}.{operation}"] += 1
            return recording(client, operation, params)

        BaseClient._make_api_call = observe
        try:
            assert representative.get(f"{path}/resultaten").status_code == 200
        finally:
            BaseClient._make_api_call = recording
        return calls

    def wait_counted(total: int, limit: float) -> bool:
        deadline = time.monotonic() + limit
        while len(counted) < total and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(counted) >= total

    def latencies(ids) -> str:
        waited = [counted[i] - submitted[i] for i in ids if i in counted]
        return (f"{1000 * statistics.median(waited):.0f} ms / "
                f"{1000 * _percentile(waited, 0.95):.0f} ms")

    pump.start()
    for n in range(10):
        submit(n)
    wait_counted(10, 60)
    at_10 = page_requests()
    # a steady trickle below what moto counts per second: the pipeline's own latency (the
    # batching window and one counting), without a queue in front of the counter
    paced = min(PACED, max(0, count - 10) // 10)
    before = set(submitted)
    for n in range(10, 10 + paced):
        submit(n)
        time.sleep(1 / PACED_RATE)
    wait_counted(10 + paced, 60)
    trickle = set(submitted) - before
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(submit, range(10 + paced, count)))
    submit_seconds = time.perf_counter() - started
    burst = set(submitted) - before - trickle
    complete = wait_counted(count, max(120.0, count / 5))
    counted_seconds = time.perf_counter() - started
    pump.stop()
    at_n = page_requests()

    groups = counting.totals(counting.read_counts(measurements.scope_key(measurement)), set())
    total = groups[("*", "*")]
    expected: dict[str, Counter] = {}
    for answers in stored:
        for question, answer in answers.items():
            expected.setdefault(question, Counter())[answer] += 1
    exact = total.responses == len(stored) == count and total.plain() == {
        q: dict(sorted(c.items())) for q, c in sorted(expected.items())}
    rows = [
        (f"submit → counted p50 / p95, {paced} at {PACED_RATE}/s", latencies(trickle)),
        (f"responses submitted at once ({threads} threads)",
         f"{len(burst):,} in {submit_seconds:.1f} s ({len(burst) / submit_seconds:.0f}/s "
         f"through moto)"),
        ("all counted", f"{'yes' if complete else 'NO'}, {len(counted):,}; the last "
                        f"{counted_seconds:.1f} s after the burst began"),
        ("counters = responses, per question and answer", "yes" if exact else "NO"),
        ("submit → counted p50 / p95, in the burst", latencies(burst)),
        ("results page requests at 10", ", ".join(f"{k} {v}" for k, v in sorted(at_10.items()))),
        (f"results page requests at {count:,}",
         ", ".join(f"{k} {v}" for k, v in sorted(at_n.items()))),
        ("results page requests constant", "yes" if at_10 == at_n else "NO"),
        ("counter: DynamoDB requests per response",
         f"{sum(counter_calls.values()) / count:.2f} ("
         + ", ".join(f"{k} {v}" for k, v in sorted(counter_calls.items())) + ")"),
    ]
    return rows
