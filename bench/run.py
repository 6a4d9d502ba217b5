"""Benchmarks, printed as a table: `./dev bench` (and `./dev bench --load [N]`, see load.py).

- server cost per user action: wall and CPU time of the request in-process, split into time
  inside AWS calls (moto here) and the app's own time, medians of repeated runs;
- DynamoDB requests and consumed capacity per user action, counted by hooking botocore
  (in-process, against moto; capacity as moto reports it);
- page weight (HTML + CSS + JS bytes, and gzipped as API Gateway sends them, requests) of
  every page a representative sees;
- cold start: `import app` against `import boto3` alone, medians of fresh processes, from
  the unzipped Lambda package (with and without its shipped bytecode) and the source tree.
Numbers on a shared machine vary; the request counts do not.
"""
from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DYNAMODB_WITH_CAPACITY = {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                          "TransactGetItems", "TransactWriteItems", "BatchGetItem",
                          "BatchWriteItem"}


class CallCounter:
    """Counts every AWS request the app makes, with DynamoDB's consumed capacity."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.capacity = 0.0

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counting(client, operation, params):
            service = client.meta.service_model.service_name
            if service == "dynamodb" and operation in DYNAMODB_WITH_CAPACITY:
                params = {**params, "ReturnConsumedCapacity": "TOTAL"}
            result = original(client, operation, params)
            counter.calls[f"{service}.{operation}"] += 1
            consumed = result.get("ConsumedCapacity") if isinstance(result, dict) else None
            for item in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
                counter.capacity += float(item.get("CapacityUnits", 0))
            return result

        BaseClient._make_api_call = counting

    def take(self) -> tuple[Counter, float]:
        calls, capacity = self.calls, self.capacity
        self.calls, self.capacity = Counter(), 0.0
        return calls, capacity


class CallTimer:
    """Wall and CPU time spent inside AWS calls (botocore's _make_api_call)."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def install(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        timer = self

        def timed(client, operation, params):
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return original(client, operation, params)
            finally:
                timer.wall += time.perf_counter() - wall
                timer.cpu += time.process_time() - cpu

        BaseClient._make_api_call = timed


# The app's own time per action (wall, ms, excluding the AWS calls), from the issue.
BUDGETS_MS = {"show start page": 15, "show questionnaire page (score table)": 15,
              "save questionnaire page": 20, "review answers": 25, "send": 40}


def costs(browser, timer: CallTimer, code: str, runs: int = 15) -> list[tuple]:
    """Median wall/CPU per action over `runs` in-process requests, split AWS vs own."""
    from urllib.parse import urlencode

    from tests.support.answers import ALL
    from tests.support.flows import save, seen_on

    def token_of(text: str) -> str:
        return re.search(r'name="csrf_token" value="([0-9a-f]+)"', text).group(1)

    def timed(run) -> tuple[float, float, float, float]:
        timer.wall = timer.cpu = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        response = run()
        assert response.status_code < 400, response.status_code
        return (time.perf_counter() - wall, time.process_time() - cpu, timer.wall, timer.cpu)

    def save_once():
        path = f"/gemeente/{code}/vragen/uitkomsten"
        page = browser.get(path).text
        version = re.search(r'name="versie" value="(\d+)"', page).group(1)
        body = urlencode([("csrf_token", token_of(page)), *ALL["uitkomsten"],
                          ("versie", version), ("actie", "later")]).encode()
        return timed(lambda: browser.post_raw(path, body))

    def send_once():
        save(browser, "uitkomsten", ALL["uitkomsten"], code=code)  # a new version to send
        review = browser.get(f"/gemeente/{code}/controleren").text
        body = urlencode([("csrf_token", token_of(review)), ("gezien", seen_on(review)),
                          ("bevestig_toestemming", "ja")]).encode()
        return timed(lambda: browser.post_raw(f"/gemeente/{code}/verzenden", body))

    for section, fields in ALL.items():
        save(browser, section, fields, code=code)
    actions = {
        "show start page": lambda: timed(lambda: browser.get("/start")),
        "show questionnaire page (score table)": lambda: timed(
            lambda: browser.get(f"/gemeente/{code}/vragen/uitkomsten")),
        "save questionnaire page": save_once,
        "review answers": lambda: timed(lambda: browser.get(f"/gemeente/{code}/controleren")),
        "send": send_once,
    }
    rows = []
    for action, run in actions.items():
        run()  # warm-up: the first request of a kind builds templates and clients
        samples = [run() for _ in range(runs)]
        wall, cpu, aws_wall, _aws_cpu = (statistics.median(s[i] for s in samples)
                                        for i in range(4))
        own = statistics.median(s[0] - s[2] for s in samples) * 1000
        own_cpu = statistics.median(s[1] - s[3] for s in samples) * 1000
        budget = BUDGETS_MS[action]
        rows.append((action, f"{wall * 1000:.1f}", f"{cpu * 1000:.1f}", f"{aws_wall * 1000:.1f}",
                     f"{own:.1f}", f"{own_cpu:.1f}",
                     f"≤ {budget}: {'met' if own <= budget else 'MISSED'}"))
    return rows


COSTS: list[tuple] = []
TIMING: list[tuple] = []


def enumeration_timing(chalice_app, people: int = 25) -> list[tuple]:
    """Server time of a new-link request and of a registration, for known and for unknown
    addresses, alternating (in-process; the rate limits are lifted for the measurement only).
    The request only queues work, so the two distributions should overlap."""
    from urllib.parse import urlencode

    from chalicelib.accounts import registration
    from chalicelib.accounts.registration_form import NewRegistration
    from chalicelib.platform import config
    from tests.support.browser import Browser, deliver_queued

    config.rate_limit_per_ip = config.rate_limit_per_email = lambda: 10**6
    for n in range(people):
        registration.register(NewRegistration(f"Bekend {n}", f"bekend{n}@ede.nl",
                                              "+31318123456", ("GM0228",)))
    deliver_queued()
    browser = Browser(chalice_app)
    samples: dict[str, list[float]] = {}
    for form, fields in (("/nieuwe-link", lambda email: [("email", email)]),
                         ("/", lambda email: [("naam", "Iemand"), ("email", email),
                                              ("telefoon", "0318123456"),
                                              ("gemeente", "GM0228"), ("namens", "ja")])):
        token = browser.csrf_token(form)
        for n in range(people):
            for kind, email in (("known", f"bekend{n}@ede.nl"),
                                ("unknown", f"onbekend{n}-{len(form)}@ede.nl")):
                body = urlencode([("csrf_token", token), *fields(email)]).encode()
                started = time.perf_counter()
                response = browser.post_raw(form, body)
                samples.setdefault(f"{form} {kind}", []).append(time.perf_counter() - started)
                assert response.status_code == 303, response.status_code
        deliver_queued()
    rows = []
    for name, values in samples.items():
        values.sort()
        rows.append((name, f"{statistics.median(values) * 1000:.1f}",
                     f"{values[int(len(values) * 0.9) - 1] * 1000:.1f}",
                     f"{values[0] * 1000:.1f}–{values[-1] * 1000:.1f}"))
    return rows


def costs_only() -> list[tuple]:
    from urllib.parse import urlencode

    from moto import mock_aws

    mock_aws().start()
    from devtools import aws_resources

    aws_resources.deploy()
    import app
    from tests.support.browser import Browser

    browser = Browser(app.app)
    fields = [("csrf_token", browser.csrf_token("/")), ("naam", "Anna"),
              ("email", "anna@ede.nl"), ("telefoon", "0318123456"), ("gemeente", "GM0228"),
              ("namens", "ja")]
    browser.post_raw("/", urlencode(fields).encode())
    from tests.support.browser import Mailbox

    browser.get(Mailbox().last_link("anna@ede.nl"))
    timer = CallTimer()
    timer.install()
    return costs(browser, timer, "GM0228")


def environment() -> None:
    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "eu-central-1", "AWS_REGION": "eu-central-1",
                       "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled", "STAGE": "local",
                       "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"})
    os.environ.pop("AWS_ENDPOINT_URL", None)


