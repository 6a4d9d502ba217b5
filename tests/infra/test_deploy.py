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
def template(tmp_path_factory):
    from devtools import package

    target = package.package("prod", tmp_path_factory.mktemp("build"))
    return json.loads((target / "sam.json").read_text())


def stage_file(tmp_path, content=None, **parameters) -> Path:
    values = json.loads(json.dumps(content or COMPLETE))
    values["parameters"].update(parameters)
    path = tmp_path / "stage.json"
    path.write_text(json.dumps(values))
    return path


def errors(plan) -> list[str]:
    return [f.text for f in plan.findings if f.level == "error"]


def test_a_complete_stage_file_passes_the_dry_run_without_any_aws_call(
        tmp_path, monkeypatch, capsys):
    from devtools import deploy

    def no_aws(*args, **kwargs):
        raise AssertionError("the dry run called AWS")

    monkeypatch.setattr(boto3, "client", no_aws)
    monkeypatch.setattr(boto3.session.Session, "client", no_aws)
    code = deploy.main(["prod", "--dry-run", "--stage-file", str(stage_file(tmp_path)),
                        "--out", str(tmp_path / "build")])
    out = capsys.readouterr().out
    assert code == 0, out
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
    [closed] = [f for f in after.findings if "sending window" in f.text]
    assert closed.level == "warn"
    assert "closed on 2026-10-31" in closed.text and "next: 2027 opens 2027-01-01" in closed.text
    assert "set CURRENT_CYCLE=2027" in closed.text


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

    def execute_change_set(self, StackName, ChangeSetName):
        self.calls.append(("execute_change_set", ChangeSetName))
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
    [(_, change_set), (executed, _)] = cloudformation.calls
    assert executed == "execute_change_set"
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
