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
                                "national")}
SCHEMA = SCHEMAS["document"]
_sequence_numbers = itertools.count(1000)


def make_registrant(email="feed@ede.nl", codes=("GM0014",), name="Feed Tester",
                    phone="+31318123456"):
    """A registrant made through the domain (no pages, no session)."""
    from chalicelib.accounts import registration
    from chalicelib.accounts.registration_form import NewRegistration

    return registration.register(NewRegistration(name, email, phone, tuple(codes)))[0]


def deliver(registrant, code="GM0014", headline="Uitkomst", now=None, **overrides):
    """A delivery made the way the send step makes it (draft → send), sent `now` (a datetime;
    default the real time)."""
    from chalicelib.delivery import sending
    from chalicelib.platform.municipalities import name_of
    from chalicelib.questionnaire import drafts, journey

    definition = journey.current_definition()
    raw = {**COMPLETE_RAW, "belangrijkste_uitkomsten": headline, **overrides}
    existing = drafts.load_with_registrant(registrant.id, code, definition.cycle)[1]
    if existing is not None:
        existing.delete(add_version_condition=False)
    drafts.start_from(registrant.id, code, definition, raw, definition.cycle)
    fresh_registrant, draft, state = drafts.load_with_registrant(
        registrant.id, code, definition.cycle, with_state=True)
    return sending.send(fresh_registrant, code, name_of(code, 2025), definition, draft,
                        state, now=now)


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
    root-index, questionnaire, national)."""
    import jsonschema

    jsonschema.validate(document, SCHEMAS[schema], format_checker=jsonschema.FormatChecker())
