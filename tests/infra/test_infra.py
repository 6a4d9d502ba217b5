"""The deployable stack, checked without an AWS account: the packaged template's stream
failure handling, cfn-lint, tables against models, the Lambda package with its own SDK, least
privilege."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from tests.support import aws_calls

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def packaged(prod_package):
    return prod_package, json.loads((prod_package / "sam.json").read_text())


def test_stream_failures_can_neither_block_a_shard_nor_vanish(packaged):
    _, template = packaged
    source = template["Resources"]["ForwardDeliveries"]["Properties"]["Events"][
        "ForwardDeliveriesDynamodbEventSource"]["Properties"]
    # the table's own stream, or a restored table's (table names are stack parameters)
    assert source["Stream"] == {"Fn::If": ["OwnsDeliveriesTable",
                                           {"Fn::GetAtt": ["DeliveriesTable", "StreamArn"]},
                                           {"Ref": "RestoredDeliveriesTableStream"}]}
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
    assert api_env["MAIL_QUEUE_URL"] == {"Ref": "MailQueue"}  # the web function only queues
    worker = resources["DeliverMail"]["Properties"]
    assert worker["Environment"]["Variables"]["SES_CONFIGURATION_SET"] == {
        "Ref": "MailConfigurationSet"}
    queue = worker["Events"]["DeliverMailSqsEventSource"]["Properties"]
    assert queue["Queue"] == {"Fn::GetAtt": ["MailQueue", "Arn"]}
    assert queue["FunctionResponseTypes"] == ["ReportBatchItemFailures"]  # one retry each
    sender = api_env["MAIL_SENDER"].rstrip(">").rsplit("@", 1)[1]
    assert template["Parameters"]["MailSenderDomain"]["Default"] == sender  # the SES identity
    statements = resources["PublicationBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statements[0]["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert resources["PublicationDistribution"]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_every_table_and_the_bucket_are_hardened(packaged):
    from chalicelib.platform.models import ALL_MODELS

    _, template = packaged
    tables = {k: v for k, v in template["Resources"].items()
              if v["Type"] == "AWS::DynamoDB::Table"}
    # one per table the models use, nothing unaccounted for
    assert len(tables) == len({model.Meta.table_name for model in ALL_MODELS})
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


def _key_lets(template, topic: dict, service: str) -> bool:
    """Whether `service` may use the topic's encryption key: no SSE at all, or a customer
    managed key in this template whose key policy grants it GenerateDataKey and Decrypt. An
    AWS-managed key (alias/aws/sns) can never grant a service principal."""
    key = topic["Properties"].get("KmsMasterKeyId")
    if key is None:
        return True
    if isinstance(key, str):
        return False  # alias/aws/sns or a key outside the stack: nothing to check, so no
    logical = key.get("Ref") or key.get("Fn::GetAtt", [None])[0]
    resource = template["Resources"].get(logical, {})
    if resource.get("Type") != "AWS::KMS::Key":
        return False
    for statement in resource["Properties"]["KeyPolicy"]["Statement"]:
        principal = statement.get("Principal", {})
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        actions = set(statement["Action"] if isinstance(statement["Action"], list)
                      else [statement["Action"]])
        if statement["Effect"] == "Allow" and service in (
                services if isinstance(services, list) else [services]) and \
                actions & {"kms:GenerateDataKey", "kms:GenerateDataKey*"} and \
                "kms:Decrypt" in actions:
            return True
    return False


def test_ses_and_cloudwatch_can_publish_to_their_encrypted_topics(packaged):
    # SES cannot be granted the AWS-managed alias/aws/sns key (SES developer guide: use a
    # customer managed key and edit its key policy); CloudWatch alarms neither.
    _, template = packaged
    resources = template["Resources"]
    destinations = [r["Properties"]["EventDestination"]["SnsDestination"]["TopicARN"]
                    for r in resources.values()
                    if r["Type"] == "AWS::SES::ConfigurationSetEventDestination"]
    assert destinations
    for topic in destinations:
        assert _key_lets(template, resources[topic["Ref"]], "ses.amazonaws.com"), topic
    alarm_topics = {a["Ref"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
                    for a in r["Properties"].get("AlarmActions", [])}
    for topic in alarm_topics:
        assert _key_lets(template, resources[topic], "cloudwatch.amazonaws.com"), topic


def test_mail_events_that_keep_failing_land_in_a_watched_queue(packaged):
    _, template = packaged
    resources = template["Resources"]
    dlq = resources["HandleMailEvents"]["Properties"]["DeadLetterQueue"]
    assert dlq["Type"] == "SQS"
    queue = dlq["TargetArn"]["Fn::GetAtt"][0]
    assert resources[queue]["Type"] == "AWS::SQS::Queue"
    watched = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"
               and r["Properties"].get("Dimensions", [{}])[0].get("Value") ==
               {"Fn::GetAtt": [queue, "QueueName"]}]
    assert watched, "no alarm on the mail-events dead-letter queue"
    # Lambda sends to the queue with the function's role
    statements = _statements(template, "mail-events")
    resolve = Resolver(template, {"Stage": "local", "MailSenderDomain": "x.nl"})
    assert _allowed(statements, resolve, "sqs:SendMessage",
                    _arn("sqs", "ceo-local-mail-events-failures"))


def test_every_alarm_notifies_someone(packaged):
    _, template = packaged
    resources = template["Resources"]
    alarms = {k: r["Properties"] for k, r in resources.items()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert len(alarms) >= 5
    for name, alarm in alarms.items():
        actions = alarm.get("AlarmActions", [])
        assert actions, f"{name} has no action: it would turn red unseen"
        for action in actions:
            topic = resources[action["Ref"]]
            subscriptions = topic["Properties"].get("Subscription", [])
            mails = [s for s in subscriptions if s["Protocol"] == "email"]
            assert mails, f"{name}: topic {action['Ref']} has no e-mail subscriber"
            for mail in mails:  # an address the deployer gives, not one baked in
                assert mail["Endpoint"]["Ref"] in template["Parameters"]
    parameter = template["Parameters"]["AlarmEmail"]
    assert "Default" not in parameter  # a deploy without an alarm address fails loudly


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
    # only the forwarder publishes; the web writes only the helpdesk's large exports
    api_puts = [s["Resource"] for s in api if "s3:PutObject" in s["Action"]]
    assert api_puts and all(json.dumps(r).endswith('/exports/*"}') for r in api_puts), api_puts


def test_tables_deployed_from_infra_match_the_models(aws):
    from chalicelib.platform.models import ALL_MODELS
    from devtools.package import load_yaml

    client = boto3.client("dynamodb")
    declared = load_yaml(ROOT / "infra" / "resources.yaml")["Resources"]
    by_name = {}
    for _logical, resource in declared.items():
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
        indexes = {i["IndexName"]: {k["AttributeName"]: k["KeyType"] for k in i["KeySchema"]}
                   for i in table.get("GlobalSecondaryIndexes", [])}
        modelled = {index.Meta.index_name: {k["AttributeName"]: k["KeyType"]
                                            for k in index._get_schema()["key_schema"]}
                    for index in model._indexes.values()}
        if modelled or model.Meta.table_name not in {m.Meta.table_name for m in ALL_MODELS
                                                     if m is not model and m._indexes}:
            assert indexes == modelled, model.__name__
        ttl = [n for n, a in model.get_attributes().items() if type(a).__name__ == "TTLAttribute"]
        declared_ttl = by_name[model.Meta.table_name].get("TimeToLiveSpecification")
        assert (declared_ttl["AttributeName"] if declared_ttl else None) == \
            (ttl[0] if ttl else None), model.__name__
    deliveries = client.describe_table(TableName="ceo-local-deliveries")["Table"]
    assert deliveries["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def _pinned(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith(f"{name}=="):
            return line.split("==")[1].split()[0]
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def test_the_package_holds_the_app_and_its_own_pinned_sdk_and_imports_alone(packaged, tmp_path):
    """The package ships boto3/botocore (pinned in requirements.txt) instead of relying on the
    runtime's, whose version is not promised: imported from the unzipped package with a
    runtime directory behind it whose boto3/botocore refuse to load, as on Lambda, where the
    package's directory comes first on sys.path."""
    target, _ = packaged
    archive = zipfile.ZipFile(target / "deployment.zip")
    names = archive.namelist()
    assert "app.py" in names and "templates/base.html" in names
    assert "chalicelib/questionnaire/data/ceo-wmo/2026.json" in names
    assert "chalicelib/platform/data/gemeenten-2025.csv" in names
    assert not any(n.startswith(("devtools/", "tests/", "bench/", "site/")) for n in names)
    for sdk in ("boto3", "botocore", "s3transfer"):
        assert f"{sdk}/__init__.py" in names, sdk
    assert f"botocore-{_pinned('botocore')}.dist-info/METADATA" in names
    assert f"boto3-{_pinned('boto3')}.dist-info/METADATA" in names
    unpacked = sum(i.file_size for i in archive.infolist())
    assert unpacked < 100_000_000  # Lambda allows 250 MB unzipped; this keeps it far from that
    code = tmp_path / "task"
    archive.extractall(code)
    runtime = tmp_path / "runtime"  # an older SDK the runtime might provide: must not be used
    for sdk in ("boto3", "botocore"):
        (runtime / sdk).mkdir(parents=True)
        (runtime / sdk / "__init__.py").write_text(
            f"raise ImportError('the runtime\\'s {sdk} was imported')\n")
    check = ("import app, botocore, boto3\n"
             "from chalicelib.publication import targets\n"
             "targets.require_conditional_writes(boto3.client('s3'))\n"
             "print(len(app.app.routes), botocore.__version__, botocore.__file__)")
    result = subprocess.run(
        [sys.executable, "-S", "-c", check], cwd=code, capture_output=True, text=True,
        env={"PYTHONPATH": f"{code}:{runtime}", "AWS_DEFAULT_REGION": "eu-central-1",
             "PATH": os.environ.get("PATH", "")})
    assert result.returncode == 0, result.stderr
    routes, version, location = result.stdout.split()
    assert int(routes) >= 12
    assert version == _pinned("botocore") and location.startswith(str(code))
    assert tuple(map(int, version.split("."))) >= (1, 35, 69)  # put_object(IfMatch=...)