def minimum_compression_size() -> int:
    """API Gateway's threshold (.chalice/config.json): smaller bodies go uncompressed."""
    import json

    return json.loads((ROOT / ".chalice" / "config.json").read_text())[
        "minimum_compression_size"]


def over_the_wire(body: bytes) -> int:
    """Bytes API Gateway sends to a browser that accepts gzip. Its compression level is not
    documented; 6 is zlib's and most servers' default."""
    import gzip

    if len(body) < minimum_compression_size():
        return len(body)
    return len(gzip.compress(body, compresslevel=6, mtime=0))


def user_actions() -> tuple[list[tuple[str, str, float, int]],
                            list[tuple[str, int, int, int]]]:
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    from devtools import aws_resources

    aws_resources.deploy()
    import app
    from tests.support.answers import SECTION_1, SECTION_2
    from tests.support.browser import Browser, Mailbox
    from tests.support.flows import save, seen_on

    counter = CallCounter()
    counter.install()
    browser = Browser(app.app)
    rows, weights = [], []

    def measure(action, run):
        counter.take()
        response = run()
        calls, capacity = counter.take()
        dynamodb = sum(n for name, n in calls.items() if name.startswith("dynamodb."))
        detail = ", ".join(f"{name.split('.')[1]}×{n}" for name, n in sorted(calls.items()))
        rows.append((action, detail or "–", capacity, dynamodb))
        return response

    def weigh(name, path):
        page = browser.get(path)
        assets = re.findall(r'(?:href|src)="(/assets/[^"?]+)', page.text)
        bodies = [page.body] + [browser.get(a).body for a in assets]
        weights.append((name, sum(map(len, bodies)), sum(map(over_the_wire, bodies)),
                        1 + len(assets)))

    form_token = browser.csrf_token("/")
    fields = [("csrf_token", form_token), ("naam", "Anna"), ("email", "anna@ede.nl"),
              ("telefoon", "0318123456"), ("gemeente", "GM0228"), ("namens", "ja")]
    from urllib.parse import urlencode

    measure("register (POST /)", lambda: browser.post_raw("/", urlencode(fields).encode()))
    link = Mailbox().last_link("anna@ede.nl")
    measure("follow link", lambda: browser.get(link))
    measure("show start page", lambda: browser.get("/start"))
    measure("show questionnaire page", lambda: browser.get("/gemeente/GM0228/vragen/opzet"))
    page = browser.get("/gemeente/GM0228/vragen/opzet")
    version = re.search(r'name="versie" value="(\d+)"', page.text).group(1)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
    measure("save questionnaire page", lambda: browser.post_raw(
        "/gemeente/GM0228/vragen/opzet",
        urlencode([("csrf_token", token), *SECTION_1, ("versie", version)]).encode()))
    save(browser, "uitvoering", SECTION_2, code="GM0228")
    measure("review answers", lambda: browser.get("/gemeente/GM0228/controleren"))
    from tests.support.answers import ALL

    for section, fields in ALL.items():
        save(browser, section, fields, code="GM0228")
    review = browser.get("/gemeente/GM0228/controleren")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', review.text).group(1)
    measure("send (finalize + receipt)", lambda: browser.post_raw(
        "/gemeente/GM0228/verzenden",
        urlencode([("csrf_token", token), ("gezien", seen_on(review.text)),
                   ("bevestig_toestemming", "ja")]).encode()))
    from chalicelib.publication import forwarding
    from devtools.stream_pump import LambdaContext
    from tests.support.feed import record

    measure("forward one municipality", lambda: forwarding.handle(
        {"Records": [record("GM0228#2026", 1, "INSERT")]}, LambdaContext("forward")))
    from chalicelib.helpdesk import season

    measure("season overview, start of season (helpdesk; 1 of 342 registered)",
            lambda: season.overview(2026))

    for name, path in [("registration", "/"), ("new link", "/nieuwe-link"),
                       ("start", "/start"), ("page 1 (choices)", "/gemeente/GM0228/vragen/opzet"),
                       ("page 3 (score table)", "/gemeente/GM0228/vragen/uitkomsten"),
                       ("review", "/gemeente/GM0228/controleren"),
                       ("reset confirmation", "/gemeente/GM0228/verwijderen")]:
        weigh(name, path)
    global THROUGHPUT, COSTS, TIMING
    timer = CallTimer()
    timer.install()
    COSTS = costs(browser, timer, "GM0228")
    THROUGHPUT = forwarder_throughput(counter)
    measure("season overview, end of season (helpdesk; 342 delivered)",
            lambda: season.overview(2026))
    TIMING = enumeration_timing(app.app)
    mock.stop()
    return rows, weights


