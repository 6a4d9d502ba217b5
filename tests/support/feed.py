"""Deliveries made through the domain (no pages), Lambda-shaped stream records, and reading
and validating what the publication bucket holds."""
from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
from boto3.dynamodb.types import TypeSerializer

from .answers import COMPLETE_RAW

ROOT = Path(__file__).resolve().parent.parent.parent
FEED_DOCS = ROOT / "docs" / "feed"
SCHEMAS = {name: json.loads((FEED_DOCS / f"{name}.schema.json").read_text())
           for name in ("document", "cycle-index", "root-index", "questionnaire",
                        "national", "notification")}
SCHEMA = SCHEMAS["document"]
_sequence_numbers = itertools.count(1000)


def make_registrant(email="feed@ede.nl", codes=("GM0014",), name="Feed Tester",
                    phone="+31318123456"):
    """A registrant made through the domain (no pages, no session)."""
    from chalicelib.accounts import registration
    from chalicelib.accounts.registration_form import NewRegistration

    return registration.register(NewRegistration(name, email, phone, tuple(codes)))[0]


def deliver(registrant, code="GM0014", headline="Uitkomst", now=None, publish_at=None,
            instrument="ceo-wmo", **overrides):
    """A delivery made the way the send step makes it (draft → send), sent `now` (a datetime;
    default the real time), published from `publish_at` (default: at once); of CEO Jeugd
    with its own complete answers when `instrument` says so."""
    from chalicelib.delivery import sending
    from chalicelib.platform.municipalities import name_of
    from chalicelib.questionnaire import drafts, journey
    from tests.support.answers import COMPLETE_RAW_JEUGD

    definition = journey.current_definition(instrument)
    complete = COMPLETE_RAW if instrument == "ceo-wmo" else COMPLETE_RAW_JEUGD
    raw = {**complete, "belangrijkste_uitkomsten": headline, **overrides}
    existing = drafts.load_with_registrant(registrant.id, code, definition.cycle,
                                           instrument=instrument)[1]
    if existing is not None:
        existing.delete(add_version_condition=False)
    drafts.start_from(registrant.id, code, definition, raw, definition.cycle)
    fresh_registrant, draft, state = drafts.load_with_registrant(
        registrant.id, code, definition.cycle, with_state=True, instrument=instrument)
    return sending.send(fresh_registrant, code, name_of(code, 2025), definition, draft,
                        state, now=now, publish_at=publish_at)


def record(scope, sequence, event_name="MODIFY"):
    serializer = TypeSerializer()
    keys = {"scope": serializer.serialize(scope), "sequence": serializer.serialize(sequence)}
    return {"eventID": f"e{next(_sequence_numbers)}", "eventName": event_name,
            "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "eu-central-1",
            "eventSourceARN": "arn:aws:dynamodb:eu-central-1:123456789012:table/"
                              "ceo-local-deliveries/stream/2026-01-01T00:00:00.000",
            "dynamodb": {"Keys": keys, "SequenceNumber": str(next(_sequence_numbers)),
                         "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES",
                         "ApproximateCreationDateTime": int(
                             datetime.now(UTC).timestamp())}}


def bucket_object(aws, key):
    try:
        body = boto3.client("s3").get_object(Bucket=aws["PublicationBucketName"],
                                             Key=key)["Body"].read()
    except boto3.client("s3").exceptions.NoSuchKey:
        return None
    return json.loads(body) if key.endswith(".json") else body.decode()


def validate(document, schema="document"):
    """Checks a feed object against its schema in docs/feed/ (document, cycle-index,
    root-index, questionnaire, national, notification)."""
    import jsonschema

    jsonschema.validate(document, SCHEMAS[schema], format_checker=jsonschema.FormatChecker())


# --- forwarding, failures and what the bucket holds (test_forwarding, test_reconciler) ---

def run(records, target=None):
    from chalicelib.publication import forwarding
    from devtools.stream_pump import LambdaContext

    return forwarding.handle({"Records": records}, LambdaContext("forward"), target=target)


