"""Forwarding: the publication target holds exactly what counts now, whatever the events do."""
from __future__ import annotations

import json
import random
import re
import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.support import aws_calls
from tests.support.feed import (
    BATCH,
    BATCH_WRITES,
    FailingWrites,
    bucket_object,
    deliver,
    feed_is_complete,
    make_registrant,
    published_revisions,
    record,
    run,
    validate,
)
from tests.support.tables import scan


@pytest.fixture()
def registrant(aws, app_module):
    return make_registrant(codes=("GM0014", "GM0034", "GM0050"))


def test_a_sent_delivery_reaches_the_bucket_through_the_stream(registrant, aws, app_module):
    from devtools.local import stream_subscriptions
    from devtools.stream_pump import StreamPump

    deliver(registrant, headline="Tevreden <b>cliënten</b> & korte wachttijd")
    pump = StreamPump(stream_subscriptions(app_module, aws), "eu-central-1")
    assert pump.poll_once() >= 1
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    validate(document)
    assert document["status"] == "published" and document["revision"] == 1
    assert document["delivery"]["id"] == "GM0014-2026-1"
    assert document["headline"]["text"] == "Tevreden <b>cliënten</b> & korte wachttijd"
    assert document["municipality"] == {"code": "GM0014", "name": "Groningen",
                                        "common_name": "Groningen", "province": "Groningen"}
    assert {a["question_id"] for a in document["answers"]} >= {"doel", "periode"}
    assert [d["id"] for d in document["derived"]] == ["respons"]
    index = bucket_object(aws, "ceo-wmo/2026/index.json")
    assert index["municipalities"]["GM0014"]["revision"] == 1
    assert index["municipalities"]["GM0014"]["document"] == "ceo-wmo/2026/GM0014.json"
    head = boto3.client("s3").head_object(Bucket=aws["PublicationBucketName"],
                                          Key="ceo-wmo/2026/GM0014.json")
    assert "max-age" in head["CacheControl"]
    assert head["ContentType"].startswith("application/json")


def test_html_report_escapes_answers_and_describes_the_chart(registrant, aws):
    deliver(registrant, headline='<script>alert("x")</script> & meer')
    run([record("GM0014#2026", 1, "INSERT")])
    report = bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    assert "<script>" not in report
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; meer" in report
    # the figures are text, read once; the bar only repeats them for the eye
    assert '<svg class="bar" aria-hidden="true"' in report and "<desc" not in report
    assert "Mee eens: 55,5%" in report and "75,5% (helemaal) mee eens" in report
    assert '<html lang="nl">' in report


def test_the_report_is_written_for_citizens(registrant, aws):
    deliver(registrant, scores__q3__eens="80", scores__q3__n="300")
    run([record("GM0014#2026", 1, "INSERT")])
    report = bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    text = re.sub(r"<[^>]+>", " ", report)
    assert "Cliëntervaring Wmo — onderzoek over 2025 (aangeleverd in 2026)" in report
    assert "Cliëntervaringsonderzoek Wmo 2026" not in report
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)          # no ISO dates
    assert "Bijgewerkt op" in report and "Versie" not in report
    assert "toestemming" not in text.lower() and "Datum van het besluit" not in text
    assert not re.search(r"<th[^>]*>[^<]*\?", report)               # no form questions
    assert '<a href="https://www.groningen.nl/ceo">' in report      # the report, as a link
    assert "Wat de gemeente gaat verbeteren" in report              # a citizen's caption
    assert "80% (helemaal) mee eens" in report and "Verder niet uitgesplitst" in report
    assert "@media print" in report
    # the response rate in a sentence (420 of 1.200 approached), not "Respons 35%"
    assert "<p class=\"derived\">Van de benaderde personen vulde 35% de vragenlijst in " \
           "(de respons).</p>" in report
    assert not re.search(r"<th[^>]*>Respons</th>", report)


def test_a_municipality_without_a_survey_says_so_and_why(registrant, aws):
    deliver(registrant, onderzoek_uitgevoerd="nee", geen_onderzoek_reden="Herindeling.",
            volgend_onderzoek="voorjaar 2027")
    run([record("GM0014#2026", 1, "INSERT")])
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    validate(document)
    assert document["survey_held"] is False and document["scores"] == []
    assert {a["question_id"] for a in document["answers"]} == {  # the feed has them all
        "onderzoek_uitgevoerd", "geen_onderzoek_reden", "volgend_onderzoek",
        "toestemming_college", "toestemming_datum"}
    report = bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    assert "heeft over 2025 geen cliëntervaringsonderzoek gedaan" in report
    assert "Herindeling." in report and "voorjaar 2027" in report


