"""`./dev restore-drill`, run against moto (which implements RestoreTableToPointInTime by
copying the source's items as they are, whatever the time asked): the copy is made beside the
source under a new name and compared; the copy-back puts lost items back into the stack's
table (the procedure in docs/runbook.md)."""
from __future__ import annotations

from datetime import UTC, datetime

import boto3

from devtools import restore_drill

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _fill(table: str, n: int) -> None:
    dynamodb = boto3.client("dynamodb")
    for i in range(n):
        dynamodb.put_item(TableName=table, Item={
            "scope": {"S": f"ceo-wmo#2026#GM{i:04d}"}, "sequence": {"N": str(i)},
            "answers": {"M": {"q1": {"S": "ja"}}}})


def test_the_drill_restores_beside_the_source_and_the_copy_equals_it(aws, capsys):
    _fill("ceo-local-deliveries", 30)
    assert restore_drill.main(["local", "deliveries"], now=NOW) == 0
    out = capsys.readouterr().out
    restored = "ceo-local-deliveries-restored-20260301-080000"
    assert f"{restored}: 30 item(s)" in out and "ceo-local-deliveries: 30 item(s)" in out
    assert "The copy equals the source." in out
    tables = boto3.client("dynamodb").list_tables()["TableNames"]
    assert restored in tables and "ceo-local-deliveries" in tables  # nothing replaced


def test_a_damaged_table_gets_its_items_back_from_the_copy(aws, capsys):
    dynamodb = boto3.client("dynamodb")
    _fill("ceo-local-deliveries", 5)
    before = restore_drill.fingerprint(dynamodb, "ceo-local-deliveries")
    restore_drill.main(["local", "deliveries", "--time", "2026-03-01T07:00:00+00:00"], now=NOW)
    restored = "ceo-local-deliveries-restored-20260301-070000"
    dynamodb.delete_item(TableName="ceo-local-deliveries", Key={
        "scope": {"S": "ceo-wmo#2026#GM0003"}, "sequence": {"N": "3"}})  # the damage
    assert restore_drill.fingerprint(dynamodb, "ceo-local-deliveries")[0] == 4
    capsys.readouterr()
    assert restore_drill.main(["local", "deliveries", "--copy-back", restored]) == 0
    assert "Dry run: would write 5 item(s)" in capsys.readouterr().out
    assert restore_drill.fingerprint(dynamodb, "ceo-local-deliveries")[0] == 4  # untouched
    assert restore_drill.main(["local", "deliveries", "--copy-back", restored, "--yes"]) == 0
    assert restore_drill.fingerprint(dynamodb, "ceo-local-deliveries") == before
    # again: the same items, the same table
    assert restore_drill.main(["local", "deliveries", "--copy-back", restored, "--yes"]) == 0
    assert restore_drill.fingerprint(dynamodb, "ceo-local-deliveries") == before


def test_a_table_that_does_not_exist_is_reported_without_a_traceback(aws, capsys):
    assert restore_drill.main(["local", "nonsense"], now=NOW) == 1
    assert "Restore drill failed:" in capsys.readouterr().out


def test_the_fingerprint_ignores_scan_order_and_sees_any_change(aws):
    dynamodb = boto3.client("dynamodb")
    _fill("ceo-local-deliveries", 3)
    first = restore_drill.fingerprint(dynamodb, "ceo-local-deliveries")
    dynamodb.update_item(TableName="ceo-local-deliveries", Key={
        "scope": {"S": "ceo-wmo#2026#GM0001"}, "sequence": {"N": "1"}},
        UpdateExpression="SET answers.q1 = :v", ExpressionAttributeValues={":v": {"S": "nee"}})
    second = restore_drill.fingerprint(dynamodb, "ceo-local-deliveries")
    assert first[0] == second[0] and first[1] != second[1]


def test_a_restored_table_is_readied_for_the_stage_to_switch_to_it(aws, capsys):
    """Issue 26 item 5: a restore loses the stream, TTL, PITR and deletion protection; --prepare
    sets them as the stack sets its own and prints the stack parameters to deploy with."""
    dynamodb = boto3.client("dynamodb")
    _fill("ceo-local-deliveries", 3)
    restore_drill.main(["local", "deliveries"], now=NOW)
    restored = "ceo-local-deliveries-restored-20260301-080000"
    dynamodb.update_table(TableName=restored, StreamSpecification={"StreamEnabled": False})
    capsys.readouterr()
    assert restore_drill.main(["local", "deliveries", "--prepare", restored]) == 0
    out = capsys.readouterr().out
    table = dynamodb.describe_table(TableName=restored)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["DeletionProtectionEnabled"] is True
    backups = dynamodb.describe_continuous_backups(TableName=restored)
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
        "PointInTimeRecoveryStatus"] == "ENABLED"
    assert f'"RestoredDeliveriesTable": "{restored}"' in out
    assert f'"RestoredDeliveriesTableStream": "{table["LatestStreamArn"]}"' in out
    # a table with a TTL gets the stack's attribute; again: nothing changes, no error
    dynamodb.put_item(TableName="ceo-local-rate-limits", Item={"key": {"S": "x"}})
    restore_drill.main(["local", "rate-limits"], now=NOW)
    limits = "ceo-local-rate-limits-restored-20260301-080000"
    for _ in range(2):
        assert restore_drill.main(["local", "rate-limits", "--prepare", limits]) == 0
    ttl = dynamodb.describe_time_to_live(TableName=limits)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_at"
    assert "RestoredRateLimitsTableStream" not in capsys.readouterr().out  # it has no stream