def test_the_package_ships_bytecode_that_lambda_uses_as_it_is(packaged):
    """Every module has an unchecked-hash pyc for the runtime's Python beside it (Lambda's
    package directory is read-only: without it every cold start compiles the app and botocore
    again), and no timestamp-checked cache from a working tree, which Lambda could never trust."""
    import importlib.util

    target, _ = packaged
    archive = zipfile.ZipFile(target / "deployment.zip")
    names = set(archive.namelist())
    sources = [n for n in names if n.endswith(".py")]
    caches = [n for n in names if n.endswith(".pyc")]
    assert {"app.py", "botocore/client.py", "chalicelib/platform/config.py"} <= set(sources)
    expected = {importlib.util.cache_from_source(n) for n in sources}
    assert set(caches) == expected, (set(caches) ^ expected)
    for source in ("app.py", "botocore/client.py"):
        header = archive.read(importlib.util.cache_from_source(source))[:8]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(header[4:8], "little") == 0b01  # hash-based, source not checked


def test_api_gateway_compresses_the_pages_it_serves(packaged, browser):
    """minimum_compression_size in .chalice/config.json reaches the API, before and after the
    SAM transform; at that threshold the pages and assets go gzipped (browsers all accept it)
    and only tiny bodies such as redirects go as they are."""
    import gzip

    target, template = packaged
    size = json.loads((ROOT / ".chalice" / "config.json").read_text())[
        "minimum_compression_size"]
    assert 0 < size <= 1400  # within one packet's payload: no page or asset goes uncompressed
    assert template["Resources"]["RestAPI"]["Properties"]["MinimumCompressionSize"] == size
    transformed = json.loads((target / "transformed.json").read_text())
    [api] = [r for r in transformed["Resources"].values()
             if r["Type"] == "AWS::ApiGateway::RestApi"]
    assert api["Properties"]["MinimumCompressionSize"] == size
    page = browser.get("/").body  # the registration page, 342 municipalities
    assert len(page) >= size and len(gzip.compress(page)) < len(page) / 4


def test_every_function_runs_on_the_runtime_its_wheels_were_built_for(packaged):
    from devtools import package

    target, template = packaged
    transformed = json.loads((target / "transformed.json").read_text())
    runtimes = {name: r["Properties"]["Runtime"] for t in (template, transformed)
                for name, r in t["Resources"].items()
                if r["Type"] in ("AWS::Serverless::Function", "AWS::Lambda::Function")}
    assert len(runtimes) >= 4 and set(runtimes.values()) == {package.RUNTIME}, runtimes
    tag = "cpython-" + package.RUNTIME.removeprefix("python").replace(".", "")
    compiled = [n for n in zipfile.ZipFile(target / "deployment.zip").namelist()
                if n.endswith(".so")]
    assert compiled and all(f".{tag}-" in n or ".abi3." in n for n in compiled), compiled


# --- least privilege against what the code really calls ------------------------------------
# Every AWS call a function makes in a recorded run becomes the (IAM action, resource ARN) pairs
# AWS authorises for it; the role's statements (intrinsics resolved) must allow each pair.

REGION, ACCOUNT = "eu-central-1", "123456789012"


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _table_arn(name: str) -> str:
    return _arn("dynamodb", f"table/{name}")