def test_scores_below_the_privacy_minimum_are_withheld(registrant, aws):
    deliver(registrant, scores__q5__n="19")  # q1 has 398 valid answers, q5 only 19
    run([record("GM0014#2026", 1, "INSERT")])
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    validate(document)
    by_id = {row["question_id"]: row for row in document["scores"]}
    assert by_id["q1"]["withheld"] is False
    assert by_id["q1"]["categories"][1]["percentage"] == 55.5
    assert by_id["q5"]["withheld"] is True
    assert all(c["percentage"] is None for c in by_id["q5"]["categories"])
    assert "61" not in json.dumps(by_id["q5"])
    assert "te weinig antwoorden (19)" in bucket_object(aws, "ceo-wmo/2026/GM0014.html")


def test_withdrawing_the_only_delivery_retracts_and_restoring_republishes(registrant, aws):
    from chalicelib.delivery import withdrawals

    deliver(registrant)
    run([record("GM0014#2026", 1, "INSERT")])
    withdrawals.withdraw_latest("GM0014", 2026, "GM0014-2026-1", "helpdesk@x", "Fout")
    run([record("GM0014#2026", 1)])
    retracted = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    validate(retracted)
    assert retracted["status"] == "retracted" and retracted["revision"] == 2
    assert retracted["delivery"] is None and retracted["answers"] == []
    assert "geen uitkomsten beschikbaar" in bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    withdrawals.restore("GM0014", 2026, "GM0014-2026-1", "helpdesk@x", "Toch goed")
    run([record("GM0014#2026", 1)])
    restored = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    assert restored["status"] == "published" and restored["revision"] == 3


def test_withdrawing_the_latest_brings_back_the_previous(registrant, aws):
    from chalicelib.delivery import withdrawals

    deliver(registrant, headline="eerste")
    deliver(registrant, headline="tweede")
    run([record("GM0014#2026", 1, "INSERT"), record("GM0014#2026", 2, "INSERT")])
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["headline"]["text"] == "tweede"
    with pytest.raises(withdrawals.StatusChangeRefused):
        withdrawals.withdraw_latest("GM0014", 2026, "GM0014-2026-1", "h", "niet de huidige")
    withdrawals.withdraw_latest("GM0014", 2026, "GM0014-2026-2", "h", "fout")
    run([record("GM0014#2026", 2)])
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    assert document["headline"]["text"] == "eerste" and document["revision"] == 3


class CountingTarget:
    def __init__(self, fail_for=()):
        from chalicelib.platform import config
        from chalicelib.publication.targets import S3Target

        self.inner = S3Target(config.env("PUBLICATION_BUCKET",
                                         "ceo-local-publication-123456789012"))
        self.fail_for = set(fail_for)
        self.published: list[tuple[str, int]] = []

    def publish_document(self, document, html):
        code = document["municipality"]["code"]
        if code in self.fail_for:
            raise ConnectionError("S3 unavailable")
        self.published.append((code, document["revision"]))
        return self.inner.publish_document(document, html)

    def publish_shared(self, documents):
        return self.inner.publish_shared(documents)

    def held(self, cycle, municipalities, instrument="ceo-wmo"):
        return self.inner.held(cycle, municipalities, instrument)


def test_records_of_one_municipality_are_coalesced_into_one_publish(registrant, aws):
    for _ in range(3):
        deliver(registrant)
    deliver(registrant, code="GM0034")
    target = CountingTarget()
    records = [record("GM0014#2026", n) for n in (1, 2, 3, 3, 2)] + [record("GM0034#2026", 1)]
    assert run(records, target) == {"batchItemFailures": []}
    assert sorted(target.published) == [("GM0014", 3), ("GM0034", 1)]


def test_a_failing_target_fails_only_that_municipality_and_a_retry_converges(registrant, aws):
    deliver(registrant)
    deliver(registrant, code="GM0034")
    records = [record("GM0014#2026", 1), record("GM0034#2026", 1)]
    failing = CountingTarget(fail_for={"GM0014"})
    result = run(records, failing)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    assert failed == {records[0]["dynamodb"]["SequenceNumber"]}
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json") is None
    assert bucket_object(aws, "ceo-wmo/2026/GM0034.json")["revision"] == 1
    run([records[0]], CountingTarget())  # the retry
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["revision"] == 1


