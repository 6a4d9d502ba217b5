"""Issue 26 item 7 and 5, on the transformed template: access logs that never hold a link's
token, the tracing decision, the mail worker capped to the account's SES rate, gateway pages
and the helpdesk invitation that lead to the app under its base path, and the table names
as stack parameters (a stage can be switched to a restored table)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cfn import Evaluator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq3v9XkLw2NfR8bT0yHcUe5aP1sDgJmV"


@pytest.fixture(scope="module")
def built(prod_package):
    return (json.loads((prod_package / "sam.json").read_text()),
            json.loads((prod_package / "transformed.json").read_text()))


def _stage(transformed) -> dict:
    [stage] = [r["Properties"] for r in transformed["Resources"].values()
               if r["Type"] == "AWS::ApiGateway::Stage"]
    return stage


def render_access_log(form: str, context: dict) -> str:
    """API Gateway's substitution of $context variables (absent ones become "-")."""
    def value(match: re.Match) -> str:
        node: object = context
        for part in match.group(1).split("."):
            node = node.get(part, "-") if isinstance(node, dict) else "-"
        return str(node)
    return re.sub(r"\$context\.([A-Za-z.]+[A-Za-z])", value, form)


def test_access_logs_are_json_and_never_hold_the_link_s_token(built):
    _, transformed = built
    setting = _stage(transformed)["AccessLogSetting"]
    form = setting["Format"]
    # the requested path, its overrides and the raw input would all carry the token
    for leak in ("$context.path", "$context.requestOverride", "$input", "$context.domainPrefix"):
        assert leak not in form
    assert "$context.requestId" in form and "$context.resourcePath" in form
    request = {"requestId": "r-1", "integration": {"requestId": "lambda-1"},
               "httpMethod": "GET", "path": f"/api/link/{TOKEN}",
               "resourcePath": "/link/{token}", "status": 303,
               "identity": {"sourceIp": "198.51.100.7", "userAgent": "Firefox"}}
    line = render_access_log(form, request)
    assert TOKEN not in line
    logged = json.loads(line)
    assert logged["route"] == "/link/{token}" and logged["status"] == "303"
    assert logged["integrationRequestId"] == "lambda-1"  # the web function's own log lines
    # a client's answer link too
    answer = render_access_log(form, {**request, "path": f"/api/a/{TOKEN}",
                                      "resourcePath": "/a/{token}"})
    assert TOKEN not in answer
    group = setting["DestinationArn"]["Fn::GetAtt"][0]
    properties = transformed["Resources"][group]["Properties"]
    assert properties["RetentionInDays"] <= 365
    # API Gateway writes logs only with the account's CloudWatch role set
    [account] = [r for r in transformed["Resources"].values()
                 if r["Type"] == "AWS::ApiGateway::Account"]
    assert "CloudWatchRoleArn" in account["Properties"]


def test_the_app_s_own_log_lines_redact_link_tokens_too():
    from chalicelib.platform.logs import redact

    assert TOKEN not in redact(f"GET /link/{TOKEN} 303") and "/link/" in redact(f"/link/{TOKEN}")


def test_tracing_is_decided_off_and_the_decision_is_written(built):
    _, transformed = built
    assert not _stage(transformed).get("TracingEnabled")
    functions = [r["Properties"] for r in transformed["Resources"].values()
                 if r["Type"] == "AWS::Lambda::Function"]
    assert functions and all(f.get("TracingConfig", {}).get("Mode") != "Active"
                             for f in functions)
    runbook = (ROOT / "docs" / "runbook.md").read_text()
    assert "Decision: **no X-Ray tracing**" in runbook and "integrationRequestId" in runbook


def test_the_mail_worker_is_capped_to_the_account_s_ses_and_sms_rates(built):
    sam, transformed = built
    [mapping] = [r["Properties"] for r in transformed["Resources"].values()
                 if r["Type"] == "AWS::Lambda::EventSourceMapping"
                 and "MailQueue" in json.dumps(r["Properties"]["EventSourceArn"])]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "MailWorkerConcurrency"}}
    assert sam["Parameters"]["MailWorkerConcurrency"]["MinValue"] == 2  # SQS's minimum
    variables = sam["Resources"]["DeliverMail"]["Properties"]["Environment"]["Variables"]
    assert variables["SES_MAX_SEND_RATE"] == {"Ref": "SesMaxSendRate"}
    assert variables["SMS_MAX_SEND_RATE"] == {"Ref": "SmsMaxSendRate"}  # clients' sms
    assert variables["MAIL_WORKER_CONCURRENCY"] == {"Ref": "MailWorkerConcurrency"}


@pytest.mark.parametrize("domain,base_path,home", [
    ("", "", "/api/"), ("aanleveren.example.nl", "", "/"),
    ("gemeenten.example.nl", "ceo", "/ceo/")])
