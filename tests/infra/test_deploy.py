"""`./dev deploy STAGE`: the dry run checks every parameter without AWS (against the template's
own constraints and rules, the app's start check and the sending window) and prints what a
person must do; the real run refuses an account that was not bootstrapped and deploys through
a change set from the artifact bucket."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPLETE = {
    "region": "eu-central-1",
    "artifact_bucket": "ceo-artifacts-123456789012-eu-central-1",
    "parameters": {
        "AlarmEmail": "beheer@ceo-gemeenten.nl", "HelpdeskEmail": "helpdesk@ceo-gemeenten.nl",
        "HelpdeskPhone": "030 737 05 00", "PublicationSiteName": "waarstaatjegemeente.nl",
        "PrivacyController": "Stichting CEO-gemeenten",
        "DomainName": "", "CertificateArn": "", "BasePath": "", "WafRateLimit": 0,
        "ForwarderReservedConcurrency": 2,
    },
}
CERTIFICATE = ("arn:aws:acm:eu-central-1:123456789012:certificate/"
               "0d2a7e3c-1b2c-4d5e-8f90-123456789abc")
SEASON = date(2026, 3, 1)


@pytest.fixture(scope="module")
def template(prod_package):
    return json.loads((prod_package / "sam.json").read_text())


def stage_file(tmp_path, content=None, **parameters) -> Path:
    values = json.loads(json.dumps(content or COMPLETE))
    values["parameters"].update(parameters)
    path = tmp_path / "stage.json"
    path.write_text(json.dumps(values))
    return path


def errors(plan) -> list[str]:
    return [f.text for f in plan.findings if f.level == "error"]


def test_a_complete_stage_file_passes_the_dry_run_without_any_aws_call(
        tmp_path, monkeypatch, capsys, prod_package):
    from devtools import deploy, package

    def no_aws(*args, **kwargs):
        raise AssertionError("the dry run called AWS")

    # the package this test process already built (conftest's prod_package), not a second one
    monkeypatch.setattr(package, "package", lambda stage, out: prod_package)

    monkeypatch.setattr(boto3, "client", no_aws)
    monkeypatch.setattr(boto3.session.Session, "client", no_aws)
    code = deploy.main(["prod", "--dry-run", "--stage-file", str(stage_file(tmp_path)),
                        "--out", str(tmp_path / "build")])
    out = capsys.readouterr().out
    assert code == 0, out
    # cfn-lint on both templates, warnings included (the only lint run of the test suite)
    assert "[ok  ] cfn-lint sam.json: no findings" in out
    assert "[ok  ] cfn-lint transformed.json: no findings" in out
    assert "Dry run: every parameter checked" in out
    for step in ("Artifact bucket", "SES sender domain", "SES production access",
                 "Signing key: aws ssm put-parameter", "/aanlevermodule-ceo/prod/secret-key",
                 "Alarm e-mail", "Subscription Confirmation", "First helpdesk user",
                 "./dev quotas prod"):
        assert step in out, step


def test_the_repository_s_stage_files_name_only_template_parameters(template):
    from devtools import deploy

    for stage in ("dev", "prod"):
        values = json.loads((ROOT / "infra" / "stages" / f"{stage}.json").read_text())
        assert set(values["parameters"]) <= set(template["Parameters"]), stage
        plan = deploy.dry_run(stage, template, today=SEASON)
        # as shipped: what only the deploying person can know is still empty, and says so
        assert sorted(e.split(" ")[0] for e in errors(plan)) == [
            "AlarmEmail", "HelpdeskEmail", "HelpdeskPhone", "PrivacyController",
            "PublicationSiteName", "artifact_bucket"], stage


@pytest.mark.parametrize("change,problem", [
    ({"AlarmEmail": "ops"}, "AlarmEmail = 'ops': an e-mail address"),
    ({"HelpdeskPhone": "070 123 45 67"},
     "start check: HELPDESK_PHONE is the placeholder '070 123 45 67'"),
    ({"HelpdeskEmail": "helpdesk@example.nl"}, "start check: HELPDESK_EMAIL is the placeholder"),
    ({"HelpdeskPhone": "bel ons"}, "HelpdeskPhone = 'bel ons': a phone number"),
    ({"PrivacyController": ""}, "PrivacyController = '': empty"),
    ({"PrivacyController": "de beheerder van de Aanlevermodule CEO"},
     "start check: PRIVACY_CONTROLLER is the placeholder"),
    ({"DomainName": "aanleveren.ceo-gemeenten.nl"},
     "CustomDomainNeedsCertificate: DomainName needs CertificateArn"),
    ({"BasePath": "ceo"}, "BasePathNeedsCustomDomain: BasePath only applies with DomainName"),
    ({"BasePath": "a/b", "DomainName": "x.nl", "CertificateArn": CERTIFICATE},
     "BasePath = 'a/b': one path segment"),
    ({"DomainName": "Aanleveren.NL"}, "DomainName = 'Aanleveren.NL': a lower-case host name"),
    ({"DomainName": "x.nl", "CertificateArn": "arn:aws:acm:cert"},
     "CertificateArn = 'arn:aws:acm:cert': an ACM certificate ARN"),
    ({"WafRateLimit": 5}, "AWS WAF accepts a rate limit of 10 or more"),
    ({"WafRateLimit": "veel"}, "WafRateLimit = 'veel': not a number"),
    ({"ForwarderReservedConcurrency": -1}, "ForwarderReservedConcurrency = '-1': below 0"),
    ({"Nonsense": "x"}, "Nonsense: not a parameter of the template"),
])
def test_each_wrong_parameter_is_named(template, tmp_path, change, problem):
    from devtools import deploy

    plan = deploy.dry_run("prod", template, stage_file(tmp_path, **change), today=SEASON)
    assert not plan.ok
    assert any(problem in e for e in errors(plan)), errors(plan)


@pytest.mark.parametrize("content,problem", [
    ({**COMPLETE, "artifact_bucket": "My_Bucket"}, "is not a valid S3 bucket name"),
    ({**COMPLETE, "artifact_bucket": ""}, "artifact_bucket is empty"),
    ({**COMPLETE, "region": "frankfurt"}, "is not an AWS region name"),
])
def test_the_stage_file_itself_is_checked(template, tmp_path, content, problem):
    from devtools import deploy

    plan = deploy.dry_run("prod", template, stage_file(tmp_path, content), today=SEASON)
    assert any(problem in e for e in errors(plan)), errors(plan)


def test_a_custom_domain_with_its_certificate_and_the_waf_pass(template, tmp_path):
    from devtools import deploy

    plan = deploy.dry_run("prod", template, stage_file(
        tmp_path, DomainName="www.ceo-gemeenten.nl", CertificateArn=CERTIFICATE,
        BasePath="aanleveren", WafRateLimit=1000), today=SEASON)
    assert plan.ok, errors(plan)
    environment = deploy.function_environment(template, "prod", plan.parameters)
    assert environment["BASE_URL"] == "https://www.ceo-gemeenten.nl/aanleveren"
    steps = " ".join(deploy.bootstrap(plan))
    assert "aws acm request-certificate --domain-name www.ceo-gemeenten.nl" in steps


def test_dev_may_use_placeholders_with_a_warning(template, tmp_path):
    from devtools import deploy

    plan = deploy.dry_run("dev", template, stage_file(
        tmp_path, HelpdeskPhone="070 123 45 67",
        PrivacyController="de beheerder van de Aanlevermodule CEO"), today=SEASON)
    assert plan.ok
    warned = [f.text for f in plan.findings if f.level == "warn"]
    assert any("HELPDESK_PHONE is the placeholder" in text for text in warned)
    assert any("PRIVACY_CONTROLLER is the placeholder" in text for text in warned)


def test_the_dry_run_says_when_the_stage_would_be_closed_for_sending(template, tmp_path):
    from devtools import deploy

    during = deploy.dry_run("prod", template, stage_file(tmp_path), today=SEASON)
    assert any("sending window of 2026: open (deadline 2026-06-30" in f.text
               for f in during.findings)
    after = deploy.dry_run("prod", template, stage_file(tmp_path), today=date(2026, 11, 23))
    [closed] = [f for f in after.findings if f.text.startswith("CEO Wmo: sending window")]
    assert closed.level == "warn"
    assert "closed on 2026-10-31" in closed.text and "next: 2027 opens 2027-01-01" in closed.text
    assert "set CURRENT_CYCLE=2027" in closed.text
    # CEO Jeugd has its own window and definitions: its 2027 draft is still to settle
    [jeugd] = [f for f in after.findings if f.text.startswith("CEO Jeugd: sending window")]
    assert jeugd.level == "warn" and "closed on 2026-10-31" in jeugd.text
    assert "ceo-jeugd/2027.json (status final), then set CURRENT_CYCLE=2027" in jeugd.text


def test_the_dry_run_checks_every_instrument_s_definition_and_window(
        template, tmp_path, monkeypatch):
    from chalicelib.platform import cycles
    from devtools import deploy

    plan = deploy.dry_run("prod", template, stage_file(tmp_path), today=SEASON)
    said = {f.text.split(":")[0] + ":" + f.text.split(":")[1] for f in plan.findings
            if f.text.startswith("CEO ")}
    assert {"CEO Wmo: questionnaire of 2026", "CEO Jeugd: questionnaire of 2026",
            "CEO Wmo: sending window of 2026", "CEO Jeugd: sending window of 2026"} <= said
    assert plan.ok
    real = cycles.settings()
    monkeypatch.setattr(cycles, "settings", lambda: {**real, "ceo-jeugd": {}})
    refused = deploy.dry_run("prod", template, stage_file(tmp_path), today=SEASON)
    assert not refused.ok
    assert [f.level for f in refused.findings
            if f.text.startswith("CEO Jeugd: No sending window for ceo-jeugd 2026")] == ["error"]
    assert [f.level for f in refused.findings
            if f.text.startswith("CEO Wmo: sending window of 2026: open")] == ["ok"]


# --- the real run, against moto and a recording CloudFormation -----------------------------

class RecordingCloudFormation:
    """What deploy() asks CloudFormation (moto cannot run the SAM transform; the transformed
    template in moto is test_moto_deployment.py's)."""

    exceptions = boto3.client("cloudformation", region_name="eu-central-1").exceptions

    def __init__(self):
        self.calls, self.status = [], None

    def describe_stacks(self, StackName):
        if self.status is None:
            raise self.exceptions.ClientError(
                {"Error": {"Code": "ValidationError", "Message": "does not exist"}},
                "DescribeStacks")
        return {"Stacks": [{"StackStatus": self.status, "Outputs": [
            {"OutputKey": "BaseUrl", "OutputValue": "https://abc.execute-api/api"}]}]}

    def create_change_set(self, **kwargs):
        self.calls.append(("create_change_set", kwargs))

    def describe_change_set(self, StackName, ChangeSetName):
        return {"Status": "CREATE_COMPLETE", "Changes": [{}, {}]}

    def execute_change_set(self, StackName, ChangeSetName, **options):
        self.calls.append(("execute_change_set", options))
        self.status = "CREATE_COMPLETE"


def test_an_account_that_was_not_bootstrapped_is_refused_with_the_step_to_take(
        template, tmp_path, aws, monkeypatch):
    from devtools import deploy, quotas

    monkeypatch.setattr(quotas, "check", lambda *args: [])
    plan = deploy.dry_run("prod", template, stage_file(tmp_path), today=SEASON)
    clients = {name: boto3.client(name) for name in ("s3", "ssm", "acm")}
    found = [f.text for f in deploy.account_checks(plan, clients) if f.level == "error"]
    assert any("artifact bucket ceo-artifacts-123456789012-eu-central-1 cannot be reached"
               in f for f in found)
    assert any("no SSM parameter /aanlevermodule-ceo/prod/secret-key" in f for f in found)
    boto3.client("s3").create_bucket(
        Bucket=plan.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    boto3.client("ssm").put_parameter(Name="/aanlevermodule-ceo/prod/secret-key",
                                      Value="k" * 64, Type="SecureString")
    assert all(f.level == "ok" for f in deploy.account_checks(plan, clients))
    certificate = boto3.client("acm").request_certificate(
        DomainName="www.ceo-gemeenten.nl", ValidationMethod="DNS")["CertificateArn"]
    plan.parameters.update(DomainName="www.ceo-gemeenten.nl", CertificateArn=certificate)
    [pending] = [f.text for f in deploy.account_checks(plan, clients) if f.level == "error"]
    assert pending.startswith("certificate for www.ceo-gemeenten.nl:")


def test_the_deploy_uploads_to_the_artifact_bucket_and_runs_a_change_set(
        template, tmp_path, aws):
    from devtools import deploy

    plan = deploy.dry_run("prod", template, stage_file(tmp_path), today=SEASON)
    boto3.client("s3").create_bucket(
        Bucket=plan.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    target = tmp_path / "build"
    target.mkdir()
    (target / "sam.json").write_text(json.dumps(template))
    (target / "deployment.zip").write_bytes(b"PK-package")
    cloudformation = RecordingCloudFormation()
    outputs = deploy.deploy(plan, target, {"s3": boto3.client("s3"),
                                           "cloudformation": cloudformation}, wait_seconds=0)
    assert outputs == {"BaseUrl": "https://abc.execute-api/api"}
    [(_, change_set), (executed, options)] = cloudformation.calls
    assert executed == "execute_change_set"
    assert options == {"RetainExceptOnCreate": True}  # a failed create leaves nothing behind
    assert change_set["ChangeSetType"] == "CREATE"
    assert change_set["StackName"] == "aanlevermodule-ceo-prod"
    assert set(change_set["Capabilities"]) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
    given = {p["ParameterKey"]: p["ParameterValue"] for p in change_set["Parameters"]}
    assert given["HelpdeskPhone"] == "030 737 05 00" and given["WafRateLimit"] == "0"
    prefix = f"https://{plan.bucket}.s3.eu-central-1.amazonaws.com/"
    assert change_set["TemplateURL"].startswith(prefix)  # no inline limit of 51,200 bytes
    key = change_set["TemplateURL"][len(prefix):]
    uploaded = json.loads(boto3.client("s3").get_object(Bucket=plan.bucket, Key=key)["Body"]
                          .read())
    uris = {r["Properties"]["CodeUri"] for r in uploaded["Resources"].values()
            if r["Type"] == "AWS::Serverless::Function"}
    [uri] = uris
    code = boto3.client("s3").get_object(Bucket=plan.bucket,
                                         Key=uri.split("/", 3)[3])["Body"].read()
    assert uri.startswith(f"s3://{plan.bucket}/") and code == b"PK-package"
    assert uploaded["Transform"] == "AWS::Serverless-2016-10-31"  # CloudFormation transforms


# --- every state the stack can be in, against CloudFormation's own answers (botocore Stubber) --

from botocore.stub import ANY, Stubber  # noqa: E402

from devtools import deploy as deploy_module  # noqa: E402

STACK = "aanlevermodule-ceo-prod"


def _stack(status: str, **extra) -> dict:
    return {"Stacks": [{"StackName": STACK, "StackStatus": status,
                        "CreationTime": "2026-03-01T00:00:00Z", **extra}]}


class Stubbed:
    """Real boto3 clients whose answers are given in advance: a call nobody expected, or with
    other parameters, fails the test."""

    def __init__(self, *services):
        self.clients = {s: boto3.client(s, region_name="eu-central-1") for s in services}
        self.stubs = {s: Stubber(c) for s, c in self.clients.items()}
        for stub in self.stubs.values():
            stub.activate()

    def __getitem__(self, service) -> Stubber:
        return self.stubs[service]

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def _plan(tmp_path):
    plan = deploy_module.Plan("prod", region="eu-central-1", bucket="ceo-artifacts")
    plan.parameters = {"AlarmEmail": "beheer@ceo-gemeenten.nl"}
    target = tmp_path / "build"
    target.mkdir()
    (target / "sam.json").write_text(json.dumps({"Resources": {
        "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "."}}}}))
    (target / "deployment.zip").write_bytes(b"PK-package")
    return plan, target


def _expect_change_set(aws, kind: str, final: str | None = None,
                       retain: bool | None = None):
    aws["s3"].add_response("put_object", {}, {"Bucket": "ceo-artifacts", "Key": ANY,
                                              "Body": ANY})
    aws["s3"].add_response("put_object", {}, {"Bucket": "ceo-artifacts", "Key": ANY,
                                              "Body": ANY})
    aws["cloudformation"].add_response("create_change_set", {"Id": "cs"}, {
        "StackName": STACK, "ChangeSetName": ANY, "ChangeSetType": kind, "TemplateURL": ANY,
        "Parameters": ANY, "Capabilities": ANY, "Tags": ANY})
    aws["cloudformation"].add_response("describe_change_set", {
        "Status": "CREATE_COMPLETE", "Changes": []}, {"StackName": STACK, "ChangeSetName": ANY})
    executed = {"StackName": STACK, "ChangeSetName": ANY}
    if retain is not None:
        executed["RetainExceptOnCreate"] = retain
    aws["cloudformation"].add_response("execute_change_set", {}, executed)
    aws["cloudformation"].add_response("describe_stacks", _stack(final or f"{kind}_COMPLETE"),
                                       {"StackName": STACK})
    if (final or "").endswith("_COMPLETE") or final is None:
        aws["cloudformation"].add_response("describe_stacks", _stack(
            final or f"{kind}_COMPLETE", Outputs=[{"OutputKey": "BaseUrl",
                                                   "OutputValue": "https://x/api"}]),
            {"StackName": STACK})


def test_a_new_stack_is_created_and_a_failed_create_removes_what_it_made(tmp_path):
    aws = Stubbed("cloudformation", "s3")
    plan, target = _plan(tmp_path)
    aws["cloudformation"].add_client_error(
        "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist",
        expected_params={"StackName": STACK})
    _expect_change_set(aws, "CREATE", retain=True)  # RetainExceptOnCreate on the create
    assert deploy_module.deploy(plan, target, aws.clients, wait_seconds=0) == {
        "BaseUrl": "https://x/api"}
    aws.verify()


@pytest.mark.parametrize("status,kind", [
    ("REVIEW_IN_PROGRESS", "CREATE"),  # a create change set that was never executed
    ("CREATE_COMPLETE", "UPDATE"), ("UPDATE_COMPLETE", "UPDATE"),
    ("UPDATE_ROLLBACK_COMPLETE", "UPDATE"),  # a failed update leaves a working stack
])
def test_a_stack_that_works_is_updated_and_updates_keep_the_retain_policies(
        tmp_path, status, kind):
    aws = Stubbed("cloudformation", "s3")
    plan, target = _plan(tmp_path)
    aws["cloudformation"].add_response("describe_stacks", _stack(status), {"StackName": STACK})
    _expect_change_set(aws, kind, retain=True if kind == "CREATE" else None)
    deploy_module.deploy(plan, target, aws.clients, wait_seconds=0)
    aws.verify()


@pytest.mark.parametrize("status,says", [
    ("ROLLBACK_COMPLETE", ["the first create failed", "mislukt en teruggedraaid",
                           "./dev deploy prod --recover", "describe-stack-events"]),
    ("ROLLBACK_FAILED", ["./dev deploy prod --recover"]),
    ("DELETE_FAILED", ["./dev deploy prod --recover"]),
    ("UPDATE_ROLLBACK_FAILED", ["aws cloudformation continue-update-rollback --stack-name "
                                "aanlevermodule-ceo-prod --region eu-central-1"]),
    ("UPDATE_IN_PROGRESS", ["another operation is still running"]),
    ("DELETE_IN_PROGRESS", ["another operation is still running"]),
])
def test_a_stack_that_cannot_be_updated_is_explained_before_anything_is_uploaded(
        tmp_path, status, says):
    aws = Stubbed("cloudformation", "s3")  # no put_object expected: nothing is uploaded
    plan, target = _plan(tmp_path)
    aws["cloudformation"].add_response("describe_stacks", _stack(status), {"StackName": STACK})
    with pytest.raises(deploy_module.DeployRefused) as refused:
        deploy_module.deploy(plan, target, aws.clients, wait_seconds=0)
    for text in says:
        assert text in str(refused.value), str(refused.value)
    aws.verify()


def test_a_create_that_fails_says_how_to_recover(tmp_path):
    aws = Stubbed("cloudformation", "s3")
    plan, target = _plan(tmp_path)
    aws["cloudformation"].add_client_error(
        "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    _expect_change_set(aws, "CREATE", final="ROLLBACK_COMPLETE", retain=True)
    with pytest.raises(deploy_module.DeployRefused, match="--recover"):
        deploy_module.deploy(plan, target, aws.clients, wait_seconds=0)


def _leftovers(aws, *resources):
    aws["cloudformation"].add_response("describe_stacks", _stack("ROLLBACK_COMPLETE"),
                                       {"StackName": STACK})
    aws["cloudformation"].add_response("list_stack_resources", {"StackResourceSummaries": [
        {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": kind,
         "ResourceStatus": "DELETE_SKIPPED", "LastUpdatedTimestamp": "2026-03-01T00:00:00Z"}
        for logical, kind, physical in resources] + [
        {"LogicalResourceId": "MailQueue", "PhysicalResourceId": "https://sqs/q",
         "ResourceType": "AWS::SQS::Queue", "ResourceStatus": "DELETE_COMPLETE",
         "LastUpdatedTimestamp": "2026-03-01T00:00:00Z"}]}, {"StackName": STACK})


def test_recover_deletes_the_failed_stack_and_its_empty_leftovers(tmp_path):
    aws = Stubbed("cloudformation", "s3", "dynamodb", "cognito-idp")
    plan, _ = _plan(tmp_path)
    _leftovers(aws, ("DeliveriesTable", "AWS::DynamoDB::Table", "ceo-prod-deliveries"),
               ("PublicationBucket", "AWS::S3::Bucket", "ceo-prod-publication-1"),
               ("HelpdeskUserPool", "AWS::Cognito::UserPool", "eu-central-1_abc"))
    for _ in range(2):  # looked at before deciding, and again just before deleting
        aws["dynamodb"].add_response("scan", {"Count": 0, "ScannedCount": 0}, {
            "TableName": "ceo-prod-deliveries", "Limit": 1, "Select": "COUNT"})
        aws["s3"].add_response("list_object_versions", {}, {
            "Bucket": "ceo-prod-publication-1", "MaxKeys": 1})
        aws["cognito-idp"].add_response("list_users", {"Users": []}, {
            "UserPoolId": "eu-central-1_abc", "Limit": 1})
    aws["dynamodb"].add_response("update_table", {}, {
        "TableName": "ceo-prod-deliveries", "DeletionProtectionEnabled": False})
    aws["dynamodb"].add_response("delete_table", {}, {"TableName": "ceo-prod-deliveries"})
    aws["s3"].add_response("delete_bucket", {}, {"Bucket": "ceo-prod-publication-1"})
    aws["cognito-idp"].add_response("update_user_pool", {}, {
        "UserPoolId": "eu-central-1_abc", "DeletionProtection": "INACTIVE"})
    aws["cognito-idp"].add_response("delete_user_pool", {}, {"UserPoolId": "eu-central-1_abc"})
    aws["cloudformation"].add_response("delete_stack", {}, {"StackName": STACK})
    aws["cloudformation"].add_response("describe_stacks", _stack("DELETE_IN_PROGRESS"),
                                       {"StackName": STACK})
    aws["cloudformation"].add_client_error(
        "describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
    deploy_module.recover(plan, aws.clients, wait_seconds=0)
    aws.verify()


def test_recover_refuses_leftovers_that_hold_data_and_deletes_nothing(tmp_path):
    aws = Stubbed("cloudformation", "dynamodb")
    plan, _ = _plan(tmp_path)
    _leftovers(aws, ("DeliveriesTable", "AWS::DynamoDB::Table", "ceo-prod-deliveries"))
    aws["dynamodb"].add_response("scan", {"Count": 1, "ScannedCount": 1}, {
        "TableName": "ceo-prod-deliveries", "Limit": 1, "Select": "COUNT"})
    with pytest.raises(deploy_module.DeployRefused, match="ceo-prod-deliveries hold"):
        deploy_module.recover(plan, aws.clients, wait_seconds=0)
    aws.verify()  # and no update_table/delete_table/delete_stack was expected


def test_recover_leaves_a_working_stack_alone(tmp_path):
    aws = Stubbed("cloudformation")
    plan, _ = _plan(tmp_path)
    aws["cloudformation"].add_response("describe_stacks", _stack("UPDATE_COMPLETE"),
                                       {"StackName": STACK})
    with pytest.raises(deploy_module.DeployRefused, match="not a failed create"):
        deploy_module.recover(plan, aws.clients, wait_seconds=0)


@pytest.mark.parametrize("failure", ["client error", "waiter", "no credentials"])
def test_whatever_aws_refuses_is_reported_without_a_traceback(
        tmp_path, monkeypatch, capsys, failure):
    from botocore.exceptions import NoCredentialsError, WaiterError

    from devtools import package

    plan, target = _plan(tmp_path)
    monkeypatch.setattr(package, "package", lambda stage, out: target)
    monkeypatch.setattr(package, "lint", lambda path: type("R", (), {
        "returncode": 0, "stdout": ""})())
    monkeypatch.setattr(deploy_module, "dry_run", lambda *args, **kwargs: plan)
    monkeypatch.setattr(deploy_module, "account_checks", lambda plan, clients: [])
    aws = Stubbed("cloudformation", "s3")
    monkeypatch.setattr(boto3, "client", lambda name, region_name=None: aws.clients.get(
        name) or object())
    if failure == "client error":
        aws["cloudformation"].add_client_error(
            "describe_stacks", "AccessDenied", "User: arn:aws:iam::1:user/x is not authorized "
            "to perform: cloudformation:DescribeStacks", http_status_code=403)
    else:
        def fail(**kwargs):
            if failure == "waiter":
                raise WaiterError(name="StackCreateComplete", reason="terminal failure",
                                  last_response={})
            raise NoCredentialsError()
        monkeypatch.setattr(deploy_module, "deploy", lambda *args, **kwargs: fail())
    code = deploy_module.main(["prod"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Deploy failed, AWS refused:" in out and "Traceback" not in out
    assert {"client error": "AccessDenied", "waiter": "terminal failure",
            "no credentials": "Unable to locate credentials"}[failure] in out