def _iam_requests(service: str, operation: str, params: dict) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs that AWS authorises for one call."""
    if service == "dynamodb":
        # TransactWriteItems/TransactGetItems are authorised per item, as the item's own action
        # (DynamoDB developer guide, "IAM with DynamoDB transactions").
        if operation == "TransactWriteItems":
            kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem"}
            return [(f"dynamodb:{kinds[k]}", _table_arn(v["TableName"]))
                    for item in params["TransactItems"] for k, v in item.items()]
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", _table_arn(i["Get"]["TableName"]))
                    for i in params["TransactItems"]]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", _table_arn(t)) for t in params["RequestItems"]]
        if params.get("IndexName"):  # a Query on an index is authorised on the index's ARN
            return [(f"dynamodb:{operation}",
                     f"{_table_arn(params['TableName'])}/index/{params['IndexName']}")]
        return [(f"dynamodb:{operation}", _table_arn(params["TableName"]))]
    if service == "s3":
        bucket = params["Bucket"]
        if operation in ("ListObjectsV2", "ListObjects", "HeadBucket"):
            return [("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
        action = {"HeadObject": "GetObject"}.get(operation, operation)
        return [(f"s3:{action}", f"arn:aws:s3:::{bucket}/{params['Key']}")]
    if service == "sesv2" and operation == "SendEmail":
        # SES v2 SendEmail is authorised against the sending identity AND, when one is named,
        # the configuration set (Service Authorization Reference, "Amazon Simple Email Service
        # v2": SendEmail, resource types identity* and configuration-set).
        from email.utils import parseaddr

        domain = parseaddr(params["FromEmailAddress"])[1].rsplit("@", 1)[1]
        requests = [("ses:SendEmail", _arn("ses", f"identity/{domain}"))]
        if params.get("ConfigurationSetName"):
            requests.append(("ses:SendEmail", _arn(
                "ses", f"configuration-set/{params['ConfigurationSetName']}")))
        return requests
    if service == "sqs":
        if operation == "GetQueueUrl":
            return [("sqs:GetQueueUrl", _arn("sqs", params["QueueName"]).replace(
                "sqs:eu-central-1:123456789012:", f"sqs:{REGION}:{ACCOUNT}:"))]
        name = params["QueueUrl"].rstrip("/").rsplit("/", 1)[1]
        action = {"SendMessageBatch": "SendMessage"}.get(operation, operation)  # IAM's name
        return [(f"sqs:{action}", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")]
    if service == "sns" and operation == "Publish" and "PhoneNumber" in params:
        # an sms straight to a phone number has no resource ARN: IAM authorises it against
        # "*" (Service Authorization Reference, Amazon SNS: Publish, resource type topic only)
        return [("sns:Publish", "*")]
    if service == "sns" and operation in ("Publish", "PublishBatch"):
        # PublishBatch is authorised as sns:Publish on the topic (Service Authorization
        # Reference, Amazon SNS)
        return [("sns:Publish", params["TopicArn"])]
    if service == "ssm" and operation == "GetParameter":
        return [("ssm:GetParameter", _arn("ssm", "parameter/" + params["Name"].lstrip("/")))]
    if service == "cognito-idp" and operation in ("AssociateSoftwareToken",
                                                  "VerifySoftwareToken"):
        # public user-pool operations, authorised by the sign-in's own session: Cognito
        # evaluates no IAM policy for them (Cognito API reference, each operation's page)
        return []
    if service == "cognito-idp" and operation.startswith("Admin"):
        return [(f"cognito-idp:{operation}", _arn("cognito-idp",
                                                  f"userpool/{params['UserPoolId']}"))]
    raise AssertionError(f"no IAM mapping for {service}:{operation}: add one to this test")


#: the queue pump stands in for Lambda's event source mapping, which acts with the consuming
#: function's role
QUEUE_CONSUMERS = {"deliver_mail": "mail-worker", "reconcile_feed": "reconciler"}


@contextmanager
def refusing_site():
    """A publication site whose webhook refuses everything (422): yields its URL."""
    import http.server
    import threading

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(422)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/feed"
    finally:
        server.shutdown()


class Recorder:
    def __init__(self):
        self.function = None
        self.calls: dict[str, set] = {"api": set(), "forwarder": set(), "mail-events": set(),
                                      "mail-worker": set(), "reminders": set(),
                                      "reconciler": set(), "retention": set(),
                                      "counter": set(),
                                      "client-reminders": set()}

    def __enter__(self):
        self._patch = pytest.MonkeyPatch()
        aws_calls.record(self._patch, self._observe)
        return self

    def _observe(self, call: aws_calls.AwsCall) -> None:
        from devtools import queue_pump

        function = QUEUE_CONSUMERS.get(queue_pump.active_function, self.function)
        if function:
            self.calls[function].update(_iam_requests(call.service, call.operation,
                                                      call.params))

    def __exit__(self, *exc):
        self._patch.undo()


class Resolver:
    """Turns a template's Resource expressions (Ref, GetAtt, Sub) into the ARNs they name in
    the test's account, region and local stage."""

    def __init__(self, template: dict, parameters: dict[str, str]):
        self.resources = template["Resources"]
        self.template = template
        self.parameters = {k: v.get("Default", "") for k, v in
                           template.get("Parameters", {}).items()}
        self.parameters.update(parameters)
        self.parameters.update({"AWS::Partition": "aws", "AWS::Region": REGION,
                                "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com"})
        self.user_pool_id = os.environ.get("HELPDESK_USER_POOL_ID", "")  # moto's, this run's

    def __call__(self, node) -> str:
        import re

        if isinstance(node, str):
            return node
        if "Ref" in node:
            return self.ref(node["Ref"])
        if "Fn::GetAtt" in node:
            logical, attribute = node["Fn::GetAtt"]
            return self.getatt(logical, attribute)
        if "Fn::Sub" in node:
            text, variables = (node["Fn::Sub"], {}) if isinstance(node["Fn::Sub"], str) \
                else node["Fn::Sub"]

            def replace(match):
                name = match.group(1)
                if name in variables:
                    return self(variables[name])
                if "." in name and not name.startswith("AWS::"):
                    return self.getatt(*name.split(".", 1))
                return self.ref(name)

            return re.sub(r"\$\{([^}!]+)\}", replace, text)
        if "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return separator.join(self(p) for p in parts)
        if "Fn::If" in node:  # e.g. a table of the stack's own or a restored one
            from devtools.intrinsics import Evaluator

            condition, chosen, otherwise = node["Fn::If"]
            given = {k: v for k, v in self.parameters.items() if not k.startswith("AWS::")}
            return self(chosen if Evaluator(self.template, given).condition(condition)
                        else otherwise)
        raise AssertionError(f"cannot resolve {node}")

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        resource = self.resources[name]
        props, kind = resource.get("Properties", {}), resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            return self(props["TableName"])
        if kind == "AWS::S3::Bucket":
            return self(props["BucketName"])
        if kind == "AWS::SES::ConfigurationSet":
            return self(props["Name"])
        if kind == "AWS::Cognito::UserPool":
            return self.user_pool_id
        if kind in ("AWS::SNS::Topic",):
            return _arn("sns", self(props["TopicName"]))
        raise AssertionError(f"no Ref for {kind}")

    def getatt(self, logical: str, attribute: str) -> str:
        resource = self.resources[logical]
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::DynamoDB::Table":
            table = _table_arn(self.ref(logical))
            return {"Arn": table, "StreamArn": f"{table}/stream/2026-01-01T00:00:00.000"}[
                attribute]
        if kind == "AWS::S3::Bucket" and attribute == "Arn":
            return f"arn:aws:s3:::{self.ref(logical)}"
        if kind == "AWS::SQS::Queue" and attribute == "Arn":
            return _arn("sqs", self(props["QueueName"]))
        if kind == "AWS::Cognito::UserPool" and attribute == "Arn":
            return _arn("cognito-idp", f"userpool/{self.ref(logical)}")
        if kind == "AWS::KMS::Key" and attribute == "Arn":
            return _arn("kms", f"key/{logical}")
        raise AssertionError(f"no GetAtt {attribute} for {kind}")


def _matches(pattern: str, value: str) -> bool:
    """IAM wildcard matching: * any run of characters, ? one character."""
    import re

    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _statement_allows(statement, resolve, action: str, arn: str) -> bool:
    if not any(_matches(a.lower(), action.lower()) for a in _listed(statement["Action"])):
        return False
    return any(_matches(resolve(r), arn) for r in _listed(statement["Resource"]))


def _allowed(statements, resolve, action: str, arn: str) -> bool:
    """Explicit deny wins; otherwise some Allow must name both the action and the resource."""
    if any(s["Effect"] == "Deny" and _statement_allows(s, resolve, action, arn)
           for s in statements):
        return False
    return any(s["Effect"] == "Allow" and _statement_allows(s, resolve, action, arn)
               for s in statements)


ROLES = {"api": "ApiHandlerRole", "forwarder": "ForwardDeliveriesRole",
         "mail-events": "HandleMailEventsRole", "mail-worker": "DeliverMailRole",
         "reminders": "SendRemindersRole",
         "reconciler": "ReconcileFeedRole", "retention": "ApplyRetentionRole",
         "counter": "CountResponsesRole",
         "client-reminders": "SendClientRemindersRole"}


def _statements(template, function):
    return [statement for policy in template["Resources"][ROLES[function]]["Properties"][
        "Policies"] for statement in policy["PolicyDocument"]["Statement"]]


_RECORDED: list = []  # the run takes ~10 s: made once, shared by the tests that read it


def _due_for_retention(monkeypatch) -> None:
    """Two registrants the retention rules name (with RETENTION_INACTIVE=300 days)."""
    from chalicelib.helpdesk import actions
    from chalicelib.platform.models import Registrant
    from tests.support.feed import make_registrant

    with monkeypatch.context() as checked:
        checked.setenv("REGISTRATION_DOMAIN_CHECK", "true")
        rejected = make_registrant(email="weg@gmail.com", name="Afgewezen", codes=("GM0014",))
        actions.reject("helpdesk", rejected, "GM0014", "geen gemeente")
        idle = make_registrant(email="stil@groningen.nl", name="Stil",
                               codes=("GM0014", "GM0037"))  # Stadskanaal waits
    assert idle.municipalities == {"GM0014"} and idle.held_municipalities == {"GM0037"}
    from chalicelib.accounts import pending_input

    # a page posted after the idle one's session ended: kept for them, erased with them
    assert pending_input.keep(idle.id, "GM0014", "opzet", {"doel": ["x"]}, 0) is not None
    long_ago = datetime.now(UTC) - timedelta(days=400)
    for person in (rejected, idle):
        Registrant(person.id).update(actions=[Registrant.created_at.set(long_ago),
                                              Registrant.updated_at.set(long_ago),
                                              Registrant.link_issued_at.set(long_ago)])