THROUGHPUT: list[tuple] = []


def forwarder_throughput(counter: CallCounter, records_total: int = 10_000,
                         naive_sample: int = 1_000) -> list[tuple]:
    """10,000 stream records over all 342 municipalities, in batches of 100 (Lambda's batch
    size here), against a naive forwarder that publishes once per record."""
    import random

    from chalicelib.delivery.history import counting, history
    from chalicelib.platform.models import ScopeState
    from chalicelib.platform.municipalities import municipalities
    from chalicelib.publication import document as feed
    from chalicelib.publication import forwarding, report
    from chalicelib.publication import targets as publication_targets
    from devtools.stream_pump import LambdaContext
    from tests.support.feed import deliver, make_registrant, record

    codes = list(municipalities(2025))
    person = make_registrant(email="bench@ede.nl", codes=tuple(codes[:40]))
    for code in codes:  # one delivery each (registrant membership is not needed to deliver)
        person.municipalities = set(codes)
        deliver(person, code=code)
    rng = random.Random(7)
    stream = [record(f"{rng.choice(codes)}#2026", 1) for _ in range(records_total)]
    for code in codes:  # forget what was forwarded, so every scope publishes once
        ScopeState(f"{code}#2026").update(actions=[ScopeState.forwarded_revision.remove()])
    counter.take()
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(stream), 100):
        forwarding.handle({"Records": stream[start:start + 100]}, LambdaContext("bench"))
    coalesced_seconds = time.perf_counter() - started
    coalesced_cpu = time.process_time() - cpu
    calls, _ = counter.take()
    puts = calls.get("s3.PutObject", 0)
    requests = ", ".join(f"{name}×{n:,}" for name, n in sorted(calls.items()))
    target = publication_targets.configured()
    started, cpu = time.perf_counter(), time.process_time()
    for item in stream[:naive_sample]:  # naive: read and publish for every single record
        code = item["dynamodb"]["Keys"]["scope"]["S"].split("#")[0]
        state = ScopeState.get(f"{code}#2026")
        document = feed.document(code, 2026, int(state.revision) + 1000 + rng.randint(0, 10**6),
                                 counting(history(code, 2026)))
        target.publish(document, report.html(document))
    naive_rate = naive_sample / (time.perf_counter() - started)
    naive_cpu_rate = naive_sample / (time.process_time() - cpu)
    coalesced_rate = records_total / coalesced_seconds
    return [("records", f"{records_total:,}"), ("municipalities", len(codes)),
            ("batches of 100", (records_total + 99) // 100),
            ("document writes (S3 PutObject, incl. report, indexes, definition)", f"{puts:,}"),
            ("AWS requests of the coalesced forwarder", requests),
            ("coalesced forwarder, records/s (wall)", f"{coalesced_rate:,.0f}"),
            ("coalesced forwarder, records per CPU second",
             f"{records_total / coalesced_cpu:,.0f}"),
            ("naive one-publish-per-record, records/s (wall)", f"{naive_rate:,.0f}"),
            ("naive, records per CPU second", f"{naive_cpu_rate:,.0f}"),
            ("ratio (wall)", f"{coalesced_rate / naive_rate:.1f}×")]


COLD_START_SETTINGS = (
    ("package, shipped bytecode", "the unzipped dev package as Lambda runs it"),
    ("package, no bytecode", "the same without its __pycache__: what Lambda did before"),
    ("source tree", "this checkout with .venv, whatever caches it holds"),
)


def cold_start(runs: int = 15) -> list[tuple[str, float, float, float, float]]:
    """Per setting: (name, `import boto3` wall and CPU s, `import app` wall and CPU s), medians
    of `runs` fresh processes, the two imports alternating so that a change in the machine's
    load hits both alike. CPU time is the steadier figure on a shared machine.

    The package settings import from the unzipped dev package (./dev package dev, built here)
    with `python -S`, so that nothing comes from .venv, and without writing bytecode: Lambda's
    package directory is read-only, so a module without shipped bytecode is compiled again at
    every cold start. There `import boto3` is the package's own boto3, as the app uses it."""
    import resource
    import shutil
    import tempfile
    import zipfile

    from devtools import package

    def one(code: str, cwd: Path, isolated: bool) -> tuple[float, float]:
        env = {**os.environ, "AWS_DEFAULT_REGION": "eu-central-1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        if isolated:
            env["PYTHONPATH"] = str(cwd)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, *(["-S"] if isolated else []), "-c", code], cwd=cwd,
                       env=env, check=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime

    with tempfile.TemporaryDirectory() as scratch:
        target = package.package("dev", ROOT / "build")
        shipped, bare = Path(scratch) / "shipped", Path(scratch) / "bare"
        with zipfile.ZipFile(target / "deployment.zip") as archive:
            archive.extractall(shipped)
        shutil.copytree(shipped, bare, ignore=shutil.ignore_patterns("__pycache__"))
        places = {"package, shipped bytecode": (shipped, True),
                  "package, no bytecode": (bare, True), "source tree": (ROOT, False)}
        rows = []
        for name, _ in COLD_START_SETTINGS:
            cwd, isolated = places[name]
            samples: dict[str, list[tuple[float, float]]] = {"boto3": [], "app": []}
            for _ in range(runs):
                for module in samples:
                    samples[module].append(one(f"import {module}", cwd, isolated))
            rows.append((name, *(statistics.median(s[i] for s in samples[module])
                                 for module in ("boto3", "app") for i in (0, 1))))
        global INSTRUCTIONS
        INSTRUCTIONS = {module: instructions(f"import {module}", shipped)
                        for module in ("boto3", "app")}
        return rows


INSTRUCTIONS: dict[str, int | None] = {}


def instructions(code: str, package_dir: Path) -> int | None:
    """Instructions a fresh `python -S -c code` executes in the unzipped package, counted by
    valgrind (callgrind): the same count whatever else the machine is doing, unlike seconds.
    None without valgrind."""
    import shutil

    if not shutil.which("valgrind"):
        return None
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-central-1", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONHASHSEED": "0", "PYTHONPATH": str(package_dir)}
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                             sys.executable, "-S", "-c", code], cwd=package_dir, env=env,
                            capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", result.stderr)
    return int(found.group(1)) if found else None


