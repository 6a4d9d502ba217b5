"""`./dev bench --measurement [N]`: the numbers issue 27 asks for, in-process against moto.

- one client's response: AWS requests and DynamoDB capacity (1 read + 1 transactional write);
- the client's pages: bytes and gzip bytes;
- queueing an upload of N contacts (default 1,000): SQS requests and time, the reading's
  Python memory at the peak (tracemalloc), against one message per request for a tenth of them.
moto's queue grows slower with every message it holds (10,000 did not finish in 15 minutes),
so from 10,000 contacts on (or with `--sqs-stand-in`) SQS's answers come from a stand-in that
accepts every message without keeping it: the requests our code makes are counted exactly as
they would go to SQS, and the seconds are then our code's and DynamoDB's (moto), not SQS's."""
from __future__ import annotations

import gzip
import os
import time
import tracemalloc
from datetime import date, timedelta

DYNAMODB = {"GetItem", "PutItem", "UpdateItem", "Query", "TransactGetItems",
            "TransactWriteItems", "BatchGetItem", "BatchWriteItem"}


def _accepted(operation: str, params: dict) -> dict:
    """What SQS answers to a send it accepts (the stand-in keeps nothing)."""
    if operation == "SendMessageBatch":
        return {"Successful": [{"Id": entry["Id"], "MessageId": entry["Id"],
                                "MD5OfMessageBody": ""} for entry in params["Entries"]],
                "Failed": []}
    return {"MessageId": "stand-in", "MD5OfMessageBody": ""}


def _record(stand_in_sqs: bool = False) -> list[tuple[str, str, float]]:
    from botocore.client import BaseClient

    calls: list[tuple[str, str, float]] = []
    real = BaseClient._make_api_call

    def counting(client, operation, params):
        service = client.meta.service_model.service_name
        if stand_in_sqs and service == "sqs" and operation in ("SendMessage",
                                                                "SendMessageBatch"):
            calls.append((service, operation, 0.0))
            return _accepted(operation, params)
        if service == "dynamodb" and operation in DYNAMODB:
            params = {**params, "ReturnConsumedCapacity": "TOTAL"}
        answer = real(client, operation, params)
        consumed = answer.get("ConsumedCapacity") if isinstance(answer, dict) else None
        units = sum(c.get("CapacityUnits", 0) for c in consumed) if isinstance(consumed, list) \
            else (consumed or {}).get("CapacityUnits", 0)
        calls.append((client.meta.service_model.service_name, operation, float(units or 0)))
        return answer

    BaseClient._make_api_call = counting
    return calls


def run(contacts: int = 1_000, stand_in_sqs: bool = False) -> list[tuple[str, str]]:
    from moto import mock_aws

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    mock_aws().start()
    from devtools import aws_resources

    os.environ.update(aws_resources.environment_for(aws_resources.deploy()))
    import app
    from chalicelib.measurement import contacts as lists
    from chalicelib.measurement import measurements
    from chalicelib.platform import outbox
    from tests.support import measurement as steps
    from tests.support.browser import Browser, Mailbox
    from tests.support.flows import signed_in

    rows: list[tuple[str, str]] = []
    representative = Browser(app.app)
    signed_in(representative, Mailbox())
    path = steps.measurement_path(steps.create(representative))
    steps.invite_inviter(representative, path)
    inviter = Browser(app.app)
    inviter.get(steps.inviter_link(Mailbox()))
    link = steps.inviter_post(inviter, "/uitnodiger/link", {}).text
    client = Browser(app.app)
    import re

    client.get(re.search(r"/a/[A-Za-z0-9_-]{22}", link).group(0))
    steps.answer_all(client)
    for page in ("/antwoorden", "/antwoorden/contact", "/antwoorden/controleren"):
        body = client.get(page).body
        rows.append((f"page {page}", f"{len(body):,} bytes, {len(gzip.compress(body)):,} gzip"))
    token = client.csrf_token("/antwoorden/controleren")
    from botocore.client import BaseClient

    real_call = BaseClient._make_api_call
    calls = _record()
    from urllib.parse import urlencode

    client.post_raw("/antwoorden/versturen", urlencode({"csrf_token": token}).encode())
    rows.append(("send one response", ", ".join(f"{op} ({units:g} units)"
                                               for _, op, units in calls)))
    calls.clear()
    if stand_in_sqs or contacts >= 10_000:
        BaseClient._make_api_call = real_call
        calls = _record(stand_in_sqs=True)
        rows.append(("SQS", "a stand-in that accepts every send (requests counted; seconds "
                            "are not SQS's)"))
    today = date.today()
    settings, _ = measurements.validate({"naam": "Bench", "soort": "eenmalig",
                                         "opent": today.isoformat(),
                                         "sluit": (today + timedelta(days=30)).isoformat()},
                                        ["sms"])
    measurement = measurements.create("GM0014", settings, "bench")
    data = "".join(f"06{10_000_000 + n:08d}\n" for n in range(contacts)).encode()
    tracemalloc.start()  # the reading alone: tracemalloc slows moto's queue tenfold
    started = time.perf_counter()
    lists.check(data, measurement)
    unique = sum(1 for _ in lists.unique(data, measurement))
    read = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    calls.clear()
    started = time.perf_counter()
    upload = lists.queue(data, measurement, None, "bench")
    queued = time.perf_counter() - started
    sqs = sum(1 for service, _, _ in calls if service == "sqs")
    rows.append((f"upload of {contacts:,} lines ({len(data) / 1e6:.1f} MB): check and read "
                 f"again (tracemalloc on)", f"{read:.1f} s, {unique:,} unique, "
                 f"{peak / 1e6:.1f} MB Python memory at the peak"))
    rows.append((f"upload request of {contacts:,} lines: store {upload.queued:,} contacts in "
                 f"chunks, queue one job", f"{queued:.1f} s, {sqs:,} SQS requests, "
                 f"{len(calls) - sqs} other"))
    calls.clear()
    started = time.perf_counter()
    chunks = -(-upload.queued // lists.CHUNK)
    job = {"kind": lists.FAN_OUT_KIND, "upload": upload.key, "chunks": chunks,
           "municipality": "GM0014", "measurement": measurement.id}
    for n in range(chunks):  # what the worker does, job by job
        lists.fan_out({**job, "chunk": n}, "bench")
    sqs = sum(1 for service, _, _ in calls if service == "sqs")
    rows.append((f"fan-out of {upload.queued:,} contacts by the worker ({chunks} chunk jobs)",
                 f"{time.perf_counter() - started:.1f} s, {sqs:,} SQS requests, "
                 f"{len(calls) - sqs} other"))
    baseline = contacts // 10
    calls.clear()
    started = time.perf_counter()
    for n in range(baseline):
        outbox.enqueue({"kind": "baseline", "n": n})
    rows.append((f"baseline: {baseline:,} messages one per request",
                 f"{time.perf_counter() - started:.1f} s, {len(calls):,} SQS requests"))
    return rows
