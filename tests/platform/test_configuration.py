"""Configuration that cannot be wrong silently: prod refuses to start with placeholder
contact details or without the publication site's name; the public address comes from the
custom domain or the API itself; the helpdesk CLI reads a deployed stage from its stack."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from tests.support.cfn import NO_VALUE, Evaluator
from tests.support.stages import repo_stage

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"AWS_LAMBDA_FUNCTION_NAME": "aanlevermodule-ceo-prod", "STAGE": "prod",
        "HELPDESK_EMAIL": "helpdesk@ceo-gemeenten.nl", "HELPDESK_PHONE": "030 737 05 00",
        "PUBLICATION_SITE_NAME": "waarstaatjegemeente.nl",
        "PRIVACY_CONTROLLER": "Stichting CEO-gemeenten",
        "SECRET_KEY_PARAMETER": "/aanlevermodule-ceo/prod/secret-key",
        "DELIVERY_WINDOW": "cycle", "QUESTIONNAIRE": "ceo-wmo", "CURRENT_CYCLE": "2026",
        "BASE_URL": "https://aanleveren.ceo-gemeenten.nl",
        "MAIL_SENDER": "Aanlevermodule CEO <noreply@ceo-gemeenten.nl>"}


def test_a_prod_start_with_the_repository_s_placeholders_names_every_problem():
    from chalicelib.platform import startup

    assert startup.problems(GOOD) == []
    found = startup.problems({**repo_stage("prod"), "PUBLICATION_SITE_NAME": ""})
    assert any("HELPDESK_PHONE is the placeholder '070 123 45 67'" in p for p in found)
    assert any("HELPDESK_EMAIL is the placeholder 'helpdesk@aanlevermodule-ceo.nl'" in p
               for p in found)
    assert any("PUBLICATION_SITE_NAME is not set" in p for p in found)
    with pytest.raises(startup.ConfigurationError, match="prod stage refuses to start"):
        startup.require({**repo_stage("prod"), "AWS_LAMBDA_FUNCTION_NAME": "api"})
    startup.require(repo_stage("prod"))  # not in Lambda: `chalice package` imports the app


@pytest.mark.parametrize("change,problem", [
    ({"HELPDESK_PHONE": "+31 70 123 45 67"}, "HELPDESK_PHONE is the placeholder"),
    ({"HELPDESK_PHONE": "000 000 00 00"}, "HELPDESK_PHONE is the placeholder"),
    ({"HELPDESK_PHONE": ""}, "HELPDESK_PHONE is not set"),
    ({"HELPDESK_EMAIL": "helpdesk@example.nl"}, "HELPDESK_EMAIL is the placeholder"),
    # the local stage's own contact details (issue 24 §4): fine locally, never in prod
    ({"HELPDESK_EMAIL": "Helpdesk@aanlevermodule-ceo.nl"}, "HELPDESK_EMAIL is the placeholder"),
    ({"HELPDESK_PHONE": "070 123 45 67"}, "HELPDESK_PHONE is the placeholder"),
    ({"MAIL_SENDER": ""}, "MAIL_SENDER is not set"),
    ({"MAIL_SENDER": "noreply@ceo-gemeenten.nl"}, "write it as 'Name <address>'"),
    ({"MAIL_SENDER": "CEO <noreply@example.com>"}, "MAIL_SENDER is the placeholder"),
    ({"HELPDESK_EMAIL": ""}, "HELPDESK_EMAIL is not set"),
    ({"PUBLICATION_SITE_NAME": "  "}, "PUBLICATION_SITE_NAME is not set"),
    ({"PRIVACY_CONTROLLER": ""}, "PRIVACY_CONTROLLER is not set: the privacy statement must "
                                 "name who is responsible"),
    ({"PRIVACY_CONTROLLER": "De beheerder van de Aanlevermodule CEO."},
     "PRIVACY_CONTROLLER is the placeholder 'De beheerder van de Aanlevermodule CEO.'"),
    ({"PRIVACY_CONTROLLER": "<naam organisatie>"}, "PRIVACY_CONTROLLER is the placeholder"),
    ({"PRIVACY_CONTROLLER": "TODO"}, "PRIVACY_CONTROLLER is the placeholder"),
    ({"RETENTION_SCHEDULE": "ja"}, "RETENTION_SCHEDULE is 'ja': apply, dry-run or off"),
    ({"RETENTION_MAX_PER_RUN": "veel"}, "RETENTION_MAX_PER_RUN is 'veel'"),
    ({"BASE_URL": "http://aanleveren.ceo-gemeenten.nl"}, "is not https"),
    ({"SECRET_KEY_PARAMETER": ""}, "SECRET_KEY_PARAMETER is not set"),
    ({"CURRENT_CYCLE": "2031"}, "No sending window for ceo-wmo 2031"),
])
def test_each_problem_stops_prod_and_only_warns_on_dev(change, problem):
    from chalicelib.platform import startup

    with pytest.raises(startup.ConfigurationError, match=problem):
        startup.require({**GOOD, **change})
    startup.require({**GOOD, **change, "STAGE": "dev"})  # logged, not raised
    assert startup.problems({**GOOD, **change, "STAGE": "local"}) == []


def _import_app(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import app"], cwd=ROOT, capture_output=True, text=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT),
             "AWS_DEFAULT_REGION": "eu-central-1", **environment})


def test_the_prod_function_refuses_to_start_with_a_clear_error():
    refused = _import_app({**repo_stage("prod"), "PUBLICATION_SITE_NAME": "",
                           "AWS_LAMBDA_FUNCTION_NAME": "aanlevermodule-ceo-prod-APIHandler"})
    assert refused.returncode != 0
    assert "ConfigurationError: The prod stage refuses to start:" in refused.stderr
    assert "HELPDESK_PHONE is the placeholder '070 123 45 67'" in refused.stderr
    assert "PUBLICATION_SITE_NAME is not set" in refused.stderr
    assert "PRIVACY_CONTROLLER is not set" in refused.stderr  # the repository sets none
    started = _import_app({**repo_stage("prod"), **GOOD})
    assert started.returncode == 0, started.stderr


def test_pages_and_mails_name_the_publication_site(monkeypatch):
    from chalicelib.platform.rendering import environment

    sentence = environment().from_string("naar {{ publication_site.phrase }}. "
                                         "{{ publication_site.Phrase }} toont")
    monkeypatch.delenv("PUBLICATION_SITE_NAME", raising=False)
    assert sentence.render() == "naar de publicatiesite. De publicatiesite toont"
    monkeypatch.setenv("PUBLICATION_SITE_NAME", "waarstaatjegemeente.nl")
    assert sentence.render() == ("naar de publicatiesite waarstaatjegemeente.nl. "
                                 "De publicatiesite waarstaatjegemeente.nl toont")
    templates = ROOT / "templates"
    using = {p.relative_to(templates).as_posix() for p in templates.rglob("*.*")
             if "publication_site." in p.read_text(encoding="utf-8")}
    assert using >= {"confirmation.html", "review.html", "helpdesk/withdraw.html",
                     "mail/withdrawn.html", "mail/withdrawn.txt"}
    unnamed = [p.name for p in templates.rglob("*.*")
               if "publicatiesite" in p.read_text(encoding="utf-8").lower()]
    assert unnamed == []  # every mention goes through the global


# --- the public address ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def template():
    from devtools import package

    return json.loads(json.dumps(package.merge_template("prod")))  # stack + resources


@pytest.fixture(scope="module")
def transformed(prod_package):
    return (json.loads((prod_package / "sam.json").read_text()),
            json.loads((prod_package / "transformed.json").read_text()))


@pytest.mark.parametrize("parameters,web,elsewhere", [
    ({}, None, "https://abc123.execute-api.eu-central-1.amazonaws.com/api"),
    ({"DomainName": "aanleveren.ceo-gemeenten.nl"}, "https://aanleveren.ceo-gemeenten.nl",
     "https://aanleveren.ceo-gemeenten.nl"),
    ({"DomainName": "www.ceo-gemeenten.nl", "BasePath": "aanleveren"},
     "https://www.ceo-gemeenten.nl/aanleveren", "https://www.ceo-gemeenten.nl/aanleveren"),
])
def test_base_url_comes_from_the_custom_domain_or_the_api(transformed, parameters, web,
                                                          elsewhere):
    sam, _ = transformed
    evaluate = Evaluator(sam, parameters, {"RestAPI": "abc123"})
    resources = sam["Resources"]
    value = evaluate(resources["APIHandler"]["Properties"]["Environment"]["Variables"][
        "BASE_URL"])
    assert (None if value is NO_VALUE else value) == web  # None: from each request
    for function in ("DeliverMail", "ForwardDeliveries", "HandleMailEvents"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert evaluate(variables["BASE_URL"]) == elsewhere, function
    assert evaluate(sam["Outputs"]["BaseUrl"]["Value"]) == elsewhere
    assert evaluate.condition("HasCustomDomain") == bool(parameters)


def test_the_web_function_never_names_its_own_api(transformed):
    # The API's definition names the function (its integration URI): a reference back from
    # the function's environment would be a circular dependency CloudFormation refuses.
    sam, _ = transformed
    variables = json.dumps(sam["Resources"]["APIHandler"]["Properties"]["Environment"])
    assert "RestAPI" not in variables


def test_the_custom_domain_maps_the_generated_stage_and_needs_its_certificate(transformed):
    sam, final = transformed
    mapping = final["Resources"]["ApiBasePathMapping"]
    stages = [k for k, r in final["Resources"].items() if r["Type"] == "AWS::ApiGateway::Stage"]
    # RestAPI.Stage: the mapping waits for the stage SAM generates, not only the API
    assert mapping["Properties"]["Stage"] == {"Ref": stages[0]}
    assert mapping["Condition"] == final["Resources"]["ApiDomain"]["Condition"] == \
        "HasCustomDomain"
    domain = final["Resources"]["ApiDomain"]["Properties"]
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}  # cert in this region
    assert domain["RegionalCertificateArn"] == {"Ref": "CertificateArn"}
    [rule] = [r for r in final["Rules"].values()
              if r["RuleCondition"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"},
                                                                      ""]}]}]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}
    for name in ("DomainName", "CertificateArn", "BasePath"):
        assert sam["Parameters"][name]["Default"] == ""  # optional
    for name in ("HelpdeskEmail", "HelpdeskPhone", "PublicationSiteName", "PrivacyController"):
        assert "Default" not in sam["Parameters"][name]  # a deploy without them fails


def test_the_stack_outputs_what_the_cli_reads(transformed):
    from chalicelib.cli import stage

    sam, _ = transformed
    assert set(stage.OUTPUTS) <= set(sam["Outputs"])
    assert set(stage.PARAMETERS) <= set(sam["Parameters"])
    for function in ("APIHandler", "DeliverMail", "ForwardDeliveries", "HandleMailEvents"):
        variables = sam["Resources"][function]["Properties"]["Environment"]["Variables"]
        for parameter, variable in stage.PARAMETERS.items():
            assert variables[variable] == {"Ref": parameter}, (function, variable)


def _api_event(path: str) -> dict:
    return {"resource": path, "path": path, "httpMethod": "GET",
            "headers": {"Host": "evil.example", "Accept": "text/html"},
            "multiValueHeaders": {"Host": ["evil.example"], "Accept": ["text/html"]},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "body": None,
            "isBase64Encoded": False,
            "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": f"/api{path}",
                               "stage": "api", "requestId": "req-1",
                               "domainName": "abc123.execute-api.eu-central-1.amazonaws.com",
                               "identity": {"sourceIp": "192.0.2.1"}}}


def test_without_a_custom_domain_links_follow_the_address_api_gateway_names(
        aws, app_module, monkeypatch):
    from chalicelib.platform import config
    from chalicelib.web import responses
    from devtools.stream_pump import LambdaContext

    monkeypatch.setenv("STAGE", "dev")
    monkeypatch.setenv("SECRET_KEY", "test-key")
    monkeypatch.delenv("BASE_URL", raising=False)
    page = app_module.app(_api_event("/nieuwe-link"), LambdaContext("api"))
    assert page["statusCode"] == 200
    assert 'action="/api/nieuwe-link"' in page["body"]
    assert "evil.example" not in page["body"]  # never the client's Host header
    seen = []
    event = _api_event("/nieuwe-link")
    responses.with_public_address(type("R", (), {"context": event["requestContext"]})(),
                                  lambda request: seen.append(config.base_url()))
    assert seen == ["https://abc123.execute-api.eu-central-1.amazonaws.com/api"]
    assert config.base_url() == "http://127.0.0.1:8000"  # only during that request
    monkeypatch.setenv("BASE_URL", "https://www.ceo-gemeenten.nl/aanleveren")
    page = app_module.app(_api_event("/nieuwe-link"), LambdaContext("api"))
    assert 'action="/aanleveren/nieuwe-link"' in page["body"]


# --- the helpdesk CLI on a deployed stage ---------------------------------------------------

def _dev_stack(aws) -> None:
    """A stage's stack in moto: the tables and queues of infra/resources.yaml for dev, with the
    outputs and parameters the full stack adds (moto cannot deploy all of it; see
    test_deployment.py)."""
    from devtools.package import load_yaml

    template = load_yaml(ROOT / "infra" / "resources.yaml")
    template["Parameters"].update({name: {"Type": "String"} for name in
                                   ("HelpdeskEmail", "HelpdeskPhone", "PublicationSiteName")})
    template["Outputs"].update({
        "BaseUrl": {"Value": "https://aanleveren.ceo-gemeenten.nl"},
        "HelpdeskUserPoolId": {"Value": os.environ["HELPDESK_USER_POOL_ID"]},
        "HelpdeskClientId": {"Value": os.environ["HELPDESK_CLIENT_ID"]}})
    boto3.client("cloudformation").create_stack(
        StackName="aanlevermodule-ceo-dev", TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
            "Stage": "dev", "HelpdeskEmail": "helpdesk@ceo-gemeenten.nl",
            "HelpdeskPhone": "030 737 05 00",
            "PublicationSiteName": "waarstaatjegemeente.nl"}.items()])


def test_the_stage_s_variables_come_from_its_stack(aws):
    from chalicelib.cli import stage

    with pytest.raises(stage.StageError, match="No stack aanlevermodule-ceo-dev in "
                                               "eu-central-1: deploy it first"):
        stage.environment("dev", "eu-central-1")
    _dev_stack(aws)
    variables = stage.environment("dev", "eu-central-1")
    assert variables["DELIVERIES_TABLE"] == "ceo-dev-deliveries"
    assert variables["FORWARD_FAILURES_QUEUE_URL"].endswith("/ceo-dev-forward-failures")
    assert variables["BASE_URL"] == "https://aanleveren.ceo-gemeenten.nl"
    assert variables["HELPDESK_PHONE"] == "030 737 05 00"
    assert variables["STAGE"] == "dev" and variables["DELIVERY_WINDOW"] == "open"
    assert variables["MAIL_SENDER"] == repo_stage("dev")["MAIL_SENDER"]
    with pytest.raises(stage.StageError, match="bound before --stage"):
        stage.apply(variables)  # this process bound the local tables long ago


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_cli_with_stage_works_on_the_deployed_tables(aws, app_module):
    """Run as an operator runs it: a fresh process, AWS behind an endpoint (moto's server,
    sharing this test's state), only --stage to say where."""
    from moto.server import ThreadedMotoServer

    from tests.support.feed import deliver, make_registrant

    _dev_stack(aws)
    deliver(make_registrant(codes=("GM0014",)))  # in the local tables
    dynamodb = boto3.client("dynamodb")
    for table in ("deliveries", "scope-state"):
        for item in dynamodb.scan(TableName=f"ceo-local-{table}")["Items"]:
            item = json.loads(json.dumps(item).replace("GM0014", "GM0034")
                              .replace("Groningen", "Almere"))
            dynamodb.put_item(TableName=f"ceo-dev-{table}", Item=item)  # only dev has GM0034
    boto3.client("sqs").send_message(
        QueueUrl=boto3.client("sqs").get_queue_url(
            QueueName="ceo-dev-forward-failures")["QueueUrl"], MessageBody="{}")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.endswith(("_TABLE", "_URL"))
               and k not in ("STAGE", "PUBLICATION_BUCKET", "HELPDESK_USER_POOL_ID",
                             "HELPDESK_CLIENT_ID")}
        env["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{port}"

        def cli(*args):
            return subprocess.run([sys.executable, "-m", "chalicelib.cli", *args],
                                  cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=120)

        found = cli("--stage", "dev", "lookup", "GM0034")
        assert found.returncode == 0, found.stderr
        assert "GM0034\tAlmere\ttelt nu: GM0034-2026-1\taanleveringen: 1" in found.stdout
        local = cli("lookup", "GM0034")  # without --stage: the local tables, where it is not
        assert "telt nu: -\taanleveringen: 0" in local.stdout, local.stderr
        queued = cli("--stage", "dev", "replay-failures", "--dry-run")
        assert "wachtrij: 1 bericht(en)" in queued.stdout, queued.stderr
        missing = cli("--stage", "prod", "lookup", "GM0034")
        assert missing.returncode == 2
        assert "No stack aanlevermodule-ceo-prod in eu-central-1" in missing.stderr
    finally:
        server.stop()
