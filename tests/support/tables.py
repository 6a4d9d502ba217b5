"""Reading the tables the way an operator would look at them: a plain DynamoDB scan."""
from __future__ import annotations

import boto3


def scan(aws, table: str) -> list[dict]:
    """Every item of a table, low-level shape; `table` is a stack output such as
    "DeliveriesTableName" (or the short form "Deliveries")."""
    key = table if table.endswith("TableName") else f"{table}TableName"
    client = boto3.client("dynamodb")
    items, start = [], {}
    while True:
        page = client.scan(TableName=aws[key], **start)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}


def contents(aws, skip: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Every table's items as text, sorted, read straight from moto's memory: what a scan of
    each would return, at a fraction of the cost of a scan through boto3 per table (the
    hostile-input properties compare this before and after each of hundreds of requests).
    `skip`: stack outputs (e.g. "RateLimitsTableName") left out."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][boto3.session.Session().region_name].tables
    return {key: sorted(str(item.to_json()["Attributes"]) for item in tables[aws[key]].all_items())
            for key in aws if key.endswith("TableName") and key not in skip}
