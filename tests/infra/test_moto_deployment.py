"""The template as CloudFormation deploys it (after the SAM transform, as `./dev package`
writes it), deployed into moto's CloudFormation: the stack is created, and what it created is
wired the way the template means (event sources, environments, roles, queues, the dashboard,
the outputs the helpdesk CLI reads).

Where moto stops, and what this test does instead (`STAND_INS`; the test fails when moto's
support changes, so the list stays true):
- moto's CloudFormation has no model for these types: they are left out, and references to
  them stand in as fixed names ("stand-in-<LogicalId>") — CloudWatch alarms, the log metric
  filter, the API's Stage, custom domain and base path mapping, CloudFront, the bucket and
  topic policies, the reconcile queue's policy, SNS subscriptions, the SES configuration set and
its event destination, WAF, API Gateway's account setting.
  Their properties are checked offline instead (test_infra.py, test_operations.py,
  test_configuration.py) and cfn-lint'ed before and after the transform.
- Cognito (user pool, client, group) has no model either, but moto's Cognito API does: they
  are created through it from the template's own properties, and the stack refers to them.
- `AWS::ApiGateway::Deployment` has a model, but moto's RestApi ignores the OpenAPI `Body` the
  SAM transform puts in (it imports no methods), and a deployment of an API without methods is
  refused ("The REST API doesn't contain any methods"): left out with the stage.
Nothing here runs a function: moto creates Lambda functions without executing them.
"""
from __future__ import annotations

import ast
import json
import re

import boto3
import pytest

from tests.support.cfn import Evaluator

# moto warns once per type it cannot parse; which ones is what test_moto_stops_only_... checks
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
STACK = "aanlevermodule-ceo-prod"
PARAMETERS = {"AlarmEmail": "beheer@ceo-gemeenten.nl",
              "HelpdeskEmail": "helpdesk@ceo-gemeenten.nl", "HelpdeskPhone": "030 737 05 00",
              "PublicationSiteName": "waarstaatjegemeente.nl",
              "PrivacyController": "Stichting CEO-gemeenten"}
NO_MODEL = {
    "AWS::ApiGateway::BasePathMapping", "AWS::ApiGateway::DomainName", "AWS::ApiGateway::Stage",
    "AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudWatch::Alarm", "AWS::Logs::MetricFilter", "AWS::S3::BucketPolicy",
    "AWS::SES::ConfigurationSet", "AWS::SES::ConfigurationSetEventDestination",
    "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation", "AWS::Budgets::Budget", "AWS::Lambda::Alias",
    "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup",
    "AWS::ApiGateway::Account",  # the access logs' CloudWatch role (test_day_one.py)
}
STAND_INS = NO_MODEL | {"AWS::ApiGateway::Deployment"}  # its API has no methods in moto


@pytest.fixture(scope="module")
def built(prod_package):
    return prod_package, json.loads((prod_package / "transformed.json").read_text())


def _cognito(template: dict) -> dict[str, str]:
    """The helpdesk pool, client and group made through moto's Cognito API from the
    template's own properties; {reference: value} for the stack to use."""
    resources = template["Resources"]
    pool_props = resources["HelpdeskUserPool"]["Properties"]
    cognito = boto3.client("cognito-idp")
    pool = cognito.create_user_pool(
        PoolName=pool_props["UserPoolName"]["Fn::Sub"].replace("${Stage}", "prod"),
        MfaConfiguration=pool_props["MfaConfiguration"],
        AdminCreateUserConfig=Evaluator(template, PARAMETERS)(
            pool_props["AdminCreateUserConfig"]),  # the invitation names the sign-in page
        UsernameAttributes=pool_props["UsernameAttributes"],
        Policies=pool_props["Policies"])["UserPool"]
    client_props = resources["HelpdeskUserPoolClient"]["Properties"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName=client_props["ClientName"],
        GenerateSecret=client_props["GenerateSecret"],
        ExplicitAuthFlows=client_props["ExplicitAuthFlows"])["UserPoolClient"]
    cognito.create_group(UserPoolId=pool["Id"],
                         GroupName=resources["HelpdeskGroup"]["Properties"]["GroupName"])
    return {"HelpdeskUserPool": pool["Id"], "HelpdeskUserPool.Arn": pool["Arn"],
            "HelpdeskUserPoolClient": client["ClientId"]}