def test_a_late_or_duplicate_event_never_goes_backwards(registrant, aws):
    deliver(registrant, headline="oud")
    run([record("GM0014#2026", 1, "INSERT")])
    deliver(registrant, headline="nieuw")
    run([record("GM0014#2026", 2, "INSERT")])
    target = CountingTarget()
    run([record("GM0014#2026", 1, "INSERT")] * 3, target)  # replayed old events
    assert target.published == []  # forwarded revision already current: nothing rewritten
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["headline"]["text"] == "nieuw"


def test_the_target_refuses_an_older_revision_even_if_asked(registrant, aws):
    from chalicelib.publication import document as feed
    from chalicelib.publication import targets as publication_targets

    deliver(registrant)
    run([record("GM0014#2026", 1, "INSERT")])
    stale = bucket_object(aws, "ceo-wmo/2026/GM0014.json") | {"revision": 0}
    target = publication_targets.S3Target(aws["PublicationBucketName"])
    assert target.publish(stale, "<p>oud</p>") is False
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["revision"] == 1
    assert feed.SCHEMA_ID in json.dumps(bucket_object(aws, "ceo-wmo/2026/GM0014.json"))


def test_malformed_records_are_skipped_with_a_metric(registrant, aws, capsys):
    deliver(registrant)
    poison = {"eventID": "x", "eventName": "INSERT", "dynamodb": {"SequenceNumber": "1"}}
    weird = record("../../etc#2026", 1)
    result = run([poison, weird, record("GM0014#2026", 1, "INSERT")])
    assert result == {"batchItemFailures": []}
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["revision"] == 1
    emitted = capsys.readouterr().out
    assert '"MalformedRecord"' in emitted


# --- the invariant, property-based -------------------------------------------------------

OPERATIONS = st.lists(st.tuples(st.sampled_from(["send", "withdraw", "restore", "four_eyes",
                                                 "approve", "send_back", "take_back",
                                                 "send_later", "tick"]),
                                st.sampled_from(["GM0014", "GM0034", "GM0050"])),
                      min_size=1, max_size=14)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, seed=st.integers(0, 10**6))
@example(operations=[("send", "GM0014"), ("four_eyes", "GM0014"), ("send", "GM0014"),
                     ("send", "GM0014"), ("approve", "GM0014"), ("send", "GM0014"),
                     ("send_back", "GM0014"), ("withdraw", "GM0014")], seed=1)
@example(operations=[("four_eyes", "GM0034"), ("send", "GM0034"), ("send", "GM0014"),
                     ("four_eyes", "GM0034"), ("send", "GM0034"), ("withdraw", "GM0034")],
         seed=2)
@example(operations=[("send", "GM0050"), ("send", "GM0050"), ("take_back", "GM0050"),
                     ("four_eyes", "GM0050"), ("send", "GM0050"), ("approve", "GM0050"),
                     ("take_back", "GM0050"), ("restore", "GM0050"), ("take_back", "GM0050"),
                     ("take_back", "GM0050")], seed=3)
@example(operations=[("send", "GM0014"), ("send_later", "GM0014"), ("send", "GM0014"),
                     ("tick", "GM0014"), ("withdraw", "GM0014"), ("send_later", "GM0034"),
                     ("take_back", "GM0034"), ("tick", "GM0034"), ("restore", "GM0034"),
                     ("send_later", "GM0050"), ("send_later", "GM0050"), ("tick", "GM0050"),
                     ("tick", "GM0050")], seed=4)
