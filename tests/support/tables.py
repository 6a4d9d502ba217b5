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