def for_moto(template: dict, made: dict[str, str]) -> tuple[dict, set[str]]:
    """The template without what moto cannot create; references to those become the values
    made through an API (Cognito) or fixed stand-in names."""
    left_out = {k for k, r in template["Resources"].items() if r["Type"] in STAND_INS}
    aliased = {k: r["Properties"]["FunctionName"]["Ref"] for k, r in
               template["Resources"].items() if r["Type"] == "AWS::Lambda::Alias"}

    def value(logical: str, attribute: str | None = None) -> str:
        key = f"{logical}.{attribute}" if attribute else logical
        return made.get(key) or (f"arn:aws:stand-in:eu-central-1:123456789012:{key}"
                                 if attribute else f"stand-in-{logical}")

    def swap(node):
        if isinstance(node, list):
            return [swap(n) for n in node]
        if not isinstance(node, dict):
            return node
        if list(node) == ["Ref"] and node["Ref"] in aliased:
            return {"Fn::GetAtt": [aliased[node["Ref"]], "Arn"]}
        if list(node) == ["Ref"] and node["Ref"] in left_out:
            return value(node["Ref"])
        if list(node) == ["Fn::GetAtt"] and node["Fn::GetAtt"][0] in left_out:
            return value(*node["Fn::GetAtt"])
        if list(node) == ["Fn::Sub"]:
            sub = node["Fn::Sub"]
            text = sub if isinstance(sub, str) else sub[0]
            text = re.sub(r"\$\{([A-Za-z0-9]+)\}",
                          lambda m: f"${{{aliased[m.group(1)]}.Arn}}"
                          if m.group(1) in aliased else m.group(0), text)
            text = re.sub(r"\$\{([A-Za-z0-9]+)(?:\.([A-Za-z.]+))?\}",
                          lambda m: value(m.group(1), m.group(2)) if m.group(1) in left_out
                          else m.group(0), text)
            return {"Fn::Sub": text if isinstance(sub, str) else [text, swap(sub[1])]}
        return {k: swap(v) for k, v in node.items()}

    deployable = dict(template)
    deployable["Resources"] = {k: swap(r) for k, r in template["Resources"].items()
                               if k not in left_out}
    deployable["Outputs"] = swap(template["Outputs"])
    return deployable, left_out


@pytest.fixture()
def deployed(aws, built):
    target, template = built
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="artifact-bucket",
                     CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="artifact-bucket", Key="0123456789abcdef",  # package.as_packaged
                  Body=(target / "deployment.zip").read_bytes())
    deployable, left_out = for_moto(template, _cognito(template))
    cloudformation = boto3.client("cloudformation")
    cloudformation.create_stack(
        StackName=STACK, TemplateBody=json.dumps(deployable),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()])
    stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
    return template, left_out, stack


def test_moto_stops_only_where_this_test_says(built):
    from moto.cloudformation.parsing import get_model_map

    _, template = built
    types = {r["Type"] for r in template["Resources"].values()}
    unsupported = {t for t in types if t not in get_model_map()}
    assert unsupported == NO_MODEL & types, "moto's support changed: update STAND_INS"


def test_the_transformed_template_deploys_into_moto(deployed):
    template, left_out, stack = deployed
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    created = {r["LogicalResourceId"]: r["ResourceStatus"] for r in
               boto3.client("cloudformation").list_stack_resources(
                   StackName=STACK)["StackResourceSummaries"]}
    evaluate = Evaluator(template, PARAMETERS)
    conditional = {k for k, r in template["Resources"].items()  # left out by a false condition
                   if "Condition" in r and not evaluate.condition(r["Condition"])}
    assert "DeliveriesTable" in created  # conditional on RestoredDeliveriesTable, which is empty
    assert set(created) == set(template["Resources"]) - left_out - conditional
    assert set(created.values()) == {"CREATE_COMPLETE"}
    assert len(created) >= 35  # tables, queues, functions, roles, API, topics, key, logs, ...


