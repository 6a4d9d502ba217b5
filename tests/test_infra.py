"""The deployable stack, checked without an AWS account: the packaged template's stream
failure handling, cfn-lint, tables against models, the lean Lambda package, least privilege."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def packaged(tmp_path_factory):
    from devtools import package

    out = tmp_path_factory.mktemp("build")
    target = package.package("prod", out)
    return target, json.loads((target / "sam.json").read_text())


def test_stream_failures_can_neither_block_a_shard_nor_vanish(packaged):
    _, template = packaged
    source = template["Resources"]["ForwardDeliveries"]["Properties"]["Events"][
        "ForwardDeliveriesDynamodbEventSource"]["Properties"]
    assert source["Stream"] == {"Fn::GetAtt": ["DeliveriesTable", "StreamArn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 < source["MaximumRetryAttempts"] <= 10
    assert source["BisectBatchOnFunctionError"] is True
    assert source["MaximumRecordAgeInSeconds"] <= 86400
    destination = source["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["ForwardFailuresQueue", "Arn"]}
    assert template["Resources"]["ForwardFailuresQueue"]["Type"] == "AWS::SQS::Queue"
    alarms = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert {a["Properties"]["MetricName"] for a in alarms} >= {
        "ApproximateNumberOfMessagesVisible", "ForwardFailed", "IteratorAge", "MailBounced"}


def test_mail_events_and_the_site_s_read_access_are_wired(packaged):
    _, template = packaged
    resources = template["Resources"]
    topic = resources["HandleMailEvents"]["Properties"]["Events"][
        "HandleMailEventsSnsSubscription"]["Properties"]["Topic"]
    assert topic == {"Ref": "MailEventsTopic"}
    destination = resources["MailEventsDestination"]["Properties"]["EventDestination"]
    assert set(destination["MatchingEventTypes"]) == {"bounce", "complaint"}
    api_env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert api_env["SES_CONFIGURATION_SET"] == {"Ref": "MailConfigurationSet"}
    statements = resources["PublicationBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statements[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert resources["PublicationDistribution"]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_cfn_lint_passes_on_the_packaged_template(packaged):
    target, _ = packaged
    from devtools import package

    result = package.lint(target / "sam.json")
    assert result.returncode & 3 == 0, result.stdout + result.stderr


def test_every_table_and_the_bucket_are_hardened(packaged):
    from chalicelib.platform.models import ALL_MODELS

    _, template = packaged
    tables = {k: v for k, v in template["Resources"].items()
              if v["Type"] == "AWS::DynamoDB::Table"}
    assert len(tables) == len(ALL_MODELS)  # one per model, nothing unaccounted for
    for name, table in tables.items():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST", name
        assert props["SSESpecification"]["SSEEnabled"] is True, name
        if "TimeToLiveSpecification" not in props:  # rows that expire need no backups
            assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], name
    bucket = template["Resources"]["PublicationBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert template["Parameters"]["Stage"]["Default"] == "prod"


def test_threat_protection_comes_with_the_plus_tier(packaged):
    # AWS::Cognito::UserPool UserPoolAddOns: "To activate this setting, your user pool must be
    # on the Plus tier"; without UserPoolTier new pools are Essentials and the create fails.
    _, template = packaged
    pools = [r["Properties"] for r in template["Resources"].values()
             if r["Type"] == "AWS::Cognito::UserPool"]
    assert pools
    for pool in pools:
        mode = pool.get("UserPoolAddOns", {}).get("AdvancedSecurityMode", "OFF")
        if mode in ("AUDIT", "ENFORCED"):
            assert pool.get("UserPoolTier") == "PLUS", pool.get("UserPoolName")


def test_every_stateful_resource_survives_stack_deletion_and_replacement(packaged):
    _, template = packaged
    stateful = {k: v for k, v in template["Resources"].items()
                if v["Type"] in ("AWS::DynamoDB::Table", "AWS::S3::Bucket",
                                 "AWS::Cognito::UserPool")}
    assert len(stateful) >= 12
    for name, resource in stateful.items():
        assert resource.get("DeletionPolicy") == "Retain", name
        assert resource.get("UpdateReplacePolicy") == "Retain", name
        props = resource["Properties"]
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert props.get("DeletionProtectionEnabled") is True, name
        if resource["Type"] == "AWS::Cognito::UserPool":
            assert props.get("DeletionProtection") == "ACTIVE", name
    bucket = template["Resources"]["PublicationBucket"]["Properties"]
    rules = [r for r in bucket["LifecycleConfiguration"]["Rules"] if r["Status"] == "Enabled"]
    assert any(r["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0 for r in rules)


def test_roles_grant_only_what_each_function_needs(packaged):
    _, template = packaged
    api = template["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    forwarder = template["Resources"]["ForwardDeliveriesRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    for statements in (api, forwarder):
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) \
                else [statement["Action"]]
            assert statement["Effect"] == "Allow"
            assert not any(a.endswith("*") for a in actions), statement
            assert statement["Resource"] != "*", statement
    forwarder_actions = {a for s in forwarder for a in s["Action"]}
    assert "dynamodb:PutItem" not in forwarder_actions  # it never writes deliveries
    assert "ses:SendEmail" not in forwarder_actions
    api_actions = {a for s in api for a in s["Action"]}
    assert "s3:PutObject" not in api_actions  # only the forwarder publishes


def test_tables_deployed_from_infra_match_the_models(aws):
    from chalicelib.platform.models import ALL_MODELS
    from devtools.package import load_yaml

    client = boto3.client("dynamodb")
    declared = load_yaml(ROOT / "infra" / "resources.yaml")["Resources"]
    by_name = {}
    for logical, resource in declared.items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            by_name[resource["Properties"]["TableName"]["Fn::Sub"].replace("${Stage}", "local")] \
                = resource["Properties"]
    assert set(by_name) == {model.Meta.table_name for model in ALL_MODELS}
    for model in ALL_MODELS:
        table = client.describe_table(TableName=model.Meta.table_name)["Table"]
        keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
        expected = {model._hash_keyname: "HASH"}
        if model._range_keyname:
            expected[model._range_keyname] = "RANGE"
        assert keys == expected, model.__name__
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        for name in expected:
            assert types[name] == model.get_attributes()[name].attr_type, (model.__name__, name)
        ttl = [n for n, a in model.get_attributes().items() if type(a).__name__ == "TTLAttribute"]
        declared_ttl = by_name[model.Meta.table_name].get("TimeToLiveSpecification")
        assert (declared_ttl["AttributeName"] if declared_ttl else None) == \
            (ttl[0] if ttl else None), model.__name__
    deliveries = client.describe_table(TableName="ceo-local-deliveries")["Table"]
    assert deliveries["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_the_lean_package_holds_the_app_and_imports_on_a_runtime_like_path(packaged, tmp_path):
    target, _ = packaged
    archive = zipfile.ZipFile(target / "deployment.zip")
    names = archive.namelist()
    assert "app.py" in names and "templates/base.html" in names
    assert "chalicelib/questionnaire/data/ceo-wmo/2026.json" in names
    assert "chalicelib/platform/data/gemeenten-2025.csv" in names
    assert not any(n.startswith(("devtools/", "tests/", "bench/", "botocore/", "boto3/"))
                   for n in names)
    unpacked = sum(i.file_size for i in archive.infolist())
    assert unpacked < 20_000_000
    code = tmp_path / "task"
    archive.extractall(code)
    runtime = tmp_path / "runtime"  # what the Lambda runtime provides: boto3 and its deps
    runtime.mkdir()
    import boto3 as b3

    site = Path(b3.__file__).parent.parent
    for name in ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3",
                 "six.py"):
        (runtime / name).symlink_to(site / name)
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import app; print(len(app.app.routes))"],
        cwd=code, capture_output=True, text=True,
        env={"PYTHONPATH": f"{code}:{runtime}", "AWS_DEFAULT_REGION": "eu-central-1",
             "PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 12


# --- least privilege against what the code really calls ------------------------------------

def _iam_actions(service: str, operation: str, params: dict) -> list[tuple[str, str | None]]:
    """(IAM action, table/bucket name) for one AWS call, transactions expanded per item."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem"}
            return [(f"dynamodb:{kinds[k]}", v["TableName"]) for item in params["TransactItems"]
                    for k, v in item.items()]
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", i["Get"]["TableName"]) for i in params["TransactItems"]]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", t) for t in params["RequestItems"]]
        return [(f"dynamodb:{operation}", params.get("TableName"))]
    if service == "s3":
        action = {"HeadObject": "GetObject", "ListObjectsV2": "ListBucket"}.get(operation,
                                                                               operation)
        return [(f"s3:{action}", params.get("Bucket"))]
    if service == "sesv2":
        return [("ses:SendEmail", None)]
    return [(f"{service}:{operation}", None)]


