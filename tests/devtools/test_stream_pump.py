"""The local stream pump delivers DynamoDB stream records the way Lambda would."""
from __future__ import annotations

import boto3
import pytest

from devtools.stream_pump import StreamPump, Subscription


@pytest.fixture()
def table(aws):
    client = boto3.client("dynamodb")
    client.create_table(
        TableName="pump-test", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return client


def put(client, *keys):
    for key in keys:
        client.put_item(TableName="pump-test", Item={"pk": {"S": key}})


def test_records_arrive_lambda_shaped_in_order(table):
    seen = []

    def handler(event, context):
        seen.extend(event["Records"])
        assert context.get_remaining_time_in_millis() > 0

    pump = StreamPump([Subscription("pump-test", "handler", handler)], "eu-central-1")
    put(table, "a", "b")
    table.delete_item(TableName="pump-test", Key={"pk": {"S": "a"}})
    assert pump.poll_once() == 3
    assert [r["eventName"] for r in seen] == ["INSERT", "INSERT", "REMOVE"]
    first = seen[0]
    assert first["eventSourceARN"].startswith("arn:aws:dynamodb:")
    assert "/stream/" in first["eventSourceARN"]
    assert first["awsRegion"] == "eu-central-1"
    assert isinstance(first["dynamodb"]["ApproximateCreationDateTime"], int)
    assert first["dynamodb"]["NewImage"] == {"pk": {"S": "a"}}
    assert pump.poll_once() == 0  # nothing is delivered twice


def test_a_reported_failure_is_retried_from_that_record(table):
    calls = []

    def handler(event, context):
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"]]
        calls.append(keys)
        if len(calls) == 1:
            return {"batchItemFailures": [
                {"itemIdentifier": event["Records"][1]["dynamodb"]["SequenceNumber"]}]}
        return {"batchItemFailures": []}

    pump = StreamPump([Subscription("pump-test", "handler", handler)], "eu-central-1")
    put(table, "a", "b", "c")
    pump.poll_once()
    pump.poll_once()
    assert calls == [["a", "b", "c"], ["b", "c"]]


def test_a_poison_batch_is_set_aside_after_bounded_retries(table):
    calls = []

    def handler(event, context):
        calls.append(len(event["Records"]))
        raise RuntimeError("poison")

    discarded = []
    pump = StreamPump([Subscription("pump-test", "handler", handler, max_retries=2)],
                      "eu-central-1", on_discard=lambda name, records: discarded.extend(records))
    put(table, "a")
    for _ in range(5):
        pump.poll_once()
    assert calls == [1, 1, 1]
    assert len(discarded) == 1 and pump.discarded == discarded
    put(table, "b")
    calls.clear()
    pump.poll_once()
    assert calls == [1]  # later records flow again


def test_records_keep_arriving_after_a_cancelled_transaction(table):
    """moto (5.2.5) cancels a transaction by putting a copy of the table in place of the live
    one, with the copy's stream shard: the pump must read the shard the table has now."""
    seen = []
    pump = StreamPump([Subscription("pump-test", "handler",
                                    lambda event, context: seen.extend(event["Records"]))],
                      "eu-central-1")
    put(table, "a")
    assert pump.poll_once() == 1
    # writes "b", then fails its condition on "a" (a double click): nothing of it stays
    with pytest.raises(table.exceptions.TransactionCanceledException):
        table.transact_write_items(TransactItems=[
            {"Put": {"TableName": "pump-test", "Item": {"pk": {"S": "b"}}}},
            {"Put": {"TableName": "pump-test", "Item": {"pk": {"S": "a"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}}])
    put(table, "c")  # takes the sequence number b had before the rollback
    table.delete_item(TableName="pump-test", Key={"pk": {"S": "a"}})
    assert pump.poll_once() == 2
    assert [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in seen] == [
        ("INSERT", "a"), ("INSERT", "c"), ("REMOVE", "a")]
    assert pump.poll_once() == 0