def test_target_always_ends_as_latest_valid_whatever_the_event_order(operations, seed, aws):
    """Sends (counting at once, or waiting with four-eyes on), withdrawals, restores,
    approvals, sendings back, the municipality taking its delivery back (by a coordinator
    with four-eyes on), sends published from a chosen moment and the reconciler releasing
    moments as the (virtual) clock passes them, in any order: the site ends with the latest
    valid delivery (sent without four-eyes, or approved) whose moment passed, never a waiting,
    sent-back, taken-back or not-yet-due one; nothing at all where none was ever due."""
    from moto.moto_api._internal import moto_api_backend

    from chalicelib.delivery import four_eyes, publishing, take_back, withdrawals
    from devtools import aws_resources

    moto_api_backend.reset()
    aws = aws_resources.deploy()
    codes = ("GM0014", "GM0034", "GM0050")
    registrant = make_registrant(email=f"p{seed}@ede.nl", codes=codes)
    coordinator = make_registrant(email=f"c{seed}@ede.nl", codes=codes, name="Coördinator")
    rng = random.Random(seed)
    # code -> [[delivery_id, "valid" | "withdrawn" | "waiting" | "returned" | "unapproved",
    #            publication moment or None]]
    model: dict[str, list[list]] = {}
    four_eyes_on: set[str] = set()
    records = []
    clock = datetime.now(UTC)  # virtual: moments lie ahead of it, "tick" moves it on
    released_until: dict[str, datetime] = {}

    def shown(code, entry):  # released: the feed may show it
        return entry[2] is None or (code in released_until and entry[2] <= released_until[code])

    def catch_up(code):  # a withdrawal or restore publishes a valid delivery whose moment passed
        if any(e[1] == "valid" and not shown(code, e) and e[2] <= clock
               for e in model[code]):
            released_until[code] = clock

    for action, code in operations:
        entries = model.setdefault(code, [])
        newest = entries[-1] if entries else None
        if action in ("send", "send_later"):
            if newest and newest[1] == "waiting":
                newest[1] = "unapproved"  # a newer send ends the wait
            # with four-eyes on the sender chooses no moment (the approver would)
            moment = clock + timedelta(hours=rng.choice([1, 2, 3])) \
                if action == "send_later" and code not in four_eyes_on else None
            result = deliver(registrant, code=code, headline=f"{code} #{len(entries) + 1}",
                             publish_at=moment)
            entries.append([result.delivery_id,
                            "waiting" if code in four_eyes_on else "valid", moment])
        elif action == "tick":  # two hours on; the reconciler releases what passed
            clock += timedelta(hours=2)
            valid = [e for e in entries if e[1] == "valid"]
            published_now = next((e for e in reversed(valid) if shown(code, e)), None)
            newer = valid[valid.index(published_now) + 1:] if published_now else valid
            due = [e for e in newer if not shown(code, e) and e[2] <= clock]
            released = publishing.release(code, 2026, now=clock)
            assert (released is not None) == bool(due)
            if not due:
                continue
            released_until[code] = clock
            assert released == due[-1][0]
        elif action == "four_eyes":
            on = code not in four_eyes_on
            four_eyes.configure(code, "h", on, {coordinator.id})
            four_eyes_on ^= {code}
            continue
        elif action in ("approve", "send_back"):
            if not newest or newest[1] != "waiting":
                continue
            sequence = len(entries)
            if action == "approve":
                four_eyes.approve(code, 2026, sequence, coordinator)
                newest[1] = "valid"
            else:
                four_eyes.send_back(code, 2026, sequence, "reden", "h", coordinator)
                newest[1] = "returned"
        elif action == "withdraw":
            valid = [e for e in entries if e[1] == "valid"]
            if not valid:
                continue
            withdrawals.withdraw_latest(code, 2026, valid[-1][0], "h", "test", now=clock)
            valid[-1][1] = "withdrawn"
            catch_up(code)
        elif action == "take_back":
            valid = [e for e in entries if e[1] == "valid"]
            if not valid:
                continue
            # with four-eyes only the coordinator may; the revision is the one a page showed
            by = coordinator if code in four_eyes_on else registrant
            _, _, revision = take_back.plan(code, 2026, valid[-1][0])
            take_back.take_back(code, 2026, valid[-1][0], revision, by, "terug", now=clock)
            valid[-1][1] = "withdrawn"
            catch_up(code)
        else:
            withdrawn = [e for e in entries if e[1] == "withdrawn"]
            if not withdrawn:
                continue
            chosen = rng.choice(withdrawn)
            withdrawals.restore(code, 2026, chosen[0], "h", "test", now=clock)
            chosen[1] = "valid"
            catch_up(code)
        records.append(record(f"{code}#2026", len(entries) or 1))
    # shuffled, duplicated, in random batches, some failing first
    stream = records + [rng.choice(records) for _ in range(len(records) // 2)]
    rng.shuffle(stream)
    seen_revisions: dict[str, list[int]] = {}

    class Flaky(CountingTarget):
        def publish_document(self, document, html):
            if rng.random() < 0.3:
                raise ConnectionError("flaky")
            written = super().publish_document(document, html)
            if written:
                seen_revisions.setdefault(document["municipality"]["code"], []).append(
                    document["revision"])
            return written

        def publish_shared(self, documents):
            if rng.random() < 0.1:
                raise ConnectionError("flaky shared")
            return super().publish_shared(documents)

    pending = stream
    for _ in range(100):
        if not pending:
            break
        size = rng.randint(1, max(1, len(pending)))
        batch, pending = pending[:size], pending[size:]
        failures = run(batch, Flaky())["batchItemFailures"]
        failed = {f["itemIdentifier"] for f in failures}
        pending = [r for r in batch if r["dynamodb"]["SequenceNumber"] in failed] + pending
    assert not pending
    revisions_in_table = {item["scope"]["S"]: item["revision"]["N"]
                          for item in scan(aws, "ScopeStateTableName")}
    for code, entries in model.items():
        document = bucket_object(aws, f"ceo-wmo/2026/{code}.json")
        due = [e for e in entries if e[1] in ("valid", "withdrawn") and shown(code, e)]
        if document is None:  # nothing ever counted and came due: never published
            assert not due
            continue
        validate(document)
        valid = [e for e in due if e[1] == "valid"]
        if valid:
            assert document["status"] == "published"
            assert document["delivery"]["id"] == valid[-1][0]
        else:
            assert document["status"] == "retracted"
        # the revision the scope's state holds now is exactly the one published
        assert document["revision"] == int(revisions_in_table[f"{code}#2026"])
        revisions = seen_revisions.get(code, [])
        assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)


class AtomicRequests:
    """The S3 client, one request at a time. S3 applies a conditional write (If-Match) as one
    step; moto checks the condition and then stores, so two threads can both pass the check
    and one merge is silently lost. Serialising the requests gives moto S3's guarantee, so a
    concurrency test tests the merge logic rather than moto's gap."""

    def __init__(self, inner):
        self.inner, self.lock = inner, threading.Lock()

    def __getattr__(self, name):
        found = getattr(self.inner, name)
        if not callable(found) or name == "exceptions":
            return found

        def serialised(*args, **kwargs):
            with self.lock:
                return found(*args, **kwargs)

        return serialised


@pytest.mark.parametrize("per_batch", [1, 2], ids=["one per batch", "two per batch"])
def test_concurrent_forwarders_keep_every_entry_in_the_index(aws, app_module, monkeypatch,
                                                             per_batch):
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.publication import targets as publication_targets

    atomic = AtomicRequests(boto3.client("s3"))
    monkeypatch.setattr(publication_targets, "_s3", lambda: atomic)
    codes = ["GM0014", "GM0034", "GM0050", "GM0228", "GM0363", "GM0518", "GM0599", "GM0344"]
    person = make_registrant(email="many@ede.nl", codes=tuple(codes))
    for code in codes:
        deliver(person, code=code)
    batches = [[record(f"{code}#2026", 1, "INSERT") for code in codes[i:i + per_batch]]
               for i in range(0, len(codes), per_batch)]
    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        results = list(pool.map(run, batches))
    # a forward that kept losing the race fails its records, which the stream retries; an
    # entry lost by a forward that reported success would not come back this way
    failed = [[item for item in batch if item["dynamodb"]["SequenceNumber"] in
               {f["itemIdentifier"] for f in result["batchItemFailures"]}]
              for batch, result in zip(batches, results, strict=True)]
    assert sum(map(len, failed)) < len(codes)
    assert all(run(retry) == {"batchItemFailures": []} for retry in failed if retry)
    index = bucket_object(aws, "ceo-wmo/2026/index.json")
    assert sorted(index["municipalities"]) == sorted(codes)
    national = bucket_object(aws, "ceo-wmo/2026/national.json")
    assert sorted(national["contributions"]) == sorted(codes)
    validate(index, "cycle-index")
    assert all(entry["revision"] == 1 for entry in index["municipalities"].values())


# --- self-healing publication ------------------------------------------------------------

def count_writes(aws, monkeypatch):
    """How many object writes one complete publish of a fresh revision makes."""
    from chalicelib.publication import targets as publication_targets

    counter = FailingWrites(boto3.client("s3"), fail_at=-1)
    monkeypatch.setattr(publication_targets, "_s3", lambda: counter)
    return counter


WRITES = ("questionnaire definition", "document", "report", "cycle index", "national figures",
          "root index")


@pytest.mark.parametrize("fail_at", range(len(WRITES)), ids=WRITES)
def test_a_forward_that_dies_between_any_two_writes_completes_on_retry(
        registrant, aws, monkeypatch, fail_at):
    from chalicelib.publication import targets as publication_targets

    deliver(registrant, headline="eerste")
    real = boto3.client("s3")
    failing = FailingWrites(real, fail_at)
    monkeypatch.setattr(publication_targets, "_s3", lambda: failing)
    item = record("GM0014#2026", 1, "INSERT")
    assert run([item])["batchItemFailures"] == [{"itemIdentifier":
                                                 item["dynamodb"]["SequenceNumber"]}]
    assert not feed_is_complete(aws, 1)
    monkeypatch.setattr(publication_targets, "_s3", lambda: real)
    assert run([item]) == {"batchItemFailures": []}  # the stream's retry
    assert feed_is_complete(aws, 1)
    assert "eerste" in bucket_object(aws, "ceo-wmo/2026/GM0014.html")


@pytest.mark.parametrize("fail_at", range(1, 5), ids=WRITES[1:5])
def test_a_correction_that_dies_halfway_completes_on_retry(registrant, aws, monkeypatch,
                                                            fail_at):
    """The reported bug: the document of revision 2 written, report and index left at 1."""
    from chalicelib.publication import targets as publication_targets

    deliver(registrant, headline="eerste")
    run([record("GM0014#2026", 1, "INSERT")])
    deliver(registrant, headline="tweede")
    real = boto3.client("s3")
    failing = FailingWrites(real, fail_at)
    monkeypatch.setattr(publication_targets, "_s3", lambda: failing)
    item = record("GM0014#2026", 2, "INSERT")
    assert run([item])["batchItemFailures"]
    # (write 0 is the attempt to create the definition, refused: it is there already)
    assert list(published_revisions(aws).values()).count(2) == fail_at - 1
    monkeypatch.setattr(publication_targets, "_s3", lambda: real)
    assert run([item]) == {"batchItemFailures": []}
    assert feed_is_complete(aws, 2)
    assert "tweede" in bucket_object(aws, "ceo-wmo/2026/GM0014.html")


def test_every_write_of_a_revision_is_covered_by_the_failure_injection(
        registrant, aws, monkeypatch):
    deliver(registrant)
    counter = count_writes(aws, monkeypatch)
    run([record("GM0014#2026", 1, "INSERT")])
    assert counter.writes == len(WRITES)  # keep the parametrisation above in step


def test_a_batch_writes_the_shared_objects_once(registrant, aws, monkeypatch):
    for code in BATCH:
        deliver(registrant, code=code)
    counter = count_writes(aws, monkeypatch)
    run([record(f"{code}#2026", 1, "INSERT") for code in BATCH])
    assert counter.writes == len(BATCH_WRITES)  # not 3 × 6
    assert feed_is_complete(aws, 1, BATCH)
    national = bucket_object(aws, "ceo-wmo/2026/national.json")
    assert sorted(national["contributions"]) == sorted(BATCH)
    assert national["questions"]["q1"]["municipalities"] == len(BATCH)


@pytest.mark.parametrize("fail_at", range(len(BATCH_WRITES)), ids=BATCH_WRITES)
def test_a_batch_that_dies_between_any_two_writes_completes_when_its_failures_are_retried(
        registrant, aws, monkeypatch, fail_at):
    """Only the records reported as failed come back (ReportBatchItemFailures): they alone
    must complete every object, the shared ones of the municipalities that did not fail
    included."""
    from chalicelib.publication import targets as publication_targets

    for code in BATCH:
        deliver(registrant, code=code, headline=f"eerste {code}")
    real = boto3.client("s3")
    failing = FailingWrites(real, fail_at)
    monkeypatch.setattr(publication_targets, "_s3", lambda: failing)
    batch = [record(f"{code}#2026", 1, "INSERT") for code in BATCH]
    failed = {f["itemIdentifier"] for f in run(batch)["batchItemFailures"]}
    assert failed
    assert not feed_is_complete(aws, 1, BATCH)
    monkeypatch.setattr(publication_targets, "_s3", lambda: real)
    retry = [item for item in batch if item["dynamodb"]["SequenceNumber"] in failed]
    assert run(retry) == {"batchItemFailures": []}
    assert feed_is_complete(aws, 1, BATCH)
    for code in BATCH:
        assert f"eerste {code}" in bucket_object(aws, f"ceo-wmo/2026/{code}.html")


def test_an_up_to_date_batch_reads_the_shared_objects_once_and_heads_the_rest(
        registrant, aws, monkeypatch):
    """The check behind "up to date": one read of the scope states, the three shared objects
    read once, and a HEAD (not a download) of each municipality's document and report."""
    for code in BATCH:
        deliver(registrant, code=code)
    batch = [record(f"{code}#2026", 1) for code in BATCH]
    run(batch)
    calls = aws_calls.record(monkeypatch)
    assert run(batch * 2) == {"batchItemFailures": []}
    assert sorted(call[:2] for call in calls) == sorted(
        [("dynamodb", "BatchGetItem")] + [("s3", "GetObject")] * 3
        + [("s3", "HeadObject")] * 2 * len(BATCH))


def test_a_scope_published_below_its_revision_is_repaired_by_a_later_event(
        registrant, aws):
    deliver(registrant, headline="eerste")
    run([record("GM0014#2026", 1, "INSERT")])
    before = {key: bucket_object(aws, f"ceo-wmo/2026/GM0014.{key}") for key in ("json", "html")}
    deliver(registrant, headline="tweede")
    run([record("GM0014#2026", 2, "INSERT")])
    # the objects fall back (a restored backup, an operator's mistake) while the state says
    # revision 2 was forwarded
    s3 = boto3.client("s3")
    bucket = aws["PublicationBucketName"]
    s3.put_object(Bucket=bucket, Key="ceo-wmo/2026/GM0014.json",
                  Body=json.dumps(before["json"]).encode())
    s3.delete_object(Bucket=bucket, Key="ceo-wmo/2026/GM0014.html")
    run([record("GM0014#2026", 2)])  # a duplicate or later event
    assert published_revisions(aws) == {"document": 2, "report": 2, "index": 2, "national": 2}
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["headline"]["text"] == "tweede"


def test_the_reconciler_repairs_drift_for_one_municipality_or_a_whole_cycle(
        registrant, aws, capsys):
    from chalicelib.cli import main as helpdesk_cli
    from chalicelib.publication.reconcile import reconcile

    deliver(registrant)
    deliver(registrant, code="GM0034")
    run([record("GM0014#2026", 1, "INSERT"), record("GM0034#2026", 1, "INSERT")])
    s3 = boto3.client("s3")
    bucket = aws["PublicationBucketName"]
    s3.delete_object(Bucket=bucket, Key="ceo-wmo/2026/GM0014.json")
    s3.delete_object(Bucket=bucket, Key="ceo-wmo/2026/GM0034.html")
    assert reconcile(2026, ["GM0014"]) == {"GM0014#2026": "published"}
    assert published_revisions(aws)["document"] == 1
    assert published_revisions(aws, code="GM0034")["report"] is None  # not asked for
    capsys.readouterr()
    assert helpdesk_cli.main(["reconcile", "--cycle", "2026"]) == 0
    out = capsys.readouterr().out
    assert "GM0034#2026\tpublished" in out and "GM0014#2026\tup to date" in out
    assert "2 gecontroleerd, 1 hersteld" in out
    assert published_revisions(aws, code="GM0034") == {"document": 1, "report": 1, "index": 1,
                                                       "national": 1}
    assert helpdesk_cli.main(["reconcile", "GM0034"]) == 0
    assert "1 gecontroleerd, 0 hersteld" in capsys.readouterr().out


def test_paths_carry_the_instrument_and_the_root_index_lists_cycles_and_definitions(
        registrant, aws):
    from chalicelib.questionnaire import journey

    deliver(registrant)
    run([record("GM0014#2026", 1, "INSERT")])
    definition = journey.current_definition()
    document = bucket_object(aws, f"{definition.instrument}/{definition.cycle}/GM0014.json")
    assert document["instrument"] == definition.instrument
    published = bucket_object(aws, document["delivery"]["questionnaire"]["definition"])
    assert published["version"] == definition.version
    assert document["delivery"]["questionnaire"]["version"] == definition.version
    assert [s["id"] for s in published["sections"]] == [s.id for s in definition.sections]
    root = bucket_object(aws, "index.json")
    cycle = root["instruments"][definition.instrument]["cycles"][str(definition.cycle)]
    validate(root, "root-index")
    validate(bucket_object(aws, cycle["index"]), "cycle-index")
    assert bucket_object(aws, cycle["index"])["municipalities"]["GM0014"]["revision"] == 1
    assert cycle["questionnaires"] == {definition.version:
                                       document["delivery"]["questionnaire"]["definition"]}
    assert bucket_object(aws, "2026/GM0014.json") is None  # nothing left on the old paths


def test_documents_carry_what_a_site_needs_to_show_and_find_them(aws, app_module, monkeypatch):
    from chalicelib.platform.municipalities import municipalities
    from chalicelib.questionnaire import journey

    definition = journey.current_definition()
    listed = municipalities(2025)
    person = make_registrant(email="site@ede.nl", codes=("GM0518", "GM0796", "GM0014"))
    deliver(person, code="GM0518")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2020-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")
    deliver(person, code="GM0796")
    run([record(f"{code}#2026", 1, "INSERT") for code in ("GM0518", "GM0796")])
    prefix = f"{definition.instrument}/{definition.cycle}"
    haag = bucket_object(aws, f"{prefix}/GM0518.json")
    bosch = bucket_object(aws, f"{prefix}/GM0796.json")
    for document in (haag, bosch):
        validate(document)
        assert document["instrument"] == definition.instrument
        assert document["measurement_year"] == document["cycle"] - 1
        code = document["municipality"]["code"]
        assert document["municipality"]["name"] == listed[code].name
        assert document["municipality"]["province"] == listed[code].province
        for answer in document["answers"]:  # the id of the section the question is in
            section = definition.section_of(answer["question_id"])
            assert (answer["section_id"], answer["section"]) == (section.id, section.title)
    assert haag["municipality"]["common_name"] == "Den Haag"
    assert bosch["municipality"]["common_name"] == "Den Bosch"
    assert (haag["late"], bosch["late"]) == (False, True) == (haag["delivery"]["late"],
                                                            bosch["delivery"]["late"])
    index = bucket_object(aws, f"{prefix}/index.json")["municipalities"]
    assert index["GM0796"]["common_name"] == "Den Bosch" and index["GM0796"]["late"] is True
    assert index["GM0518"]["province"] == listed["GM0518"].province


def test_every_common_name_belongs_to_a_listed_municipality_and_differs_from_its_name():
    from chalicelib.platform.municipalities import municipalities
    from chalicelib.publication.document import common_names

    listed = municipalities(2025)
    assert common_names()
    for code, common in common_names().items():
        assert code in listed and common != listed[code].name


def test_national_figures_equal_a_recomputation_from_the_documents_and_the_export(
        aws, app_module):
    from chalicelib.delivery import withdrawals
    from chalicelib.helpdesk import export

    codes = ("GM0014", "GM0034", "GM0050", "GM0228")
    person = make_registrant(email="national@ede.nl", codes=codes)
    deliver(person, code="GM0014")
    deliver(person, code="GM0034", scores__q5__n="19", scores__q1__n="120")
    deliver(person, code="GM0050", scores__q2__n="45", scores__q1__helemaal_mee_eens="30",
            scores__q1__neutraal="4,5")  # other shares, so that the weights matter
    deliver(person, code="GM0228")
    withdrawals.withdraw_latest("GM0228", 2026, "GM0228-2026-1", "h", "fout")
    run([record(f"{code}#2026", 1) for code in codes])
    national = bucket_object(aws, "ceo-wmo/2026/national.json")
    validate(national, "national")
    documents = [bucket_object(aws, f"ceo-wmo/2026/{code}.json") for code in codes]
    counted = [row for d in documents if d["status"] == "published" for row in d["scores"]
               if not row["withheld"]]
    assert counted and any(row["withheld"] for d in documents for row in d["scores"])
    assert len({row["agree"] for row in counted if row["question_id"] == "q1"}) > 1
    for question, figure in national["questions"].items():
        rows = [row for row in counted if row["question_id"] == question]
        weight = sum(row["valid_answers"] for row in rows)
        assert figure["municipalities"] == len(rows)
        assert figure["valid_answers"] == weight
        assert figure["agree"] == round(sum(r["agree"] * r["valid_answers"] for r in rows)
                                        / weight, 1)
    assert {row["question_id"] for row in counted} == set(national["questions"])
    from_export = export.national(export.rows(2026), list(national["questions"]))
    assert {q: {k: f[k] for k in ("municipalities", "valid_answers", "agree")}
            for q, f in national["questions"].items()} == from_export
    root = bucket_object(aws, "index.json")
    assert root["instruments"]["ceo-wmo"]["cycles"]["2026"]["national"] == \
        "ceo-wmo/2026/national.json"


def test_the_report_shows_the_national_figure_beside_the_municipality_s(aws, app_module):
    """Groningen alone: nothing to compare with. Almere next: its report sets each statement
    beside the national share as it stands with Almere in it (weighted by valid answers)."""
    person = make_registrant(email="beide@groningen.nl", codes=("GM0014", "GM0034"))
    deliver(person, code="GM0014")
    run([record("GM0014#2026", 1, "INSERT")])
    alone = bucket_object(aws, "ceo-wmo/2026/GM0014.html")
    assert "Landelijk:" not in alone
    deliver(person, code="GM0034", scores__q1__helemaal_mee_eens="20",
            scores__q1__mee_eens="35,5", scores__q1__neutraal="24,5",
            scores__q1__niet_mee_eens="15", scores__q1__helemaal_niet_mee_eens="5",
            scores__q1__n="398")
    run([record("GM0034#2026", 1, "INSERT")])
    almere = bucket_object(aws, "ceo-wmo/2026/GM0034.html")
    first = almere[almere.index('<p class="figure">'):]
    first = first[:first.index("</section>")]
    assert "55,5% (helemaal) mee eens" in first  # Almere's own: 20 + 35,5
    assert "Landelijk: 65,5%" in first and "(2 gemeenten" in first  # (75,5 + 55,5) / 2