def package_size() -> str:
    zip_path = ROOT / "build" / "dev" / "deployment.zip"
    if not zip_path.exists():
        return "not built (run `./dev package`)"
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    return f"{zip_path.stat().st_size / 1e6:.1f} MB zipped, {unpacked / 1e6:.1f} MB unpacked"


def print_cold_start() -> None:
    print("\nCold start: `import app` against `import boto3` (medians of 15 fresh processes "
          "each, alternating; s)\n")
    print(table(["setting", "boto3 wall", "boto3 CPU", "app wall", "app CPU", "ratio CPU",
                 "target ≤ 1.3×"], [
        (name, f"{bw:.3f}", f"{bc:.3f}", f"{aw:.3f}", f"{ac:.3f}", f"{ac / bc:.2f}×",
         ("met" if ac / bc <= 1.3 else "MISSED") if name.startswith("package, shipped") else "–")
        for name, bw, bc, aw, ac in cold_start()]))
    print("\n".join(f"- {name}: {what}" for name, what in COLD_START_SETTINGS))
    boto3_count, app_count = INSTRUCTIONS.get("boto3"), INSTRUCTIONS.get("app")
    if boto3_count and app_count:
        print(f"\nInstructions (valgrind callgrind, package as shipped; independent of the "
              f"machine's load): import boto3 {boto3_count / 1e6:.1f} M, import app "
              f"{app_count / 1e6:.1f} M, ratio {app_count / boto3_count:.3f}×")


