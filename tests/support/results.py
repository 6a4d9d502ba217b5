"""The responses table's stream as Lambda would receive it (read from moto's stream), handed to
the counter (measurement/counting.py); responses stored without the web pages."""
from __future__ import annotations

from datetime import date, timedelta

import boto3

_READ: dict[str, str] = {}  # stream ARN -> the next shard iterator (records read once)


def stream_records(aws) -> list[dict]:
    """The responses stream's records not read before in this test (Lambda's shape)."""
    streams = boto3.client("dynamodbstreams")
    arn = aws["ResponsesStreamArn"]
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    records: list[dict] = []
    for shard in shards:
        key = f"{arn}#{shard['ShardId']}"
        iterator = _READ.get(key) or streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while True:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            records += page["Records"]
            iterator = page["NextShardIterator"]
            if not page["Records"]:
                break
        _READ[key] = iterator
    for record in records:
        record["eventSourceARN"] = arn
        record["dynamodb"]["ApproximateCreationDateTime"] = int(
            record["dynamodb"]["ApproximateCreationDateTime"].timestamp()
            if hasattr(record["dynamodb"].get("ApproximateCreationDateTime"), "timestamp")
            else record["dynamodb"].get("ApproximateCreationDateTime", 0))
    return records


def forget_stream() -> None:
    _READ.clear()


def run(records) -> dict:
    from chalicelib.measurement import counting
    from devtools.stream_pump import LambdaContext

    return counting.handle({"Records": records}, LambdaContext("count_responses"))


def count_new(aws) -> dict:
    """Counts what the stream brought since the last call, as one batch."""
    return run(stream_records(aws))


def measurement(code="GM0014", mode="eenmalig", teams=("Noord", "Zuid"), opens=None,
                closes=None):
    from chalicelib.measurement import measurements

    today = date.today()
    settings = {"name": "Meting", "mode": mode,
                "opens": (opens or today - timedelta(days=1)).isoformat(),
                "closes": (closes or today + timedelta(days=60)).isoformat(),
                "teams": [{"id": f"t{n + 1}", "name": t} for n, t in enumerate(teams)],
                "channels": {"generiek"}, "extra": []}
    return measurements.create(code, settings, "registrant#test")


def respond(measurement, answers, team=None, day=None, period=None):
    from chalicelib.measurement import measurements, responses

    day = day or date.today()
    period = period or measurements.period_of(measurement, day).id
    return responses.submit(responses.Source(measurement.municipality, measurement.id, period,
                                             "generiek", team), answers, day=day)
