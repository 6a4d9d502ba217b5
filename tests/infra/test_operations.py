"""Operating the stack: a dashboard with everything the alarms watch, an optional WAF rate rule
associated with the API stage the way AWS requires, and the quota check before a deploy."""
from __future__ import annotations

import json
import re

import boto3
import pytest
from botocore.stub import Stubber

from tests.support.cfn import Evaluator


@pytest.fixture(scope="module")
def built(prod_package):
    return (json.loads((prod_package / "sam.json").read_text()),
            json.loads((prod_package / "transformed.json").read_text()))


def dashboard(sam) -> dict:
    names = {k: f"fn-{k}" for k, r in sam["Resources"].items()
             if r["Type"] == "AWS::Serverless::Function"}
    body = sam["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    resolved = re.sub(r"\$\{([A-Za-z]+)\.QueueName\}", lambda m: f"queue-{m.group(1)}", body)
    resolved = Evaluator(sam, {"Stage": "prod"}, names)({"Fn::Sub": resolved})
    return json.loads(resolved)


def metrics_on(board) -> list[list]:
    return [m for w in board["widgets"] for m in w["properties"]["metrics"]]


def test_the_dashboard_shows_what_every_alarm_watches(built):
    sam, _ = built
    board = dashboard(sam)  # valid JSON once CloudFormation substituted it
    shown = {(m[0], m[1]) for m in metrics_on(board)}
    for name, resource in sam["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            alarm = resource["Properties"]
            assert (alarm["Namespace"], alarm["MetricName"]) in shown, name
    assert {("AWS/ApiGateway", "Latency"), ("AWS/Lambda", "Errors"), ("AWS/SES", "Send"),
            ("AWS/SES", "Reputation.BounceRate")} <= shown


def test_the_dashboard_names_every_function_queue_and_the_api(built):
    sam, _ = built
    text = json.dumps(metrics_on(dashboard(sam)))
    resources = sam["Resources"]
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Serverless::Function":
            for metric in ("Errors", "Throttles"):
                assert f'"{metric}", "FunctionName", "fn-{name}"' in text, (name, metric)
        if resource["Type"] == "AWS::SQS::Queue":
            assert f'"QueueName", "queue-{name}"' in text, name
    assert '"IteratorAge", "FunctionName", "fn-ForwardDeliveries"' in text
    api = resources["RestAPI"]["Properties"]["Name"]["Fn::Sub"].replace("${Stage}", "prod")
    assert f'"ApiName", "{api}", "Stage", "api"' in text


def test_the_waf_rule_is_off_by_default_and_valid_when_on(built):
    sam, final = built
    parameter = sam["Parameters"]["WafRateLimit"]
    assert parameter["Default"] == 0
    waf = {k: r for k, r in final["Resources"].items() if r["Type"].startswith("AWS::WAFv2::")}
    assert {r["Condition"] for r in waf.values()} == {"ProtectsWithWaf"}
    assert not Evaluator(sam, {}).condition("ProtectsWithWaf")
    assert Evaluator(sam, {"WafRateLimit": "1000"}).condition("ProtectsWithWaf")
    acl = final["Resources"]["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"  # what API Gateway stages take
    [rule] = acl["Rules"]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == {"Ref": "WafRateLimit"} and rate["AggregateKeyType"] == "IP"
    assert rate["EvaluationWindowSec"] in (60, 120, 300, 600)  # the windows WAF accepts
    assert "Block" in rule["Action"]
    for config in (acl["VisibilityConfig"], rule["VisibilityConfig"]):  # both required
        assert config["CloudWatchMetricsEnabled"] and config["MetricName"]
    [alarm] = [r for r in final["Resources"].values()
               if r["Type"] == "AWS::CloudWatch::Alarm"
               and r["Properties"]["Namespace"] == "AWS/WAFV2"]
    assert alarm["Condition"] == "ProtectsWithWaf"
    assert {"Name": "Rule", "Value": rule["VisibilityConfig"]["MetricName"]} in \
        alarm["Properties"]["Dimensions"]


def test_the_waf_is_associated_with_the_stage_by_its_arn_after_the_stage_exists(built):
    # AssociateWebACL takes arn:<partition>:apigateway:<region>::/restapis/<id>/stages/<name>;
    # naming the stage resource SAM generates makes CloudFormation create the association
    # after it ("resource doesn't exist" otherwise: serverless-application-model#2830).
    _, final = built
    [stage] = [k for k, r in final["Resources"].items() if r["Type"] == "AWS::ApiGateway::Stage"]
    association = final["Resources"]["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    arn = Evaluator(final, {}, {"RestAPI": "abc123", stage: "api"})(association["ResourceArn"])
    assert arn == "arn:aws:apigateway:eu-central-1::/restapis/abc123/stages/api"
    assert f"${{{stage}}}" in association["ResourceArn"]["Fn::Sub"]  # the implicit dependency
    assert final["Resources"][stage]["Properties"]["StageName"] == "api"


# --- the quota check ------------------------------------------------------------------------

def stubbed(limit=1000, production=True, sending=True, status="HEALTHY", daily=50000.0,
            verified=True, exists=True):
    from devtools import quotas

    lam = boto3.client("lambda", region_name="eu-central-1")
    ses = boto3.client("sesv2", region_name="eu-central-1")
    lam_stub, ses_stub = Stubber(lam), Stubber(ses)
    lam_stub.add_response("get_account_settings", {
        "AccountLimit": {"ConcurrentExecutions": limit, "UnreservedConcurrentExecutions": limit}})
    ses_stub.add_response("get_account", {
        "ProductionAccessEnabled": production, "SendingEnabled": sending,
        "EnforcementStatus": status, "DedicatedIpAutoWarmupEnabled": False,
        "SendQuota": {"Max24HourSend": daily, "MaxSendRate": 14.0, "SentLast24Hours": 0.0}})
    if exists:
        ses_stub.add_response("get_email_identity", {
            "IdentityType": "DOMAIN", "VerifiedForSendingStatus": verified,
            "DkimAttributes": {"Status": "SUCCESS" if verified else "PENDING"}},
            {"EmailIdentity": "aanlevermodule-ceo.nl"})
    else:
        ses_stub.add_client_error("get_email_identity", "NotFoundException")
    with lam_stub, ses_stub:
        return quotas.check("prod", "eu-central-1", 2, "aanlevermodule-ceo.nl",
                            {"lambda": lam, "sesv2": ses})


def test_a_ready_account_passes_the_quota_check():
    assert {f.level for f in stubbed()} == {"ok"}


@pytest.mark.parametrize("situation,level,fragment", [
    ({"limit": 10}, "error", "deploy with ForwarderReservedConcurrency=0"),
    ({"limit": 500}, "warn", "default 1000"),
    ({"production": False}, "error", "SES is in the sandbox"),
    ({"sending": False}, "error", "sending is disabled"),
    ({"status": "PROBATION"}, "warn", "enforcement status is PROBATION"),
    ({"daily": 200.0}, "warn", "at most 200 mails a day"),
    ({"verified": False}, "error", "is not verified yet"),
    ({"exists": False}, "error", "has no identity aanlevermodule-ceo.nl"),
])
def test_each_limit_a_first_deploy_runs_into_is_named(situation, level, fragment):
    findings = stubbed(**situation)
    assert any(f.level == level and fragment in f.text for f in findings), findings