def table(headers: list[str], rows: list[tuple]) -> str:
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) for row in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    if "--load" in sys.argv:
        from bench import load

        position = sys.argv.index("--load")
        count = int(sys.argv[position + 1]) if len(sys.argv) > position + 1 else 20
        print(f"\nLoad against the local runner ({count} representatives at once)\n")
        print(table(["measure", "value"], load.run(count)))
        return
    environment()
    if "--measurement" in sys.argv:  # issue 27's numbers alone (bench/measurement.py)
        from bench import measurement

        position = sys.argv.index("--measurement")
        count = int(sys.argv[position + 1]) if len(sys.argv) > position + 1 else 1_000
        print(f"\nMeasurement: a response, client pages, an upload of {count:,} lines\n")
        print(table(["measure", "value"],
                    measurement.run(count, stand_in_sqs="--sqs-stand-in" in sys.argv)))
        return
    if "--results" in sys.argv:  # issue 28's numbers alone (bench/results.py)
        from bench import results

        position = sys.argv.index("--results")
        given = sys.argv[position + 1] if len(sys.argv) > position + 1 else ""
        count = int(given) if given.isdigit() else 1_000
        print(f"\nResults: {count:,} responses counted from the stream\n")
        print(table(["measure", "value"], results.run(count)))
        return
    if "--cold-start" in sys.argv:  # the cold-start table alone (builds the dev package)
        print_cold_start()
        print(f"\nLambda package: {package_size()}\n")
        return
    if "--timing" in sys.argv:  # the known-vs-unknown table alone
        from moto import mock_aws

        mock_aws().start()
        from devtools import aws_resources

        aws_resources.deploy()
        import app

        print(table(["request", "median", "p90", "range"], enumeration_timing(app.app)))
        return
    if "--forwarder" in sys.argv:  # the forwarder's throughput alone
        from moto import mock_aws

        mock_aws().start()
        from devtools import aws_resources

        aws_resources.deploy()
        counter = CallCounter()
        counter.install()
        print(table(["measure", "value"], forwarder_throughput(counter)))
        return
    if "--costs" in sys.argv:  # the cost table alone (also runs against older versions)
        print(table(["action", "wall", "CPU", "in AWS calls", "own (wall)", "own (CPU)",
                     "budget (own)"], costs_only()))
        return
    rows, weights = user_actions()
    print("\nServer time per user action (in-process, moto; medians of 15 runs, ms)\n")
    print(table(["action", "wall", "CPU", "in AWS calls", "own (wall)", "own (CPU)",
                 "budget (own)"], COSTS))
    print("\nAWS requests per user action (in-process, moto)\n")
    print(table(["action", "requests", "DynamoDB RCU/WCU", "DynamoDB calls"],
                [(a, d, f"{c:.1f}", n) for a, d, c, n in rows]))
    print(f"\nPage weight (HTML + CSS + JS; gzip as API Gateway sends it: bodies of at least "
          f"{minimum_compression_size():,} bytes, level 6)\n")
    print(table(["page", "bytes", "gzip bytes", "requests"],
                [(n, f"{s:,}", f"{z:,}", r) for n, s, z, r in weights]))
    print("\nKnown vs unknown address: server time per request (in-process, ms)\n")
    print(table(["request", "median", "p90", "range"], TIMING))
    print("\nForwarder throughput (in-process, moto)\n")
    print(table(["measure", "value"], THROUGHPUT))
    print_cold_start()
    print(f"\nLambda package: {package_size()}\n")


if __name__ == "__main__":
    main()