def test_the_stream_and_the_mail_queue_drive_their_functions_as_declared(deployed):
    lam = boto3.client("lambda")
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    by_source = {m["EventSourceArn"].split(":")[5].split("/")[0 if "sqs" in
                                                             m["EventSourceArn"] else 1]: m
                 for m in mappings}
    stream = by_source["ceo-prod-deliveries"]
    assert "ForwardDeliveries" in stream["FunctionArn"]
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert (stream["MaximumRetryAttempts"], stream["BisectBatchOnFunctionError"],
            stream["MaximumRecordAgeInSeconds"]) == (5, True, 86400)
    assert stream["DestinationConfig"]["OnFailure"]["Destination"].endswith(
        ":ceo-prod-forward-failures")
    counter = by_source["ceo-prod-responses"]  # clients' responses counted (issue 28)
    assert "CountResponses" in counter["FunctionArn"]
    assert counter["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert counter["DestinationConfig"]["OnFailure"]["Destination"].endswith(
        ":ceo-prod-count-failures")
    mail = by_source["ceo-prod-mail"]
    assert "DeliverMail" in mail["FunctionArn"] and mail["BatchSize"] == 10
    assert mail["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="ceo-prod-mail")["QueueUrl"]
    redrive = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":ceo-prod-mail-dead-letters")
    reconcile = by_source["ceo-prod-reconcile"]  # the schedule and the helpdesk queue here
    assert "ReconcileFeed" in reconcile["FunctionArn"] and reconcile["BatchSize"] == 1
    assert reconcile["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    events = boto3.client("events")
    [rule] = [r for r in events.list_rules()["Rules"]
              if any(t["Arn"].endswith(":ceo-prod-reconcile")
                     for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"])]
    assert rule["ScheduleExpression"] == "rate(15 minutes)"
    # the daily schedules invoke their functions directly
    scheduled = {target["Arn"].rsplit(":", 1)[1].split("-")[3]: r["ScheduleExpression"]
                 for r in events.list_rules()["Rules"]
                 for target in events.list_targets_by_rule(Rule=r["Name"])["Targets"]
                 if ":function:" in target["Arn"]}
    assert scheduled == {"SendReminders": "cron(0 5 * * ? *)",
                         "ApplyRetention": "cron(30 2 * * ? *)",
                         "SendClientReminders": "cron(0 8 * * ? *)"}


def test_functions_get_the_parameters_and_their_public_address(deployed):
    _, _, stack = deployed
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    lam = boto3.client("lambda")
    functions = {f["FunctionName"].split("-")[3]: f for f in lam.list_functions()["Functions"]}
    assert set(functions) == {"APIHandler", "ForwardDeliveries", "DeliverMail",
                              "HandleMailEvents", "SendReminders", "ReconcileFeed",
                              "ApplyRetention", "CountResponses", "SendClientReminders"}
    api_id = outputs["RestAPIId"]
    for name, function in functions.items():
        variables = function["Environment"]["Variables"]
        assert variables["HELPDESK_PHONE"] == PARAMETERS["HelpdeskPhone"], name
        assert variables["PUBLICATION_SITE_NAME"] == PARAMETERS["PublicationSiteName"], name
        assert variables["PRIVACY_CONTROLLER"] == PARAMETERS["PrivacyController"], name
        assert variables["STAGE"] == "prod" and "DELIVERY_OPENS" not in variables, name
        if name == "APIHandler":
            assert "BASE_URL" not in variables  # from each request's API Gateway context
        else:
            assert variables["BASE_URL"] == \
                f"https://{api_id}.execute-api.eu-central-1.amazonaws.com/api", name
    assert outputs["BaseUrl"] == f"https://{api_id}.execute-api.eu-central-1.amazonaws.com/api"
    api = functions["APIHandler"]["Environment"]["Variables"]
    assert api["HELPDESK_USER_POOL_ID"] == outputs["HelpdeskUserPoolId"]
    assert api["MAIL_QUEUE_URL"] == outputs["MailQueueUrl"]
    reserved = lam.get_function_concurrency(
        FunctionName=functions["ForwardDeliveries"]["FunctionName"])
    assert reserved.get("ReservedConcurrentExecutions") == 2


def test_each_role_names_the_deployed_resources(deployed):
    iam = boto3.client("iam")
    lam = boto3.client("lambda")
    forwarder = next(f for f in lam.list_functions()["Functions"]
                     if "ForwardDeliveries" in f["FunctionName"])
    role = forwarder["Role"].rsplit("/", 1)[1]
    [name] = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    if isinstance(document, str):  # moto keeps a CloudFormation inline policy as repr()
        document = ast.literal_eval(document)
    statements = {s["Sid"]: s for s in document["Statement"]}
    assert statements["Publish"]["Resource"] == \
        "arn:aws:s3:::ceo-prod-publication-123456789012/*"
    assert statements["DeadLetters"]["Resource"] == \
        "arn:aws:sqs:eu-central-1:123456789012:ceo-prod-forward-failures"
    assert statements["WebhookSecret"]["Resource"].endswith(
        ":parameter/aanlevermodule-ceo/prod/webhook-secret")


def test_logs_are_kept_and_the_dashboard_is_valid_once_substituted(deployed):
    logs = boto3.client("logs")
    groups = {g["logGroupName"]: g for g in logs.describe_log_groups(
        logGroupNamePrefix="/aws/lambda/aanlevermodule-ceo-prod")["logGroups"]}
    functions = boto3.client("lambda").list_functions()["Functions"]
    assert len(functions) == 9  # web, two stream readers, six queue and schedule workers
    assert len(groups) == len(functions)  # every function's log group, each kept a year
    assert {g.get("retentionInDays") for g in groups.values()} == {365}
    body = json.loads(boto3.client("cloudwatch").get_dashboard(
        DashboardName="ceo-prod")["DashboardBody"])  # CloudFormation's substitution, parsed
    text = json.dumps(body)
    assert "ceo-prod-forward-failures" in text and "aanlevermodule-ceo-prod-APIHandler" in text
    assert "${" not in text


def test_the_helpdesk_cli_reads_this_stack(deployed):
    from chalicelib.cli import stage

    variables = stage.environment("prod", "eu-central-1")
    assert variables["DELIVERIES_TABLE"] == "ceo-prod-deliveries"
    assert variables["RECONCILE_QUEUE_URL"].endswith("/ceo-prod-reconcile")
    assert variables["PUBLICATION_REFUSALS_QUEUE_URL"].endswith("/ceo-prod-publication-refused")
    assert variables["FEED_CHANGES_TOPIC_ARN"].endswith(":ceo-prod-feed-changes")
    assert variables["FORWARD_FAILURES_QUEUE_URL"].endswith("/ceo-prod-forward-failures")
    assert variables["HELPDESK_PHONE"] == PARAMETERS["HelpdeskPhone"]
    assert variables["BASE_URL"].endswith(".execute-api.eu-central-1.amazonaws.com/api")
    assert variables["HELPDESK_USER_POOL_ID"].startswith("eu-central-1_")
