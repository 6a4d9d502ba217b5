"""The local runner's and the bench's Query on a table's key (devtools/moto_queries.py): for
any table and any query — key conditions, order, page size, paging on — the same pages as
moto's own, read from the one partition asked for."""
from __future__ import annotations

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

REGION = "eu-central-1"
TABLE = "queried"

keys = st.sampled_from(["a", "b", "c", "ab"])
sort_keys = st.text(alphabet="xyz#0", min_size=1, max_size=4)
tables = st.lists(st.tuples(keys, sort_keys, st.integers(0, 9)), max_size=25)
conditions = st.one_of(
    st.none(),
    st.tuples(st.sampled_from(["=", "<", ">=", "begins_with"]), sort_keys),
    st.tuples(st.just("between"), sort_keys, sort_keys))


def make_table(items) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    if TABLE in client.list_tables()["TableNames"]:
        client.delete_table(TableName=TABLE)
    client.create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")])
    for pk, sk, n in items:
        client.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk},
                                               "n": {"N": str(n)}})


def pages(pk, condition, limit, forward, only_odd) -> list:
    """Every page of the query, following LastEvaluatedKey."""
    client = boto3.client("dynamodb", region_name=REGION)
    expression, values = "pk = :pk", {":pk": {"S": pk}}
    if condition is not None:
        if condition[0] == "begins_with":
            expression += " AND begins_with(sk, :a)"
        elif condition[0] == "between":
            expression += " AND sk BETWEEN :a AND :b"
            values[":b"] = {"S": max(condition[1:])}
        else:
            expression += f" AND sk {condition[0]} :a"
        values[":a"] = {"S": min(condition[1:]) if condition[0] == "between" else condition[1]}
    request = {"TableName": TABLE, "KeyConditionExpression": expression,
               "ExpressionAttributeValues": values, "ScanIndexForward": forward}
    if limit:
        request["Limit"] = limit
    if only_odd:
        request["FilterExpression"] = "n IN (:1, :3, :5, :7, :9)"
        values.update({f":{d}": {"N": str(d)} for d in (1, 3, 5, 7, 9)})
    answers = []
    while True:
        page = client.query(**request)
        answers.append((page["Items"], page["Count"], page["ScannedCount"],
                        page.get("LastEvaluatedKey")))
        if "LastEvaluatedKey" not in page or len(answers) > 30:
            return answers
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables, keys, conditions, st.sampled_from([None, 1, 2, 5]), st.booleans(), st.booleans())
def test_every_page_is_motos_own(items, pk, condition, limit, forward, only_odd):
    from devtools.moto_queries import query_one_partition

    make_table(items)
    own = pages(pk, condition, limit, forward, only_odd)
    undo = query_one_partition()
    try:
        assert pages(pk, condition, limit, forward, only_odd) == own
    finally:
        undo()


def test_a_query_reads_only_its_partition(monkeypatch):
    from moto.dynamodb.models.table import Table

    from devtools.moto_queries import query_one_partition

    make_table([("a", "x", 1), ("b", "y", 2), ("a", "z", 3)])
    undo = query_one_partition()
    try:
        monkeypatch.setattr(Table, "all_items", lambda self: (_ for _ in ()).throw(
            AssertionError("the whole table was read")))
        assert [i["sk"]["S"] for i in pages("a", None, None, True, False)[0][0]] == ["x", "z"]
    finally:
        undo()