class Recorder:
    def __init__(self):
        self.function = None
        self.calls: dict[str, set] = {"api": set(), "forwarder": set(), "mail-events": set()}

    def __enter__(self):
        from botocore.client import BaseClient

        self._original = original = BaseClient._make_api_call
        recorder = self

        def recording(client, operation, params):
            if recorder.function:
                service = client.meta.service_model.service_name
                recorder.calls[recorder.function].update(
                    _iam_actions(service, operation, params))
            return original(client, operation, params)

        BaseClient._make_api_call = recording
        return self

    def __exit__(self, *exc):
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original


def _allowed(statements, logical_for, action, name) -> bool:
    for statement in statements:
        if action not in statement["Action"]:
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) \
            else [statement["Resource"]]
        if name is None:
            return True
        for resource in resources:
            text = json.dumps(resource)
            if logical_for.get(name) and logical_for[name] in text:
                return True
    return False


def test_each_role_allows_every_call_its_function_makes(packaged, browser, mailbox, aws):
    from tests.feed_helpers import record
    from tests.test_questionnaire_pages import ALL, save
    from tests.test_registration import register
    from devtools.stream_pump import LambdaContext
    from chalicelib.publication import forwarding

    _, template = packaged
    logical_for = {}
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        name = props.get("TableName") or props.get("BucketName")
        if isinstance(name, dict):
            logical_for[name["Fn::Sub"].replace("${Stage}", "local").replace(
                "${AWS::AccountId}", "123456789012")] = logical
    with Recorder() as recorder:
        recorder.function = "api"
        register(browser, codes=("GM0014",))
        browser.get(mailbox.last_link("a.devries@groningen.nl"))
        browser.get("/start")
        for section, fields in ALL.items():
            save(browser, section, fields)
        browser.submit("/gemeente/GM0014/verzenden", {"bevestig_toestemming": "ja"},
                       form_page="/gemeente/GM0014/controleren")
        browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"})
        register(browser, codes=("GM0034",))  # re-registration adds a municipality
        recorder.function = "forwarder"
        forwarding.handle({"Records": [record("GM0014#2026", 1, "INSERT")]},
                          LambdaContext("forward"))
        recorder.function = "mail-events"
        from chalicelib.accounts import bounces as mail_events

        mail_events.handle(json.dumps({"notificationType": "Bounce", "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "a.devries@groningen.nl"}]}}))
    policies = {
        "api": template["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0],
        "forwarder": template["Resources"]["ForwardDeliveriesRole"]["Properties"]["Policies"][0],
        "mail-events": template["Resources"]["HandleMailEventsRole"]["Properties"]["Policies"][0],
    }
    assert all(recorder.calls.values())
    for function, calls in recorder.calls.items():
        statements = policies[function]["PolicyDocument"]["Statement"]
        missing = sorted(str(c) for c in calls if not _allowed(statements, logical_for, *c))
        assert missing == [], f"{function} role lacks {missing}"


def test_api_gateway_answers_unknown_paths_with_a_dutch_404(packaged):
    _, template = packaged
    responses = {r["Properties"]["ResponseType"]: r["Properties"]
                 for r in template["Resources"].values()
                 if r["Type"] == "AWS::ApiGateway::GatewayResponse"}
    assert set(responses) == {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"}
    not_found = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert not_found["StatusCode"] == "404"
    assert '<html lang="nl">' in not_found["ResponseTemplates"]["text/html"]
    assert not_found["ResponseParameters"][
        "gatewayresponse.header.Referrer-Policy"] == "'no-referrer'"
