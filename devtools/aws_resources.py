"""Creates the app's AWS resources in moto from infra/resources.yaml (the one definition that
deployment uses too), and verifies the mail sender. Development and tests only."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "infra" / "resources.yaml"


def deploy(stage: str = "local", region: str = "eu-central-1") -> dict[str, str]:
    """Deploys the stack and returns its outputs (table and bucket names)."""
    cloudformation = boto3.client("cloudformation", region_name=region)
    stack = f"ceo-{stage}"
    cloudformation.create_stack(StackName=stack, TemplateBody=RESOURCES.read_text(),
                                Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage}])
    description = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    if description["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack} ended as {description['StackStatus']}")
    from .package import sender_domain

    # the stage's MAIL_SENDER is the one setting of the sender's domain (local's for a test
    # stack that has none of its own)
    try:
        domain = sender_domain(stage)
    except KeyError:
        domain = sender_domain("local")
    boto3.client("ses", region_name=region).verify_domain_identity(Domain=domain)
    outputs = {output["OutputKey"]: output["OutputValue"] for output in description["Outputs"]}
    _apply_bucket_cors(outputs["PublicationBucketName"], region)
    return outputs


@cache
def _cors_rules() -> tuple[dict[str, Any], ...]:
    """The publication bucket's CORS rules in the API's names, read once per process (the
    tests deploy the stack for every test)."""
    from devtools.package import load_yaml

    properties = load_yaml(RESOURCES)["Resources"]["PublicationBucket"]["Properties"]
    api_names = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
    return tuple({api_names.get(key, key): value for key, value in rule.items()}
                 for rule in properties.get("CorsConfiguration", {}).get("CorsRules", []))


def _apply_bucket_cors(bucket: str, region: str) -> None:
    """moto's CloudFormation leaves out a bucket's CorsConfiguration: applied here, from the
    same template."""
    rules = [dict(rule) for rule in _cors_rules()]
    if rules:
        boto3.client("s3", region_name=region).put_bucket_cors(
            Bucket=bucket, CORSConfiguration={"CORSRules": rules})


HELPDESK_GROUP = "helpdesk"


def create_helpdesk_pool(stage: str = "local", region: str = "eu-central-1") -> dict[str, str]:
    """The helpdesk's Cognito user pool, app client and group, as infra/stack.yaml declares
    them (moto's CloudFormation has no Cognito, so they are made here for local use)."""
    cognito = boto3.client("cognito-idp", region_name=region)
    pool = cognito.create_user_pool(
        PoolName=f"ceo-{stage}-helpdesk", MfaConfiguration="OPTIONAL",
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True,
                                     "RequireLowercase": True, "RequireNumbers": True,
                                     "RequireSymbols": False}})["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="aanlevermodule", GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]
    cognito.create_group(UserPoolId=pool["Id"], GroupName=HELPDESK_GROUP)
    return {"HELPDESK_USER_POOL_ID": pool["Id"], "HELPDESK_CLIENT_ID": client["ClientId"]}


def create_helpdesk_user(pool: dict[str, str], email: str, password: str,
                         group: str | None = HELPDESK_GROUP,
                         region: str = "eu-central-1") -> None:
    cognito = boto3.client("cognito-idp", region_name=region)
    cognito.admin_create_user(UserPoolId=pool["HELPDESK_USER_POOL_ID"], Username=email,
                              UserAttributes=[{"Name": "email", "Value": email},
                                              {"Name": "email_verified", "Value": "true"}],
                              MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool["HELPDESK_USER_POOL_ID"], Username=email,
                                    Password=password, Permanent=True)
    if group:
        cognito.admin_add_user_to_group(UserPoolId=pool["HELPDESK_USER_POOL_ID"],
                                        Username=email, GroupName=group)


def environment_for(outputs: dict[str, str]) -> dict[str, Any]:
    """The app's environment variables that point at the deployed resources."""
    return {
        "REGISTRANTS_TABLE": outputs["RegistrantsTableName"],
        "LOOKUPS_TABLE": outputs["LookupsTableName"],
        "RATE_LIMITS_TABLE": outputs["RateLimitsTableName"],
        "DRAFTS_TABLE": outputs["DraftsTableName"],
        "PENDING_INPUT_TABLE": outputs["PendingInputTableName"],
        "MEMBERSHIPS_TABLE": outputs["MembershipsTableName"],
        "DELIVERIES_TABLE": outputs["DeliveriesTableName"],
        "SCOPE_STATE_TABLE": outputs["ScopeStateTableName"],
        "AUDIT_TABLE": outputs["AuditTableName"],
        "HELD_TABLE": outputs["HeldTableName"],
        "HELPDESK_SESSIONS_TABLE": outputs["HelpdeskSessionsTableName"],
        "MEASUREMENTS_TABLE": outputs["MeasurementsTableName"],
        "INVITERS_TABLE": outputs["InvitersTableName"],
        "INVITATIONS_TABLE": outputs["InvitationsTableName"],
        "RESPONSES_TABLE": outputs["ResponsesTableName"],
        "RESULTS_TABLE": outputs["ResultsTableName"],
        "MAIL_QUEUE_URL": outputs["MailQueueUrl"],
        "CONTACT_LIST_QUEUE_URL": outputs["ContactListQueueUrl"],
        "FORWARD_FAILURES_QUEUE_URL": outputs["ForwardFailuresQueueUrl"],
        "RECONCILE_QUEUE_URL": outputs["ReconcileQueueUrl"],
        "PUBLICATION_REFUSALS_QUEUE_URL": outputs["PublicationRefusalsQueueUrl"],
        "FEED_CHANGES_TOPIC_ARN": outputs["FeedChangesTopicArn"],
        "PUBLICATION_BUCKET": outputs["PublicationBucketName"],
    }
