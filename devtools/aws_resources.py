"""Creates the app's AWS resources in moto from infra/resources.yaml (the one definition that
deployment uses too), and verifies the mail sender. Development and tests only."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "infra" / "resources.yaml"
SENDER_DOMAIN = "aanlevermodule-ceo.nl"


def deploy(stage: str = "local", region: str = "eu-central-1") -> dict[str, str]:
    """Deploys the stack and returns its outputs (table and bucket names)."""
    cloudformation = boto3.client("cloudformation", region_name=region)
    stack = f"ceo-{stage}"
    cloudformation.create_stack(StackName=stack, TemplateBody=RESOURCES.read_text(),
                                Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage}])
    description = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    if description["StackStatus"] != "CREATE_COMPLETE":
        raise RuntimeError(f"stack {stack} ended as {description['StackStatus']}")
    boto3.client("ses", region_name=region).verify_domain_identity(Domain=SENDER_DOMAIN)
    return {output["OutputKey"]: output["OutputValue"] for output in description["Outputs"]}


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
        "IDEMPOTENCY_TABLE": outputs["IdempotencyTableName"],
        "PUBLICATION_BUCKET": outputs["PublicationBucketName"],
    }