class FailingWrites:
    """The S3 client, except that the `fail_at`-th object write (0-based) raises: a forwarder
    that dies between two writes."""

    def __init__(self, inner, fail_at):
        self.inner, self.fail_at, self.writes = inner, fail_at, 0

    def put_object(self, **kwargs):
        self.writes += 1
        if self.writes - 1 == self.fail_at:
            raise ConnectionError(f"died before write {self.fail_at}: {kwargs['Key']}")
        return self.inner.put_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def published_revisions(aws, prefix="ceo-wmo/2026/", code="GM0014"):
    """The revision each object of one municipality carries (document, report, index entry)."""
    s3 = boto3.client("s3")
    document = bucket_object(aws, f"{prefix}{code}.json")
    try:
        report = s3.head_object(Bucket=aws["PublicationBucketName"],
                                Key=f"{prefix}{code}.html")["Metadata"].get("revision")
    except s3.exceptions.ClientError:
        report = None
    index = bucket_object(aws, f"{prefix}index.json") or {"municipalities": {}}
    entry = index["municipalities"].get(code)
    national = bucket_object(aws, f"{prefix}national.json") or {"contributions": {}}
    counted = national["contributions"].get(code)
    return {"document": document and document["revision"],
            "report": report and int(report),
            "index": entry and entry["revision"], "national": counted and counted["revision"]}


def feed_is_complete(aws, revision, codes=("GM0014",)):
    """Every object of these municipalities' `revision` is in the bucket, the shared ones
    included."""
    from chalicelib.questionnaire import journey

    version = journey.current_definition().version
    root = bucket_object(aws, "index.json") or {"instruments": {}}
    cycles = root["instruments"].get("ceo-wmo", {}).get("cycles", {})
    return (all(published_revisions(aws, code=code) == {
                "document": revision, "report": revision, "index": revision,
                "national": revision} for code in codes)
            and bucket_object(aws, f"ceo-wmo/2026/questionnaire-{version}.json") is not None
            and cycles.get("2026", {}).get("index") == "ceo-wmo/2026/index.json")


BATCH = ("GM0014", "GM0034", "GM0050")
#: the writes of one batch of three fresh municipalities: each one's own objects, then the
#: shared objects once for the whole batch
BATCH_WRITES = ("questionnaire definition",
                *(f"{kind} {code}" for code in BATCH for kind in ("document", "report")),
                "cycle index", "national figures", "root index")


def subscribe_queue(aws, name="site-changes", filter_policy=None):
    """A site's SQS queue subscribed to the feed's change notifications (raw delivery, as
    docs/feed.md advises); returns its URL."""
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    attributes = {"RawMessageDelivery": "true"}
    if filter_policy:
        attributes["FilterPolicy"] = json.dumps(filter_policy)
    sns.subscribe(TopicArn=aws["FeedChangesTopicArn"], Protocol="sqs", Endpoint=arn,
                  Attributes=attributes)
    return url


def notifications_in(url):
    """Every change notification waiting in a subscribed queue (taken out of it)."""
    sqs = boto3.client("sqs")
    found = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


#: answers of the clients of a measurement, cycled: q1 ends up 8 × 5, 4 × 4, 4 × 3, 2 × 2,
#: 2 × 1 and 4 × "weet niet" over 24 responses; q5 ja/nee/weet niet
MEASURED_ANSWERS = [
    {"q1": q1, "q2": "4", "q3": "5", "q4": "3", "q5": q5, "q6": "4", "q7": "4", "q8": "2",
     "q9": "0", "q10": "1"}
    for q1, q5 in (("5", "ja"), ("5", "ja"), ("4", "nee"), ("3", "ja"), ("5", "0"), ("2", "ja"),
                   ("4", "ja"), ("1", "nee"), ("5", "ja"), ("0", "ja"), ("3", "nee"),
                   ("0", "ja"))]


def jeugd_answers(prefix):
    """MEASURED_ANSWERS for a CEO Jeugd list (`prefix` "o": parents, "j": youths), whose six
    statements all take the agree scale."""
    return [{f"{prefix}{n}": answers[q] for n, q in enumerate(("q1", "q2", "q3", "q4", "q6",
                                                                "q8"), start=1)}
            for answers in MEASURED_ANSWERS]


