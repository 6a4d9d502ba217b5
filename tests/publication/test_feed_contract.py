"""The feed contract (docs/feed.md, docs/feed/*.schema.json): the example documents under
docs/feed/examples/ are what the forwarder produces now, and every one validates against its
schema. A change to the feed that the examples do not show fails here; after an intended
(additive, docs/feed.md "Versioning") change, rewrite them with
`UPDATE_FEED_EXAMPLES=1 .venv/bin/python -m pytest tests/publication/test_feed_contract.py`."""
from __future__ import annotations

import json
import os

import jsonschema
import pytest

from tests.support.feed import (
    FEED_DOCS,
    SCHEMAS,
    bucket_object,
    deliver,
    deliver_measured,
    deliver_measured_jeugd,
    make_registrant,
    notifications_in,
    record,
    subscribe_queue,
    validate,
)

EXAMPLES = FEED_DOCS / "examples"
#: the schema each example follows
KINDS = {"published": "document", "withheld-score": "document", "retracted": "document",
         "late": "document", "no-survey": "document", "measured": "document",
         "cycle-index": "cycle-index",
         "root-index": "root-index", "questionnaire": "questionnaire", "national": "national",
         "notification": "notification", "published-jeugd": "document",
         "national-jeugd": "national", "questionnaire-jeugd": "questionnaire",
         "measured-jeugd": "document"}
#: times differ per run; examples show this one instead
SHOWN_TIME = "2026-05-01T12:00:00+00:00"


def normalised(value):
    """The object with its run-dependent times replaced by SHOWN_TIME."""
    if isinstance(value, dict):
        return {k: SHOWN_TIME if k in ("generated_at", "sent_at") and isinstance(v, str)
                else normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalised(v) for v in value]
    return value


def produced(aws, monkeypatch):
    """One of each kind of feed object, through the real send → stream → forwarder path."""
    from chalicelib.delivery import withdrawals
    from chalicelib.publication import forwarding
    from chalicelib.questionnaire import journey
    from devtools.stream_pump import LambdaContext

    person = make_registrant(email="contract@ede.nl",
                             codes=("GM0014", "GM0034", "GM0037", "GM0050", "GM0518",
                                    "GM0599"))
    # q1 as five answers (the complete answers), q2 in three groups, q3 only % eens
    deliver(person, code="GM0014", headline="Cliënten zijn tevreden over de toegang.",
            scores__q2__eens="71", scores__q2__neutraal_groep="19", scores__q2__oneens="10",
            scores__q2__n="380", scores__q3__eens="80,5", scores__q3__n="377")
    deliver(person, code="GM0599", onderzoek_uitgevoerd="nee",
            geen_onderzoek_reden="De gemeente is in 2025 heringedeeld.",
            volgend_onderzoek="voorjaar 2027")
    deliver(person, code="GM0034", scores__q5__n="19")  # below the privacy minimum
    deliver(person, code="GM0050")
    deliver_measured(person, code="GM0037")  # figures "uit de meting"
    withdrawals.withdraw_latest("GM0050", 2026, "GM0050-2026-1", "helpdesk@x", "Verkeerd")
    monkeypatch.setenv("DELIVERY_DEADLINE", "2020-06-30")
    monkeypatch.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")
    deliver(person, code="GM0518")
    monkeypatch.delenv("DELIVERY_DEADLINE")
    monkeypatch.delenv("DELIVERY_LATE_UNTIL")
    # CEO Jeugd beside it: its own document, national figures, definition, root entry
    deliver(person, code="GM0014", instrument="ceo-jeugd",
            headline="Ouders en jongeren voelen zich serieus genomen.")
    records = [record(f"{code}#2026", 1)
               for code in ("GM0014", "GM0034", "GM0037", "GM0050", "GM0518", "GM0599")]
    deliver_measured_jeugd(person, code="GM0037")  # parents' and youths' figures summed
    records += [record("GM0014#2026#jeugd", 1), record("GM0037#2026#jeugd", 1)]
    site = subscribe_queue(aws)
    assert forwarding.handle({"Records": records}, LambdaContext("contract")) == {
        "batchItemFailures": []}
    definition = journey.current_definition()
    prefix = f"{definition.instrument}/{definition.cycle}"
    found = {"published": f"{prefix}/GM0014.json", "withheld-score": f"{prefix}/GM0034.json",
             "retracted": f"{prefix}/GM0050.json", "late": f"{prefix}/GM0518.json",
             "no-survey": f"{prefix}/GM0599.json", "measured": f"{prefix}/GM0037.json",
             "cycle-index": f"{prefix}/index.json", "root-index": "index.json",
             "questionnaire": f"{prefix}/questionnaire-{definition.version}.json",
             "national": f"{prefix}/national.json",
             "published-jeugd": "ceo-jeugd/2026/GM0014.json",
             "national-jeugd": "ceo-jeugd/2026/national.json",
             "questionnaire-jeugd": "ceo-jeugd/2026/questionnaire-2026.1.json",
             "measured-jeugd": "ceo-jeugd/2026/GM0037.json"}
    produced = {name: normalised(bucket_object(aws, key)) for name, key in found.items()}
    [produced["notification"]] = [normalised(m) for m in notifications_in(site)
                                  if m["municipality"]["code"] == "GM0014"
                                  and m["instrument"] == "ceo-wmo"]
    return produced