@pytest.fixture()
def recorded(packaged, browser, mailbox, aws, monkeypatch):
    """One run through every kind of work each function does, its AWS calls recorded as
    (IAM action, resource ARN): registration, the questionnaire, sending (with SES through the
    configuration set and the signing key from SSM, as deployed), a new link, helpdesk sign-in
    (Cognito), withdraw and restore, forwarding (and its webhook secret), a bounce."""
    if _RECORDED:
        return _RECORDED[0]
    from datetime import timedelta

    from aws_lambda_powertools.utilities import parameters

    import app as chalice_app_module
    from app import app as chalice_app
    from chalicelib.accounts import pending_input
    from chalicelib.helpdesk import signins
    from chalicelib.publication import forwarding, targets
    from devtools import aws_resources
    from devtools.stream_pump import LambdaContext
    from tests.support import flows
    from tests.support.answers import ALL
    from tests.support.browser import Browser
    from tests.support.feed import record
    from tests.support.flows import PASSWORD, register, save

    # every helpdesk request re-checks the user with Cognito, as one does each 15 minutes
    monkeypatch.setattr(signins, "RECHECK_AFTER", timedelta(0))
    monkeypatch.setenv("MAIL_QUEUE_URL", aws["MailQueueUrl"])  # the stack sets it, as here
    monkeypatch.setenv("RECONCILE_QUEUE_URL", aws["ReconcileQueueUrl"])  # likewise
    monkeypatch.setenv("CONTACT_LIST_QUEUE_URL", aws["ContactListQueueUrl"])  # likewise
    parameters.clear_caches()  # else a value cached by an earlier test hides the SSM call
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/aanlevermodule-ceo/local/secret-key", Value="k" * 64,
                      Type="SecureString")
    ssm.put_parameter(Name="/aanlevermodule-ceo/local/webhook-secret", Value="w" * 64,
                      Type="SecureString")
    boto3.client("sesv2").create_configuration_set(ConfigurationSetName="ceo-local-mail")
    monkeypatch.setenv("SECRET_KEY_PARAMETER", "/aanlevermodule-ceo/local/secret-key")
    monkeypatch.setenv("SES_CONFIGURATION_SET", "ceo-local-mail")
    pool = {k: os.environ[k] for k in ("HELPDESK_USER_POOL_ID", "HELPDESK_CLIENT_ID")}
    aws_resources.create_helpdesk_user(pool, "medewerker@helpdesk.nl", PASSWORD)
    withdraw = "/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1"

    def registrant_id():
        return boto3.client("dynamodb").scan(TableName="ceo-local-registrants")["Items"][0][
            "id"]["S"]

    with Recorder() as recorder:
        recorder.function = "api"
        register(browser, codes=("GM0014",))
        browser.get(mailbox.last_link("a.devries@groningen.nl"))
        browser.get("/start")
        for section, fields in ALL.items():
            save(browser, section, fields)
        flows.send(browser)
        browser.submit("/nieuwe-link", {"email": "a.devries@groningen.nl"})
        register(browser, codes=("GM0034",))  # re-registration adds a municipality
        helpdesk = Browser(chalice_app)
        signed_in = helpdesk.submit("/helpdesk/inloggen", {"email": "medewerker@helpdesk.nl",
                                                           "wachtwoord": PASSWORD})
        assert signed_in.status_code == 303, signed_in.text  # Cognito sign-in really ran
        helpdesk.get("/helpdesk")
        helpdesk.get("/helpdesk?q=anna+de")  # a person by the start of a name: the index
        helpdesk.get("/helpdesk/gemeente/GM0014")
        withdrawn = helpdesk.submit(withdraw, {"reden": "Verkeerde cijfers"},
                                    form_page=withdraw)
        assert "is ingetrokken" in withdrawn.text
        helpdesk.submit("/helpdesk/gemeente/GM0014/herstellen/GM0014-2026-1",
                        {"reden": "Toch juist"}, form_page="/helpdesk/gemeente/GM0014")
        # four-eyes: the helpdesk makes a colleague coordinator and switches it on; Anna's
        # next send waits; the colleague approves it on the delivery's page
        colleague = Browser(chalice_app)
        register(colleague, email="b.bos@groningen.nl", codes=("GM0014",), naam="Bob Bos")
        colleague.get(mailbox.last_link("b.bos@groningen.nl"))
        bob = re.search(r'value="([^"]+)"(?: checked)?><label for="coord-\d+">Bob Bos',
                        helpdesk.get("/helpdesk/gemeente/GM0014").text).group(1)
        helpdesk.submit("/helpdesk/gemeente/GM0014/vier-ogen",
                        [("vier_ogen", "aan"), ("coordinator", bob)],
                        form_page="/helpdesk/gemeente/GM0014")
        save(browser, "opzet", ALL["opzet"])
        flows.send(browser)
        browser.get("/start")
        # sent back (the draft reopened in the same transaction), sent again as it is, approved
        returned = colleague.submit("/gemeente/GM0014/aanlevering/GM0014-2026-2/terugsturen",
                                    {"reden": "Even wachten"}, form_page="/start")
        assert returned.status_code == 303, returned.text[:2000]
        assert "is teruggestuurd" in browser.get("/gemeente/GM0014/controleren").text
        flows.send(browser)
        approved = colleague.submit("/gemeente/GM0014/aanlevering/GM0014-2026-3/goedkeuren",
                                    {"bevestigd": "ja"}, form_page="/start")
        assert approved.status_code == 303, approved.text[:2000]
        helpdesk.get("/helpdesk/gemeente/GM0014/logboek.csv")
        assert helpdesk.get("/helpdesk/seizoen").status_code == 200  # the season overview
        helpdesk.get("/helpdesk/export/2026/json")
        with monkeypatch.context() as large:  # an export over Lambda's 6 MB: S3 and a link
            large.setenv("EXPORT_INLINE_LIMIT_BYTES", "10")
            assert helpdesk.get("/helpdesk/export/2026/csv").status_code == 303
        browser.get(mailbox.last_link("a.devries@groningen.nl"))  # the newest link
        sent = browser.get("/gemeente/GM0014/verzonden/1")
        assert sent.status_code == 200, sent.text[:500]
        with monkeypatch.context() as checked:  # a municipality added from the start page
            checked.setenv("REGISTRATION_DOMAIN_CHECK", "true")  # waits for the helpdesk
            added = browser.submit("/gemeenten-toevoegen", [("gemeente", "GM0037")])
            assert "controle=GM0037" in added.headers["Location"]
        save(browser, "opzet", ALL["opzet"], code="GM0034")
        reset = flows.reset(browser, code="GM0034")
        assert reset.headers["Location"] == "/start?verwijderd=GM0034"
        # input kept while a session expired, restored after signing in again
        recorder.function = None  # the test's own look-up is no call of the web's
        representative = registrant_id()
        recorder.function = "api"
        kept = pending_input.keep(representative, "GM0014", "opzet", {"doel": ["x"]}, 0)
        assert kept is not None
        assert pending_input.find(kept.id, representative) is not None
        pending_input.forget(kept.id, representative)
        # a registration from an unknown domain waits for the helpdesk's approval
        monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
        held = register(Browser(chalice_app), email="evil@stadskanaal.xyz", codes=("GM0014",))
        assert held.headers.get("Location") == "/aangemeld?controle=GM0014", held.text[:3000]
        again = register(Browser(chalice_app), email="evil@stadskanaal.xyz", codes=("GM0047",))
        assert again.headers.get("Location") == "/aangemeld?controle=GM0047"  # joins the request
        found = helpdesk.get("/helpdesk?q=evil@stadskanaal.xyz").text
        held_id = re.search(r'href="/helpdesk/registrant/([0-9a-f]{32})"', found).group(1)
        page = f"/helpdesk/registrant/{held_id}"
        approved = helpdesk.submit(f"{page}/goedkeuren", {"gemeente": "GM0014",
                                                          "vertrouw_domein": "ja"},
                                   form_page=page)
        assert "Goedgekeurd" in approved.text  # and the domain trusted, in one transaction
        municipality = "/helpdesk/gemeente/GM0014"
        helpdesk.get("/helpdesk/domeinen")
        helpdesk.submit(f"{municipality}/domein-verwijderen",
                        {"domein": "stadskanaal.xyz", "reden": "klaar"}, form_page=municipality)
        helpdesk.submit(f"{page}/gemeente-verwijderen", {"gemeente": "GM0014", "reden": "weg"},
                        form_page=page)
        # a reminder for Almere (no delivery there), and the same job queued once more: the
        # mail worker sends one and finds the other's day claimed
        reminded = helpdesk.submit("/helpdesk/seizoen/herinnering", {"gemeente": "GM0034"},
                                   form_page="/helpdesk/seizoen")
        assert "Herinnering verstuurd aan 1 aanmelder" in reminded.text, reminded.text[:2000]
        from chalicelib.helpdesk import reminders

        reminders.queue(reminders.plan(["GM0034"], 2026, reminders.today(),
                                       check_already=False), "medewerker@helpdesk.nl")
        mailbox.all()
        # the reconcile buttons queue requests; the reconciler runs them (and repairs a
        # report gone from the bucket)
        helpdesk.submit("/helpdesk/gemeente/GM0014/publicatie-controleren", {},
                        form_page="/helpdesk/gemeente/GM0014")
        helpdesk.submit("/helpdesk/publicatie-controleren", {}, form_page="/helpdesk")
        # personal data: a correction (new address: look-ups rewritten, a new link), an erasure
        form = helpdesk.get(f"{page}/gegevens").text
        version = re.search(r'name="versie" value="([^"]+)"', form).group(1)
        corrected = helpdesk.submit(f"{page}/gegevens", {
            "naam": "Eva Vis", "email": "eva@stadskanaal.nl", "telefoon": "0599 123 456",
            "reden": "verzoek", "versie": version}, form_page=f"{page}/gegevens")
        assert "Gecorrigeerd" in corrected.text, corrected.text[:2000]
        form = helpdesk.get(f"{page}/verwijderen").text
        version = re.search(r'name="versie" value="([^"]+)"', form).group(1)
        erased = helpdesk.submit(f"{page}/verwijderen", {
            "reden": "verzoek", "bevestig": "ja", "versie": version},
            form_page=f"{page}/verwijderen")
        assert "Aanmelder verwijderd" in erased.text, erased.text[:2000]
        # a new employee's first sign-in in a pool that requires TOTP (as deployed)
        recorder.function = None  # the administrator's invitation is no call of the web's
        cognito = boto3.client("cognito-idp")
        cognito.set_user_pool_mfa_config(UserPoolId=pool["HELPDESK_USER_POOL_ID"],
                                         MfaConfiguration="ON",
                                         SoftwareTokenMfaConfiguration={"Enabled": True})
        cognito.admin_create_user(UserPoolId=pool["HELPDESK_USER_POOL_ID"],
                                  Username="nieuw@helpdesk.nl", MessageAction="SUPPRESS",
                                  TemporaryPassword="Tijdelijk-Wachtwoord-1")
        cognito.admin_add_user_to_group(UserPoolId=pool["HELPDESK_USER_POOL_ID"],
                                        Username="nieuw@helpdesk.nl", GroupName="helpdesk")
        recorder.function = "api"
        newcomer = Browser(chalice_app)
        newcomer.submit("/helpdesk/inloggen", {"email": "nieuw@helpdesk.nl",
                                               "wachtwoord": "Tijdelijk-Wachtwoord-1"})
        newcomer.submit("/helpdesk/nieuw-wachtwoord", {"wachtwoord": "Eigen-Wachtwoord-2026",
                                                       "herhaal": "Eigen-Wachtwoord-2026"})
        set_up = newcomer.submit("/helpdesk/authenticator", {"code": "123456"})
        assert set_up.headers.get("Location") == "/helpdesk", set_up.text[:2000]
        # a measurement (measurement/): set up, an inviter, an sms, an e-mail and a copied
        # link, a client's answer, a generic link, letters, a short code, a poster, a tablet,
        # a paper form, a contact list; the mail worker sends the invitations
        from urllib.parse import urlencode

        from tests.support import measurement as m

        accept = {"accept": "*/*"}
        path = m.measurement_path(m.create(browser))
        inviter = m.signed_in_inviter(browser, mailbox, chalice_app, path, team="t1")
        for number in ("0612345678", "0687654321"):  # each with its reminder
            m.inviter_post(inviter, "/uitnodiger/uitnodigen", {"contact": number,
                                                               "herinnering": "ja"})
        m.inviter_post(inviter, "/uitnodiger/uitnodigen", {"contact": "c@voorbeeld.nl"})
        copied = m.inviter_post(inviter, "/uitnodiger/link", {})
        client = Browser(chalice_app)
        client.get(re.search(r"/a/[A-Za-z0-9_-]{22}", copied.text).group(0))
        m.answer_all(client)
        assert m.send(client).status_code == 200
        generic = Browser(chalice_app)
        generic.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
        m.answer_all(generic)
        assert m.send(generic).status_code == 200
        with monkeypatch.context() as burst:  # too many from one address: a burst recorded
            burst.setenv("MEASUREMENT_RESPONSES_PER_ADDRESS", "0")
            again = Browser(chalice_app)
            again.get(path.replace("/gemeente/", "/m/").replace("/metingen/", "/"))
            m.answer_all(again)
            assert m.send(again).status_code == 429
        letters = browser.post_raw(f"{path}/brieven", urlencode(
            {"csrf_token": browser.csrf_token(path), "aantal": "2"}).encode(), headers=accept)
        assert letters.status_code == 200
        assert Browser(chalice_app).submit("/code", {"code": "ABCD-EFGH-JK"}).status_code == 404
        assert browser.get(f"{path}/poster.pdf", headers=accept).status_code == 200
        m.inviter_post(inviter, "/uitnodiger/tablet", {})
        inviter.submit("/tablet/beginnen", {}, form_page="/tablet")
        m.answer_all(inviter, answers={"q1": "3"})
        assert m.send(inviter).status_code == 303
        inviter.submit("/tablet/stoppen", {}, form_page="/tablet")
        assert inviter.submit("/uitnodiger/papier", {"q1": "4"}).status_code == 303
        upload = "/uitnodiger/contacten"  # an inviter's list: the worker counts it for them
        preview = m.upload(inviter, upload, b"0623456789\n", upload)
        m.upload(inviter, upload, b"0623456789\n", upload, stap="versturen",
                 zegel=m.seal_on(preview.text))
        mailbox.all()  # the mail worker: the sms, the mail, the contact list's sms
        assert "1 klaargezet, 1 verstuurd" in browser.get(path).text
        # results (#28): ten more answers (one statement judged negatively), counted from the
        # stream (a record delivered again finds its marker), the results page, a burst's day
        # left out, counted again and left out again
        recorder.function = None
        from chalicelib.measurement import measurements as measurement_domain
        from tests.support import results as results_support

        results_support.forget_stream()
        counted = measurement_domain.get(*path.split("/")[2:5:2])
        for n in range(10):
            results_support.respond(counted, {"q8": "1" if n < 3 else "4"})
        records = results_support.stream_records(aws)
        recorder.function = "counter"
        results_support.run(records)
        results_support.run(records[:2])
        recorder.function = None
        assert [x for x in mailbox.all() if "Signaal" in x.subject]
        recorder.function = "api"
        assert browser.get(f"{path}/resultaten").status_code == 200
        burst_day = measurement_domain.today().isoformat()
        for action in ("uitsluiten", "meetellen", "uitsluiten"):
            excluded = browser.submit(f"{path}/resultaten/dag", {"dag": burst_day,
                                                                "actie": action},
                                      form_page=f"{path}/resultaten")
            assert excluded.status_code == 303, excluded.text[:2000]
        results_support.forget_stream()
        helpdesk.submit("/helpdesk/uitloggen", {}, form_page="/helpdesk")  # ends it server-side
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

        sms = sns_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sms_messages.values()
        answering = Browser(chalice_app)  # one client answers: its reminder goes with it
        answering.get(re.search(r"/a/[A-Za-z0-9_-]{22}", next(
            text for number, text in sms if number == "+31612345678")).group(0))
        m.answer_all(answering)
        assert m.send(answering).status_code == 200
        recorder.function = "client-reminders"  # the other's reminder a week later
        from chalicelib.measurement import reminder_run

        assert reminder_run.scheduled(date.today() + timedelta(days=7))["queued"] == 1
        recorder.function = None
        mailbox.all()  # the mail worker sends it
        recorder.function = "reminders"  # the daily schedule, on a reminder day
        with monkeypatch.context() as day:
            day.setenv("DELIVERY_DEADLINE", (reminders.today() + timedelta(days=14)).isoformat())
            assert reminders.scheduled()["queued"] == 1
        # the nightly retention run: one registrant without a municipality for long, one
        # that did nothing for a whole season (with a municipality waiting for approval)
        recorder.function = None
        _due_for_retention(monkeypatch)
        recorder.function = "retention"
        from chalicelib.helpdesk import personal_data as helpdesk_data

        with monkeypatch.context() as night:
            night.setenv("RETENTION_SCHEDULE", "apply")
            night.setenv("RETENTION_INACTIVE", "300")
            assert helpdesk_data.scheduled_retention()["erased"] == 2
        recorder.function = "api"
        recorder.function = "forwarder"
        forwarding.handle({"Records": [record("GM0014#2026", 1, "INSERT")]},
                          LambdaContext("forward"))
        recorder.function = None  # a lost report, and a change the stream never forwarded
        boto3.client("s3").delete_object(Bucket=aws["PublicationBucketName"],
                                         Key="ceo-wmo/2026/GM0014.html")
        from chalicelib.platform.models import ScopeState

        ScopeState("GM0014#2026").update(actions=[ScopeState.forwarded_revision.remove()])
        from devtools.queue_pump import drain

        drain(aws["ReconcileQueueUrl"], chalice_app_module.reconcile_feed, "eu-central-1",
              "reconcile_feed")
        recorder.function = "forwarder"
        # the webhook target reads its signing secret from SSM; a site that refuses (4xx)
        # makes the forwarder and the reconciler keep the refusal in its queue
        monkeypatch.setenv("PUBLICATION_TARGET", "webhook")
        monkeypatch.setenv("WEBHOOK_SECRET_PARAMETER", "/aanlevermodule-ceo/local/webhook-secret")
        monkeypatch.setenv("PUBLICATION_REFUSALS_QUEUE_URL", aws["PublicationRefusalsQueueUrl"])
        with refusing_site() as url:
            monkeypatch.setenv("WEBHOOK_URL", url)
            recorder.function = None  # as if the scope had never been forwarded
            ScopeState("GM0014#2026").update(actions=[ScopeState.forwarded_revision.remove()])
            recorder.function = "forwarder"
            refused = forwarding.handle({"Records": [record("GM0014#2026", 1)]},
                                        LambdaContext("forward"), target=targets.configured())
            assert refused == {"batchItemFailures": []}
            recorder.function = "reconciler"
            parameters.clear_caches()
            from chalicelib.publication import reconcile

            assert reconcile.run({"cycle": 2026, "municipalities": ["GM0014"],
                                  "actor": "x"}).failed == ["GM0014#2026"]
        recorder.function = "mail-events"
        from chalicelib.accounts import bounces as mail_events

        mail_events.handle(json.dumps({"notificationType": "Bounce", "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [{"emailAddress": "a.devries@groningen.nl"}]}}))
    parameters.clear_caches()
    from chalicelib.platform import config

    _, template = packaged
    sender_domain = config.mail_sender().rsplit("@", 1)[1].rstrip(">")
    resolve = Resolver(template, {"Stage": "local", "MailSenderDomain": sender_domain})
    _RECORDED.append((template, resolve, recorder.calls))
    return _RECORDED[0]


def test_each_role_allows_every_call_its_function_makes(recorded):
    template, resolve, calls = recorded
    assert all(calls.values())
    # the run covers what the roles exist for (else a missing permission could hide)
    assert {a for a, _ in calls["api"]} >= {
        "sqs:SendMessage", "ssm:GetParameter", "cognito-idp:AdminInitiateAuth",
        "cognito-idp:AdminListGroupsForUser", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert {a for a, _ in calls["mail-worker"]} >= {
        "ses:SendEmail", "sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:PutItem"}
    assert {a for a, _ in calls["forwarder"]} >= {"s3:PutObject", "ssm:GetParameter"}
    assert {a for a, _ in calls["reminders"]} >= {"dynamodb:Scan", "sqs:SendMessage"}
    assert {a for a, _ in calls["client-reminders"]} >= {
        "dynamodb:Query", "dynamodb:GetItem", "dynamodb:DeleteItem", "sqs:SendMessage"}
    assert any(a == "dynamodb:DeleteItem" and arn.endswith("-invitations")
               for a, arn in calls["api"])  # an answer deletes its reminder
    assert {(a, arn.rsplit("/", 1)[1]) for a, arn in calls["retention"]} >= {
        ("dynamodb:Scan", "ceo-local-registrants"), ("dynamodb:DeleteItem", "ceo-local-held"),
        ("dynamodb:BatchGetItem", "ceo-local-drafts"), ("dynamodb:PutItem", "ceo-local-audit")}
    assert {a for a, _ in calls["mail-worker"]} >= {"dynamodb:GetItem", "dynamodb:UpdateItem"}
    assert ("sns:Publish", "*") in calls["mail-worker"]  # clients' sms (measurement/)
    assert {a for a, _ in calls["reconciler"]} >= {
        "s3:PutObject", "sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:PutItem",
        "sns:Publish", "sqs:SendMessage", "ssm:GetParameter"}
    assert {a for a, _ in calls["forwarder"]} >= {"sns:Publish", "sqs:SendMessage"}
    assert any(arn.endswith(":configuration-set/ceo-local-mail")
               for _, arn in calls["mail-worker"])
    for function, requests in calls.items():
        statements = _statements(template, function)
        missing = sorted(f"{action} on {arn}" for action, arn in requests
                         if not _allowed(statements, resolve, action, arn))
        assert missing == [], f"{function} role lacks {missing}"


# Grants no recorded call uses, and why each is still needed.
UNRECORDED = {
    ("*", "logs:CreateLogStream", ""): "the Lambda runtime writes the function's log",
    ("*", "logs:PutLogEvents", ""): "the Lambda runtime writes the function's log",
    ("*", "sqs:SendMessage", ""): "Lambda sends failed events to the DLQ with the function's role",
    ("api", "cognito-idp:AdminRespondToAuthChallenge", ""): "the TOTP step (MFA on in prod)",
    ("mail-worker", "ses:SendEmail", ":identity/*@"): "should the sender address be verified "
                                                      "itself",
    ("forwarder", "dynamodb:DescribeStream", ""): "the event source mapping reads the stream "
                                                  "with the function's role",
    ("forwarder", "dynamodb:GetRecords", ""): "idem",
    ("forwarder", "dynamodb:GetShardIterator", ""): "idem",
    ("forwarder", "dynamodb:ListStreams", ""): "idem",
    ("forwarder", "s3:ListBucket", ""): "S3 answers 404, not 403, for a key not yet published",
    ("counter", "dynamodb:DescribeStream", ""): "the event source mapping reads the responses' "
                                                "stream with the function's role",
    ("counter", "dynamodb:GetRecords", ""): "idem",
    ("counter", "dynamodb:GetShardIterator", ""): "idem",
    ("counter", "dynamodb:ListStreams", ""): "idem",
    ("counter", "dynamodb:DeleteItem", "results"): "a signal's marker is taken back when its "
                                                   "mail could not be queued",
    ("mail-worker", "dynamodb:GetItem", "invitations"): "a retried contact-list job finds the "
                                                        "invitation its first try made",
    ("reconciler", "s3:ListBucket", ""): "idem",
    ("api", "s3:GetObject", "/exports/"): "a large export's presigned link is signed without a "
                                          "call; S3 checks the role when the browser follows it",
}


def _unrecorded(function: str, action: str, pattern: str) -> bool:
    return any(f in ("*", function) and a == action and part in pattern
               for f, a, part in UNRECORDED)


def test_no_role_grants_what_its_function_never_does(recorded):
    # Least privilege: every (action, resource) a role allows is used by the recorded run, or
    # listed above with its reason. A grant added "just in case" fails here.
    template, resolve, calls = recorded
    unused = []
    for function, requests in calls.items():
        for statement in _statements(template, function):
            if statement["Effect"] != "Allow":
                continue  # a Deny grants nothing
            for action in _listed(statement["Action"]):
                for resource in _listed(statement["Resource"]):
                    pattern = resolve(resource)
                    used = any(_matches(action.lower(), a.lower()) and _matches(pattern, arn)
                               for a, arn in requests)
                    if not used and not _unrecorded(function, action, pattern):
                        unused.append(f"{function}: {action} on {pattern}")
    assert unused == []


def test_the_web_role_cannot_delete_or_rewrite_deliveries_and_audit_entries(recorded):
    template, resolve, _ = recorded
    statements = _statements(template, "api")
    for table in ("ceo-local-deliveries", "ceo-local-audit"):
        for action in ("dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
                       "dynamodb:DeleteTable", "dynamodb:PartiQLDelete"):
            assert not _allowed(statements, resolve, action, _table_arn(table)), (action, table)
    assert not _allowed(statements, resolve, "dynamodb:UpdateItem",
                        _table_arn("ceo-local-audit"))


def test_each_function_reads_only_its_own_parameters(recorded):
    template, resolve, _ = recorded
    key = _arn("ssm", "parameter/aanlevermodule-ceo/local/secret-key")
    webhook = _arn("ssm", "parameter/aanlevermodule-ceo/local/webhook-secret")
    assert _allowed(_statements(template, "api"), resolve, "ssm:GetParameter", key)
    assert not _allowed(_statements(template, "api"), resolve, "ssm:GetParameter", webhook)
    assert _allowed(_statements(template, "forwarder"), resolve, "ssm:GetParameter", webhook)
    assert not _allowed(_statements(template, "forwarder"), resolve, "ssm:GetParameter", key)
    assert not any(a.startswith("ssm:") for s in _statements(template, "mail-events")
                   for a in _listed(s["Action"]))
    # the deployed stages name exactly these parameters
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in ("dev", "prod"):
        name = config["stages"][stage]["environment_variables"]["SECRET_KEY_PARAMETER"]
        assert name == f"/aanlevermodule-ceo/{stage}/secret-key"


def test_the_iam_evaluation_checks_resources_not_only_actions(recorded):
    # The old check passed on actions alone: SES on identity/* without the configuration set.
    _, resolve, calls = recorded
    identity_only = [{"Effect": "Allow", "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                      "Resource": "arn:aws:ses:eu-central-1:123456789012:identity/*"}]
    sends = [(a, arn) for a, arn in calls["mail-worker"] if a == "ses:SendEmail"]
    assert not all(_allowed(identity_only, resolve, a, arn) for a, arn in sends)
    registrants = _table_arn("ceo-local-registrants")
    other_table = [{"Effect": "Allow", "Action": "dynamodb:*",
                    "Resource": _table_arn("ceo-local-drafts")}]
    assert not _allowed(other_table, resolve, "dynamodb:GetItem", registrants)


def test_gateway_error_pages_are_declared_on_the_api_and_survive_the_sam_transform(packaged):
    # Separate AWS::ApiGateway::GatewayResponse resources next to an API with an inline
    # definition drift and may never be applied (cfn-lint W3660, visible only after the SAM
    # transform): they belong in the API's GatewayResponses.
    target, template = packaged
    assert not [k for k, r in template["Resources"].items()
                if r["Type"] == "AWS::ApiGateway::GatewayResponse"]
    transformed = json.loads((target / "transformed.json").read_text())
    assert "Transform" not in transformed
    body = transformed["Resources"]["RestAPI"]["Properties"]["Body"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == {"MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"}
    not_found = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert not_found["statusCode"] == "404"
    assert '<html lang="nl">' in str(not_found["responseTemplates"]["text/html"])
    for response in responses.values():
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Referrer-Policy"] == "'no-referrer'"
        assert headers["gatewayresponse.header.Content-Type"] == "'text/html; charset=utf-8'"


def test_the_readme_deploys_a_template_of_this_size(packaged):
    # CloudFormation takes a template body of at most 51,200 bytes inline and up to 1 MB from
    # S3 (CloudFormation quotas): ./dev deploy always uploads it and passes TemplateURL
    # (tests/infra/test_deploy.py), which the README's deployment section says.
    from devtools import package

    _, template = packaged
    size = len(json.dumps(package.as_packaged(template)).encode())
    assert package.INLINE_TEMPLATE_LIMIT < size < 1_000_000
    deployment = (ROOT / "README.md").read_text().split("## Deployment", 1)[1]
    assert "./dev deploy prod" in deployment and "artifact bucket" in deployment.lower()
    stage_file = json.loads((ROOT / "infra" / "stages" / "prod.json").read_text())
    for name, parameter in template["Parameters"].items():  # every required one has a place
        if "Default" not in parameter:
            assert name in stage_file["parameters"], name
            assert f"`{name}`" in deployment, name


def _alarms(template):
    return {k: r["Properties"] for k, r in template["Resources"].items()
            if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_what_visitors_and_the_functions_suffer_raises_an_alarm(packaged):
    # The middleware turns exceptions into 500 pages (Lambda Errors stays 0): API Gateway's
    # 5XXError and p95 latency, Lambda throttles per function and every queue's depth alarm.
    target, template = packaged
    alarms = _alarms(template).values()
    transformed = json.loads((target / "transformed.json").read_text())
    api = transformed["Resources"]["RestAPI"]["Properties"]
    assert api["Name"] == api["Body"]["info"]["title"]  # one name, whichever one wins
    api_dimensions = [{"Name": "ApiName", "Value": api["Name"]}, {"Name": "Stage", "Value": "api"}]
    by_metric = {}
    for alarm in alarms:
        by_metric.setdefault((alarm["Namespace"], alarm["MetricName"]), []).append(alarm)
    [errors] = by_metric[("AWS/ApiGateway", "5XXError")]
    assert errors["Dimensions"] == api_dimensions
    [latency] = by_metric[("AWS/ApiGateway", "Latency")]
    assert latency["Dimensions"] == api_dimensions and latency["ExtendedStatistic"] == "p95"
    throttled = {a["Dimensions"][0]["Value"]["Ref"]
                 for a in by_metric[("AWS/Lambda", "Throttles")]}
    functions = {k for k, r in template["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    assert throttled == functions
    queues = {k for k, r in template["Resources"].items() if r["Type"] == "AWS::SQS::Queue"}
    watched = {a["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
               for a in by_metric[("AWS/SQS", "ApproximateNumberOfMessagesVisible")]}
    assert watched == queues


def test_the_stage_is_throttled_and_the_forwarder_has_concurrency_of_its_own(packaged):
    target, template = packaged
    transformed = json.loads((target / "transformed.json").read_text())
    [stage] = [r for r in transformed["Resources"].values()
               if r["Type"] == "AWS::ApiGateway::Stage"]
    [everything] = [m for m in stage["Properties"]["MethodSettings"]
                    if m["ResourcePath"] == "/*" and m["HttpMethod"] == "*"]
    assert 0 < everything["ThrottlingRateLimit"] <= everything["ThrottlingBurstLimit"] <= 5000
    reserved = template["Resources"]["ForwardDeliveries"]["Properties"][
        "ReservedConcurrentExecutions"]
    # 0 would throttle the forwarder entirely: the parameter's 0 means "no reservation"
    condition, value, otherwise = reserved["Fn::If"]
    assert value == {"Ref": "ForwarderReservedConcurrency"}
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert template["Parameters"]["ForwarderReservedConcurrency"]["Default"] >= 1
    assert condition in template["Conditions"]


def test_unhandled_errors_complaints_and_rejected_documents_raise_alarms(packaged):
    """The 500 page hides exceptions from Lambda's Errors metric: the middleware's log line is
    counted instead; complaints and webhook refusals are counted by the app itself."""
    _, template = packaged
    resources = template["Resources"]
    [metric_filter] = [r["Properties"] for r in resources.values()
                       if r["Type"] == "AWS::Logs::MetricFilter"]
    message = re.search(r'logger\.exception\("([^"]+)"',
                        (ROOT / "chalicelib" / "web" / "errors.py").read_text()).group(1)
    assert metric_filter["FilterPattern"] == f'{{ $.message = "{message}" }}'
    assert metric_filter["LogGroupName"] == {"Ref": "APIHandlerLogGroup"}
    alarmed = {a["MetricName"]: a for a in _alarms(template).values()}
    for metric in ("UnhandledErrors", "MailComplaint", "WebhookRejected"):
        assert alarmed[metric]["AlarmActions"] == [{"Ref": "AlarmTopic"}], metric
    functions = {k for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    groups = {r["Properties"]["LogGroupName"]["Fn::Sub"].split("${")[1].rstrip("}")
              for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"}
    assert functions <= groups  # every function's log is kept (365 days), none unbounded


def test_the_reconciler_runs_every_quarter_and_on_request_with_its_drift_alarmed(packaged):
    """An EventBridge rule queues a request every 15 minutes (the queue lets only that rule
    send); the helpdesk's buttons queue through the web role; the reconciler consumes the
    queue; drift, failed repairs, silence and dead letters raise alarms."""
    _, template = packaged
    resources = template["Resources"]
    rule = resources["ReconcileSchedule"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(15 minutes)" and rule["State"] == "ENABLED"
    [target] = rule["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": ["ReconcileQueue", "Arn"]}
    assert json.loads(target["Input"]) == {"actor": None}  # a scheduled run: with grace
    [allow] = resources["ReconcileQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": ["ReconcileSchedule", "Arn"]}
    function = resources["ReconcileFeed"]["Properties"]
    source = function["Events"]["ReconcileFeedSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Fn::GetAtt": ["ReconcileQueue", "Arn"]}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert function["Timeout"] * 6 <= resources["ReconcileQueue"]["Properties"][
        "VisibilityTimeout"]
    assert resources["ReconcileQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] \
        == {"Fn::GetAtt": ["ReconcileDeadLetterQueue", "Arn"]}
    for env in (function, resources["APIHandler"]["Properties"]):
        assert env["Environment"]["Variables"]["RECONCILE_QUEUE_URL"] == {
            "Ref": "ReconcileQueue"}
    alarmed = {(a["MetricName"], a["Dimensions"][0]["Value"]): a
               for a in _alarms(template).values() if a["Namespace"] == "AanlevermoduleCEO"
               and a.get("Dimensions")}
    for metric in ("PublicationDrift", "ReconcileFailed", "ScopesChecked"):
        alarm = alarmed[(metric, "reconciler")]
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], metric
    silent = alarmed[("ScopesChecked", "reconciler")]
    assert silent["TreatMissingData"] == "breaching"  # no runs at all is the alarm
    assert silent["Period"] * silent["EvaluationPeriods"] > 15 * 60
    from chalicelib.publication import reconcile

    source_text = (ROOT / "chalicelib" / "publication" / "reconcile.py").read_text()
    for metric in ("PublicationDrift", "ReconcileFailed", "ScopesChecked"):
        assert f'name="{metric}"' in source_text
    assert reconcile.GRACE.total_seconds() < 15 * 60  # a stuck change waits one run at most


def test_browsers_may_read_the_feed_sites_may_subscribe_and_its_address_is_an_output(packaged):
    _, template = packaged
    resources = template["Resources"]
    [rule] = resources["PublicationBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "HEAD"]  # reading only
    assert rule["AllowedOrigins"] == ["*"] and "x-amz-meta-revision" in rule["ExposedHeaders"]
    behaviour = resources["PublicationDistribution"]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"]
    assert sorted(behaviour["AllowedMethods"]) == ["GET", "HEAD", "OPTIONS"]
    # managed policies (CloudFront developer guide): CORS-S3Origin forwards Origin and the
    # preflight headers to S3; SimpleCORS adds Access-Control-Allow-Origin: * when missing
    assert behaviour["OriginRequestPolicyId"] == "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
    assert behaviour["ResponseHeadersPolicyId"] == "60669652-455b-4ae9-85a4-c4c02393f86c"
    outputs = template["Outputs"]
    assert outputs["FeedUrl"]["Value"] == {
        "Fn::Sub": "https://${PublicationDistribution.DomainName}/"}
    assert outputs["FeedRootIndexUrl"]["Value"]["Fn::Sub"].endswith("/index.json")
    assert outputs["FeedChangesTopic"]["Value"] == {"Ref": "FeedChangesTopic"}
    assert resources["FeedChangesTopic"]["Type"] == "AWS::SNS::Topic"
    for function in ("ForwardDeliveries", "ReconcileFeed"):
        assert resources[function]["Properties"]["Environment"]["Variables"][
            "FEED_CHANGES_TOPIC_ARN"] == {"Ref": "FeedChangesTopic"}
    # other accounts may subscribe only when the deployer names them
    policy = resources["FeedChangesTopicPolicy"]
    assert policy["Condition"] == "HasFeedSubscribers"
    assert template["Parameters"]["FeedSubscriberAccounts"]["Default"] == ""
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Ref": "FeedSubscriberAccounts"}}
    assert "sns:Publish" not in statement["Action"]


def test_the_local_bucket_answers_browsers_with_cors(aws):
    """The rules deployed into moto from infra/resources.yaml are the ones S3 applies."""
    rules = boto3.client("s3").get_bucket_cors(Bucket=aws["PublicationBucketName"])[
        "CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["*"] and "GET" in rules[0]["AllowedMethods"]


# --- day one in production (issue 26) ---------------------------------------------------------

def _transformed(packaged) -> dict:
    target, _ = packaged
    return json.loads((target / "transformed.json").read_text())


def test_the_api_has_the_configured_stage_and_no_other(packaged):
    # SAM deploys a stage "Stage" beside the configured one unless OpenApiVersion is set: a
    # second address of the API without throttling, WAF or alarms.
    from devtools.intrinsics import Evaluator

    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    configured = {config["stages"][stage]["api_gateway_stage"] for stage in ("dev", "prod")}
    assert configured == {"api"}
    transformed = _transformed(packaged)
    resources = transformed["Resources"].values()
    stages = [r["Properties"]["StageName"] for r in resources
              if r["Type"] == "AWS::ApiGateway::Stage"]
    deployments = [r["Properties"] for r in resources
                   if r["Type"] == "AWS::ApiGateway::Deployment"]
    assert stages == ["api"]
    assert deployments and all("StageName" not in d for d in deployments), deployments
    # with a custom domain the execute-api address is switched off
    body = transformed["Resources"]["RestAPI"]["Properties"]["Body"]
    disabled = body["x-amazon-apigateway-endpoint-configuration"]["disableExecuteApiEndpoint"]
    for domain, expected in (("", False), ("aanleveren.ceo-gemeenten.nl", True)):
        assert Evaluator(transformed, {"DomainName": domain})(disabled) is expected, domain


def test_the_web_function_gives_up_before_api_gateway_does(packaged):
    # API Gateway ends an integration after 29 s (its default and maximum without a quota
    # raise): a function allowed longer keeps running for nobody and is billed for it.
    transformed = _transformed(packaged)
    body = transformed["Resources"]["RestAPI"]["Properties"]["Body"]
    limits = [integration.get("timeoutInMillis", 29000) / 1000
              for path in body["paths"].values() for method in path.values()
              if isinstance(method, dict)
              for integration in [method.get("x-amazon-apigateway-integration", {})]
              if integration]
    assert limits
    assert transformed["Resources"]["APIHandler"]["Properties"]["Timeout"] < min(limits)


def _alias_of(reference) -> str:
    text = json.dumps(reference)
    match = re.search(r'"(?:Ref|Fn::GetAtt)": \[?"(\w+)"|\$\{(\w+)', text)
    return match.group(1) or match.group(2)


def test_every_invocation_goes_through_an_alias_that_rollback_can_move(packaged):
    from devtools import package

    _, template = packaged
    functions = {k: r for k, r in template["Resources"].items()
                 if r["Type"] == "AWS::Serverless::Function"}
    revision = package.git_revision()
    for name, function in functions.items():
        properties = function["Properties"]
        assert properties["AutoPublishAlias"] == "live", name
        assert properties["AutoPublishAliasAllProperties"] is True, name  # config changes too
        assert properties["VersionDescription"] == f"git {revision}", name
        assert properties["Environment"]["Variables"]["APP_REVISION"] == revision, name
    assert template["Outputs"]["GitRevision"]["Value"] == revision
    transformed = _transformed(packaged)
    resources = transformed["Resources"]
    aliases = {k: r["Properties"]["FunctionName"]["Ref"] for k, r in resources.items()
               if r["Type"] == "AWS::Lambda::Alias"}
    assert sorted(aliases.values()) == sorted(functions)
    invoked = []
    for name, resource in resources.items():
        kind, properties = resource["Type"], resource["Properties"]
        if kind in ("AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission"):
            invoked.append((name, properties["FunctionName"]))
        elif kind == "AWS::SNS::Subscription" and properties["Protocol"] == "lambda":
            invoked.append((name, properties["Endpoint"]))
        elif kind == "AWS::Events::Rule":
            invoked += [(name, t["Arn"]) for t in properties["Targets"]
                        if "Queue" not in json.dumps(t["Arn"])]
    body = json.dumps(resources["RestAPI"]["Properties"]["Body"])
    invoked += [("RestAPI", {"Fn::Sub": uri}) for uri in
                set(re.findall(r'functions/(\$\{[^}]+\})/invocations', body))]
    for name, target in invoked:
        assert _alias_of(target) in aliases, (name, target)
    assert {_alias_of(target) for _, target in invoked} == set(aliases)  # each one is used


def test_a_monthly_budget_alerts_the_alarm_topic(packaged):
    _, template = packaged
    resources = template["Resources"]
    [budget] = [r for r in resources.values() if r["Type"] == "AWS::Budgets::Budget"]
    assert budget["Condition"] == "HasBudget"
    assert budget["Properties"]["Budget"]["BudgetLimit"]["Amount"] == {"Ref": "MonthlyBudgetUsd"}
    notified = budget["Properties"]["NotificationsWithSubscribers"]
    assert {n["Notification"]["NotificationType"] for n in notified} == {"ACTUAL", "FORECASTED"}
    for notification in notified:
        assert notification["Subscribers"] == [{"SubscriptionType": "SNS",
                                                "Address": {"Ref": "AlarmTopic"}}]
    assert template["Parameters"]["MonthlyBudgetUsd"]["Default"] > 0
    # AWS Budgets may publish to the (encrypted) topic: the topic policy and the key say so
    [policy] = [r["Properties"] for r in resources.values()
                if r["Type"] == "AWS::SNS::TopicPolicy"
                and r["Properties"]["Topics"] == [{"Ref": "AlarmTopic"}]]
    services = {s["Principal"].get("Service") for s in policy["PolicyDocument"]["Statement"]}
    assert {"budgets.amazonaws.com", "cloudwatch.amazonaws.com"} <= services
    assert _key_lets(template, resources["AlarmTopic"], "budgets.amazonaws.com")


def test_the_notifications_key_serves_each_service_only_for_this_account(packaged):
    # A service principal without aws:SourceAccount/aws:SourceArn could be steered by another
    # account's resource to use the key (confused deputy).
    _, template = packaged
    resources = template["Resources"]
    checked = set()
    for logical in ("NotificationsKey", "AlarmTopicPolicy"):
        properties = resources[logical]["Properties"]
        document = properties.get("KeyPolicy") or properties["PolicyDocument"]
        for statement in document["Statement"]:
            service = statement["Principal"].get("Service")
            if not service:
                continue
            condition = statement.get("Condition", {})
            assert condition.get("StringEquals", {}).get("aws:SourceAccount") == {
                "Ref": "AWS::AccountId"}, (logical, service)
            source = condition.get("ArnLike", {}).get("aws:SourceArn", {}).get("Fn::Sub", "")
            assert source.startswith(f"arn:${{AWS::Partition}}:{service.split('.')[0]}:"), \
                (logical, service)
            assert "${AWS::AccountId}" in source, (logical, service)
            checked.add(service)
    assert checked == {"ses.amazonaws.com", "cloudwatch.amazonaws.com",
                       "budgets.amazonaws.com"}
    alarms = _alarms(template).values()
    names = [a["AlarmName"]["Fn::Sub"] for a in alarms]
    assert all(n.startswith("ceo-${Stage}-") for n in names)  # what the key's ArnLike allows