def measure(code="GM0037", responses=24, first=None, channels=("sms", "generiek", "papier"),
            questionnaire="wmo", answers=None):
    """A measurement of `code` (of `questionnaire`: "wmo", "jeugd-ouders", "jeugd-jongeren")
    with `responses` clients' answers (cycling through `answers`, default MEASURED_ANSWERS) on
    days from `first` (default 12 January 2026) onwards, through the domain; the
    measurement."""
    from datetime import date, timedelta

    from chalicelib.measurement import measurements
    from chalicelib.measurement import responses as client_responses

    first = first or date(2026, 1, 12)
    measurement = measurements.create(code, {
        "name": "Cliëntervaring Wmo", "mode": "eenmalig", "opens": "2026-01-01",
        "closes": "2026-12-31", "teams": [{"id": "t1", "name": "Sociaal team"}],
        "channels": set(channels), "extra": [], "questionnaire": questionnaire},
        "registrant#test")
    answers = answers or MEASURED_ANSWERS
    for n in range(responses):
        source = client_responses.Source(code, measurement.id, "meting",
                                         channels[n % len(channels)], "t1")
        client_responses.submit(source, answers[n % len(answers)],
                                day=first + timedelta(days=n % 40))
    return measurement


def deliver_measured(registrant, code="GM0037", measurement=None, **overrides):
    """A delivery whose figures came from a measurement ("Gebruik deze uitkomsten in de
    aanlevering" through the domain), the rest the complete answers; sent at once."""
    from chalicelib.delivery import sending
    from chalicelib.measurement import into_delivery
    from chalicelib.platform.municipalities import name_of
    from chalicelib.questionnaire import drafts, journey

    measurement = measurement or measure(code)
    definition = journey.current_definition()
    drafts.start_from(registrant.id, code, definition, {**COMPLETE_RAW, **overrides},
                      definition.cycle)
    draft = drafts.load_with_registrant(registrant.id, code, definition.cycle)[1]
    proposal = into_delivery.propose(measurement, definition)
    filled = into_delivery.apply(registrant.id, measurement, definition, proposal,
                                 drafts.parse_seen(drafts.seen_mark(draft)), draft, 0)
    assert not isinstance(filled, drafts.Changed)
    fresh_registrant, draft, state = drafts.load_with_registrant(
        registrant.id, code, definition.cycle, with_state=True)
    return sending.send(fresh_registrant, code, name_of(code, 2025), definition, draft, state)


def deliver_measured_jeugd(registrant, code="GM0037"):
    """A CEO Jeugd delivery filled from two measurements, the parents' list (24 responses on
    paper from 12 January) and the youths' (20 on a tablet from 1 February), each used in turn
    ("Gebruik deze uitkomsten" through the domain): each list its own score table, the answers
    about the survey as a whole their sum; the rest the complete answers; sent at once."""
    from datetime import date

    from chalicelib.delivery import sending
    from chalicelib.measurement import into_delivery
    from chalicelib.platform.municipalities import name_of
    from chalicelib.questionnaire import drafts, journey
    from tests.support.answers import COMPLETE_RAW_JEUGD

    parents = measure(code, 24, channels=("papier",), questionnaire="jeugd-ouders",
                      answers=jeugd_answers("o"))
    youths = measure(code, 20, first=date(2026, 2, 1), channels=("tablet",),
                     questionnaire="jeugd-jongeren", answers=jeugd_answers("j"))
    definition = journey.current_definition("ceo-jeugd")
    typed = {k: v for k, v in COMPLETE_RAW_JEUGD.items() if not k.startswith("scores_")}
    drafts.start_from(registrant.id, code, definition, typed, definition.cycle)
    for measurement in (parents, youths):
        draft = drafts.load_with_registrant(registrant.id, code, definition.cycle,
                                            instrument=definition.instrument)[1]
        proposal = into_delivery.propose(measurement, definition, draft=draft)
        filled = into_delivery.apply(registrant.id, measurement, definition, proposal,
                                     drafts.parse_seen(drafts.seen_mark(draft)), draft, 0)
        assert not isinstance(filled, drafts.Changed)
    fresh_registrant, draft, state = drafts.load_with_registrant(
        registrant.id, code, definition.cycle, with_state=True,
        instrument=definition.instrument)
    return sending.send(fresh_registrant, code, name_of(code, 2025), definition, draft, state)