def test_gateway_pages_lead_home_inside_the_app(built, domain, base_path, home):
    _, transformed = built
    body = transformed["Resources"]["RestAPI"]["Properties"]["Body"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    evaluate = Evaluator(transformed, {"DomainName": domain, "BasePath": base_path,
                                       "CertificateArn": "arn:aws:acm:x" if domain else ""})
    for response in responses.values():
        for page in response["responseTemplates"].values():
            html = evaluate(page)
            assert (f'<a href="{home}">' in html and 'href="/"' not in html) or home == "/"


def test_the_helpdesk_invitation_names_the_sign_in_page_with_its_host(built):
    _, transformed = built
    message = transformed["Resources"]["HelpdeskUserPool"]["Properties"][
        "AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailMessage"]
    with_domain = Evaluator(transformed, {"DomainName": "gemeenten.example.nl",
                                          "BasePath": "ceo"})(message)
    assert "https://gemeenten.example.nl/ceo/helpdesk/inloggen " in with_domain
    assert "{username}" in with_domain and "{####}" in with_domain
    without = Evaluator(transformed, {"DomainName": "", "BasePath": ""})(message)
    assert "/helpdesk/inloggen" not in without and "beheerder" in without


def test_large_exports_stay_private_and_expire(built):
    _, transformed = built
    policy = transformed["Resources"]["PublicationBucketPolicy"]["Properties"]["PolicyDocument"]
    [deny] = [s for s in policy["Statement"] if s.get("Sid") == "ExportsAreNotPublished"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "/exports/*" in json.dumps(deny["Resource"])
    rules = transformed["Resources"]["PublicationBucket"]["Properties"][
        "LifecycleConfiguration"]["Rules"]
    [expiry] = [r for r in rules if r.get("Prefix") == "exports/"]
    assert expiry["ExpirationInDays"] == 1


RESTORED = "ceo-prod-deliveries-restored-20260301-070000"
STREAM = f"arn:aws:dynamodb:eu-central-1:123456789012:table/{RESTORED}/stream/2026-03-01"


def _unguarded(node, tables, guard=None) -> list[str]:
    """References to a table outside an Fn::If on its own Owns<table> condition."""
    found = []
    if isinstance(node, list):
        for item in node:
            found += _unguarded(item, tables, guard)
    elif isinstance(node, dict):
        if list(node) == ["Fn::If"]:
            condition, own, other = node["Fn::If"]
            return _unguarded(own, tables, condition) + _unguarded(other, tables, guard)
        for key, value in node.items():
            target = (value if key == "Ref" else
                      (value[0] if isinstance(value, list) else value.split(".")[0])
                      if key == "Fn::GetAtt" else None)
            if target in tables and guard != f"Owns{target}":
                found.append(f"{key} {target}")
            found += _unguarded(value, tables, guard)
    return found


def test_every_table_s_name_is_a_stack_parameter_and_everything_follows_it(built):
    from devtools.package import load_yaml

    _, transformed = built
    tables = {k for k, r in transformed["Resources"].items()
              if r["Type"] == "AWS::DynamoDB::Table"}
    own = load_yaml(ROOT / "infra" / "resources.yaml")["Resources"]
    assert tables == {k for k, r in own.items() if r["Type"] == "AWS::DynamoDB::Table"}
    for table in tables:  # a table added later gets its parameter too
        assert transformed["Parameters"][f"Restored{table}"]["Default"] == ""
        assert transformed["Resources"][table]["Condition"] == f"Owns{table}"
    others = {k: r for k, r in transformed["Resources"].items() if k not in tables}
    assert _unguarded(others, tables) == [] and _unguarded(transformed["Outputs"], tables) == []

    switched = Evaluator(transformed, {"RestoredDeliveriesTable": RESTORED,
                                       "RestoredDeliveriesTableStream": STREAM})
    assert not switched.condition("OwnsDeliveriesTable")  # retained, left out of the stack
    assert transformed["Resources"]["DeliveriesTable"]["DeletionPolicy"] == "Retain"
    assert switched.condition("OwnsRegistrantsTable")
    functions = {k: r["Properties"] for k, r in transformed["Resources"].items()
                 if r["Type"] == "AWS::Lambda::Function"}
    for properties in functions.values():
        variables = properties["Environment"]["Variables"]
        if "DELIVERIES_TABLE" in variables:
            assert switched(variables["DELIVERIES_TABLE"]) == RESTORED
            assert switched(variables["REGISTRANTS_TABLE"]) == "<RegistrantsTable>"  # its own
    [mapping] = [r["Properties"] for r in transformed["Resources"].values()
                 if r["Type"] == "AWS::Lambda::EventSourceMapping"
                 and "DeliveriesTable" in json.dumps(r["Properties"]["EventSourceArn"])]
    assert switched(mapping["EventSourceArn"]) == STREAM  # the stream re-subscribed
    grants = json.dumps(switched(transformed["Resources"]["ApiHandlerRole"]["Properties"]))
    assert f"table/{RESTORED}" in grants and "table/ceo-prod-deliveries\"" not in grants
    forwarder = json.dumps(switched(
        transformed["Resources"]["ForwardDeliveriesRole"]["Properties"]))
    assert STREAM in forwarder
    unchanged = Evaluator(transformed, {})
    for properties in functions.values():
        variables = properties["Environment"]["Variables"]
        if "DELIVERIES_TABLE" in variables:
            assert unchanged(variables["DELIVERIES_TABLE"]) == "<DeliveriesTable>"  # its own