def test_the_examples_are_what_the_forwarder_produces(aws, app_module, monkeypatch):
    now = produced(aws, monkeypatch)
    assert now["withheld-score"]["scores"] and any(r["withheld"]
                                                   for r in now["withheld-score"]["scores"])
    assert now["retracted"]["status"] == "retracted" and now["late"]["late"] is True
    assert now["no-survey"]["survey_held"] is False and now["no-survey"]["scores"] == []
    formats = {row["question_id"]: (row["format"], row["agree"], row["complete"])
               for row in now["published"]["scores"]}
    assert formats == {"q1": ("vijf", 75.5, True), "q2": ("drie", 71, True),
                       "q3": ("eens", 80.5, False), "q5": ("ja_nee", 61, True)}
    if os.environ.get("UPDATE_FEED_EXAMPLES"):
        EXAMPLES.mkdir(parents=True, exist_ok=True)
        for name, content in now.items():
            (EXAMPLES / f"{name}.json").write_text(
                json.dumps(content, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for name, content in now.items():
        path = EXAMPLES / f"{name}.json"
        assert path.is_file(), f"{path} missing: run with UPDATE_FEED_EXAMPLES=1"
        shown = json.loads(path.read_text(encoding="utf-8"))
        assert shown == content, (f"{path.name} no longer matches the forwarder's output; "
                                  "rewrite with UPDATE_FEED_EXAMPLES=1 after checking the "
                                  "change is additive (docs/feed.md, Versioning)")


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_example_validates_against_its_schema(name):
    example = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    validate(example, KINDS[name])


def test_the_examples_are_exactly_the_documented_set_and_the_schemas_are_valid():
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(KINDS)
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    contract = (FEED_DOCS.parent / "feed.md").read_text(encoding="utf-8")
    for name in list(KINDS) + [f"{s}.schema.json" for s in SCHEMAS]:
        assert name in contract, f"docs/feed.md does not mention {name}"


def test_a_document_that_breaks_the_contract_is_refused_by_the_schema():
    example = json.loads((EXAMPLES / "published.json").read_text(encoding="utf-8"))
    for broken in ({**example, "revision": "1"}, {**example, "surprise": True},
                   {k: v for k, v in example.items() if k != "instrument"}):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


def test_every_definition_on_disk_follows_the_questionnaire_schema():
    """What the feed publishes beside the documents is the data file as is: each one must
    follow the contract, also a future one."""
    from chalicelib.questionnaire.definitions import DEFINITIONS

    paths = sorted(DEFINITIONS.glob("*/*.json"))
    assert paths
    for path in paths:
        validate(json.loads(path.read_text(encoding="utf-8")), "questionnaire")
