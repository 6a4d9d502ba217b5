"""The local runner's and the bench's TransactWriteItems (devtools/moto_transactions.py): the
same answers and the same tables and stream records as moto's own, for any sequence of
transactions — but a cancelled transaction never replaces the table object (a stream reader
keeps reading it) and no transaction copies a table (what made 10,000 counted responses
impossible to bench)."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REGION = "eu-central-1"
TABLES = {"plain": [("pk", "HASH")], "ranged": [("pk", "HASH"), ("sk", "RANGE")]}


def make_tables() -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    for name, schema in TABLES.items():
        if name in client.list_tables()["TableNames"]:
            client.delete_table(TableName=name)
        client.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": a, "KeyType": t} for a, t in schema],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a, _ in schema],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def backend_table(name: str):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends["123456789012"][REGION].tables[name]


def key(table: str, pk: str) -> dict:
    return {"pk": {"S": pk}, **({"sk": {"S": "x"}} if table == "ranged" else {})}


def operation(kind: str, table: str, pk: str) -> dict:
    """One transaction item of the kinds the code uses: a guarded put (a marker), an ADD with
    and without a condition, a text where a number was (moto fails it while writing), a guarded
    delete, a condition check."""
    if kind == "put-new":
        return {"Put": {"TableName": table, "Item": {**key(table, pk), "n": {"N": "1"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
    if kind in ("add", "add-if-exists"):
        update = {"TableName": table, "Key": key(table, pk), "UpdateExpression": "ADD n :one",
                  "ExpressionAttributeValues": {":one": {"N": "1"}}}
        if kind == "add-if-exists":
            update["ConditionExpression"] = "attribute_exists(pk)"
        return {"Update": update}
    if kind == "text":
        return {"Update": {"TableName": table, "Key": key(table, pk),
                           "UpdateExpression": "ADD n :text",
                           "ExpressionAttributeValues": {":text": {"S": "tekst"}}}}
    if kind == "delete-if-one":
        return {"Delete": {"TableName": table, "Key": key(table, pk),
                           "ConditionExpression": "n = :one",
                           "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    return {"ConditionCheck": {"TableName": table, "Key": key(table, pk),
                               "ConditionExpression": "attribute_exists(pk)"}}


items = st.tuples(st.sampled_from(["put-new", "add", "add-if-exists", "text", "delete-if-one",
                                   "check"]),
                  st.sampled_from(sorted(TABLES)), st.sampled_from(["a", "b", "c"]))
transactions = st.lists(st.lists(items, min_size=1, max_size=4), min_size=1, max_size=8)


def play(transactions: list[list[tuple[str, str, str]]]) -> tuple[list, dict, dict]:
    """Each transaction's answer, then every table's items and stream records."""
    make_tables()
    client = boto3.client("dynamodb", region_name=REGION)
    answers = []
    for transaction in transactions:
        try:
            client.transact_write_items(TransactItems=[operation(*i) for i in transaction])
            answers.append("ok")
        except ClientError as error:
            answers.append((error.response["Error"]["Code"],
                            error.response.get("CancellationReasons")))
    tables = {name: sorted(map(str, client.scan(TableName=name)["Items"])) for name in TABLES}
    streams = {name: [(r["eventName"], str(r["dynamodb"].get("NewImage")))
                      for r in backend_table(name).stream_shard.get(
                          backend_table(name).stream_shard.starting_sequence_number, 10_000)]
               for name in TABLES}
    return answers, tables, streams


@pytest.fixture()
def item_by_item():
    from devtools.moto_transactions import roll_back_item_by_item

    undo = roll_back_item_by_item()
    yield
    undo()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transactions)
def test_answers_tables_and_streams_are_motos_own(transactions):
    from devtools.moto_transactions import roll_back_item_by_item

    mine = None
    undo = roll_back_item_by_item()
    try:
        mine = play(transactions)
    finally:
        undo()
    assert mine == play(transactions)


def test_a_cancelled_transaction_keeps_the_table_a_stream_reader_reads(item_by_item):
    make_tables()
    client = boto3.client("dynamodb", region_name=REGION)
    table = backend_table("ranged")
    client.transact_write_items(TransactItems=[operation("put-new", "ranged", "a")])
    with pytest.raises(ClientError) as refused:
        client.transact_write_items(TransactItems=[operation("add", "ranged", "b"),
                                                   operation("put-new", "ranged", "a")])
    reasons = refused.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["Item"]["pk"] == {"S": "a"}  # ALL_OLD, as moto answers it
    assert backend_table("ranged") is table
    client.transact_write_items(TransactItems=[operation("put-new", "ranged", "c")])
    assert [(r.record["eventName"], r.record["dynamodb"]["Keys"]["pk"]["S"])
            for r in table.stream_shard.items] == [("INSERT", "a"), ("INSERT", "c")]
    assert client.get_item(TableName="ranged", Key=key("ranged", "b")).get("Item") is None


def test_a_write_that_fails_midway_is_undone_with_its_stream_records(item_by_item):
    make_tables()
    client = boto3.client("dynamodb", region_name=REGION)
    client.put_item(TableName="plain", Item={"pk": {"S": "a"}, "n": {"N": "5"}})
    before = len(backend_table("plain").stream_shard.items)
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[operation("add", "plain", "a"),
                                                   operation("add", "plain", "b"),
                                                   operation("text", "plain", "c")])
    assert client.get_item(TableName="plain", Key=key("plain", "a"))["Item"]["n"] == {"N": "5"}
    assert "Item" not in client.get_item(TableName="plain", Key=key("plain", "b"))
    assert len(backend_table("plain").stream_shard.items) == before


def test_no_transaction_copies_a_table(item_by_item, monkeypatch):
    from moto.dynamodb.models.table import Table

    make_tables()

    def refuse(self, memo):
        raise AssertionError("a transaction copied a whole table")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    client = boto3.client("dynamodb", region_name=REGION)
    client.transact_write_items(TransactItems=[operation("put-new", "plain", "a"),
                                               operation("add", "ranged", "a")])
    with pytest.raises(ClientError):
        client.transact_write_items(TransactItems=[operation("put-new", "plain", "a")])
    assert len(client.scan(TableName="plain")["Items"]) == 1
