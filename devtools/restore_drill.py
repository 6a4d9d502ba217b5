"""`./dev restore-drill STAGE TABLE [--time ISO]`: restore a table to a point in time beside
itself and compare it with the source (docs/runbook.md, "Restoring a table").

Restores ceo-<stage>-<table> (point-in-time recovery) as ceo-<stage>-<table>-restored-<time>,
waits until it is active, and prints the item count and a hash of every item of both. Nothing
is deleted or changed in the source. Restored to an earlier time, the two differ by what was
written since; restored to the latest restorable time (the default, about five minutes ago on
AWS), by what was written in those minutes.

`--prepare RESTORED` readies a restored table for the stage to switch to it (table names are
stack parameters: devtools/table_parameters.py) and prints the parameters to deploy with.

`--copy-back RESTORED [--yes]` puts the restored data back instead: each item of the copy is written
into the stack's table (a put per item; items the copy lacks stay). Without `--yes` it only
counts. The stack keeps its table, name, roles, alarms and stream subscription; on the
deliveries table the stream sees the writes and the forwarder republishes what counts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def fingerprint(dynamodb: Any, table: str) -> tuple[int, str]:
    """(item count, sha256 over every item in a canonical form, whatever the scan order)."""
    digests = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        digests += [hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
                    for item in page["Items"]]
    return len(digests), hashlib.sha256("".join(sorted(digests)).encode()).hexdigest()


def restore(dynamodb: Any, source: str, when: datetime | None, now: datetime) -> str:
    target = f"{source}-restored-{(when or now).strftime('%Y%m%d-%H%M%S')}"
    point = {"RestoreDateTime": when} if when else {"UseLatestRestorableTime": True}
    dynamodb.restore_table_to_point_in_time(SourceTableName=source, TargetTableName=target,
                                            **point)
    dynamodb.get_waiter("table_exists").wait(TableName=target,
                                             WaiterConfig={"Delay": 20, "MaxAttempts": 180})
    return target


def copy_back(dynamodb: Any, restored: str, live: str) -> int:
    written = 0
    for page in dynamodb.get_paginator("scan").paginate(TableName=restored,
                                                         ConsistentRead=True):
        for item in page["Items"]:
            dynamodb.put_item(TableName=live, Item=item)
            written += 1
    return written


def table_spec(stage: str, table: str) -> tuple[str, dict[str, Any]]:
    """(logical id, properties) of ceo-<stage>-<table> in infra/resources.yaml: what the stack
    sets on it, read from the template, so it works even when the source table is gone."""
    from .intrinsics import Evaluator
    from .package import load_yaml

    template = load_yaml(ROOT / "infra" / "resources.yaml")
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::DynamoDB::Table" and Evaluator(template, {"Stage": stage})(
                resource["Properties"]["TableName"]) == f"ceo-{stage}-{table}":
            return logical, resource["Properties"]
    raise KeyError(f"no table ceo-{stage}-{table} in infra/resources.yaml")


def prepare(dynamodb: Any, stage: str, table: str, restored: str) -> dict[str, str]:
    """Sets on a restored table what a restore does not carry over but the stack gives its own
    (stream, TTL, point-in-time recovery, deletion protection; harmless to repeat) and returns
    the stack parameters that make the stage use it (devtools/table_parameters.py)."""
    from .table_parameters import parameter_of

    logical, spec = table_spec(stage, table)
    described = dynamodb.describe_table(TableName=restored)["Table"]
    stream = spec.get("StreamSpecification")
    if stream and not described.get("StreamSpecification", {}).get("StreamEnabled"):
        dynamodb.update_table(TableName=restored, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": stream["StreamViewType"]})
    ttl = spec.get("TimeToLiveSpecification")
    if ttl and dynamodb.describe_time_to_live(TableName=restored)[
            "TimeToLiveDescription"].get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        dynamodb.update_time_to_live(TableName=restored, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": ttl["AttributeName"]})
    dynamodb.update_continuous_backups(TableName=restored, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    if not described.get("DeletionProtectionEnabled"):
        dynamodb.update_table(TableName=restored, DeletionProtectionEnabled=True)
    parameters = {parameter_of(logical): restored}
    if stream:
        parameters[f"{parameter_of(logical)}Stream"] = dynamodb.describe_table(
            TableName=restored)["Table"]["LatestStreamArn"]
    return parameters


def main(argv: list[str] | None = None, dynamodb: Any = None,
         now: datetime | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["local", "dev", "prod"])
    parser.add_argument("table", help="without the stage prefix, e.g. deliveries")
    parser.add_argument("--time", type=datetime.fromisoformat, default=None,
                        help="ISO 8601, e.g. 2026-03-01T08:00:00Z (default: latest restorable)")
    parser.add_argument("--copy-back", metavar="RESTORED", default=None)
    parser.add_argument("--prepare", metavar="RESTORED", default=None,
                        help="ready a restored table for the stage to switch to it (stream, "
                             "TTL, PITR, deletion protection) and print the stack parameters")
    parser.add_argument("--yes", action="store_true")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    stage_file = ROOT / "infra" / "stages" / f"{args.stage}.json"
    region = args.region or (json.loads(stage_file.read_text())["region"] if
                             stage_file.is_file() else os.environ.get("AWS_REGION",
                                                                      "eu-central-1"))
    if dynamodb is None:
        import boto3

        dynamodb = boto3.client("dynamodb", region_name=region)
    source = f"ceo-{args.stage}-{args.table}"
    try:
        if args.prepare:
            parameters = prepare(dynamodb, args.stage, args.table, args.prepare)
            print(f"{args.prepare} is ready: stream, TTL, point-in-time recovery and deletion "
                  f"protection as the stack's own {source}. To switch the stage to it, add to "
                  f"\"parameters\" in infra/stages/{args.stage}.json:")
            print(json.dumps(parameters, indent=2))
            print(f"then ./dev deploy {args.stage} (the stack lets go of {source} and keeps "
                  "it; docs/runbook.md, 'Switching to a restored table').")
            return 0
        if args.copy_back:
            count, _ = fingerprint(dynamodb, args.copy_back)
            if not args.yes:
                print(f"Dry run: would write {count} item(s) of {args.copy_back} into {source}; "
                      f"add --yes.")
                return 0
            print(f"{copy_back(dynamodb, args.copy_back, source)} item(s) written into {source}.")
            return 0
        when = args.time.astimezone(UTC) if args.time else None
        target = restore(dynamodb, source, when, now or datetime.now(UTC))
        counts = {name: fingerprint(dynamodb, name) for name in (source, target)}
    except (ClientError, BotoCoreError) as error:
        print(f"Restore drill failed: {error}")
        return 1
    for name, (count, digest) in counts.items():
        print(f"  {name}: {count} item(s), sha256 {digest[:16]}")
    same = counts[source] == counts[target]
    print(("The copy equals the source." if same else
           "The copy differs from the source (what was written after the restore time).")
          + f" It stays as {target}: delete it when done (runbook).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
