"""A deployed stage's settings for the helpdesk CLI (`--stage prod`): the stack's outputs and
parameters, read with CloudFormation DescribeStacks, as the variables the app reads, over the
stage's variables in .chalice/config.json. Without it the CLI would use the local table names
and a localhost link base, silently."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CONFIG = Path(__file__).resolve().parent.parent.parent / ".chalice" / "config.json"

# stack output -> variable; every one is required
OUTPUTS = {
    "RegistrantsTableName": "REGISTRANTS_TABLE",
    "LookupsTableName": "LOOKUPS_TABLE",
    "RateLimitsTableName": "RATE_LIMITS_TABLE",
    "DraftsTableName": "DRAFTS_TABLE",
    "PendingInputTableName": "PENDING_INPUT_TABLE",
    "MembershipsTableName": "MEMBERSHIPS_TABLE",
    "DeliveriesTableName": "DELIVERIES_TABLE",
    "ScopeStateTableName": "SCOPE_STATE_TABLE",
    "AuditTableName": "AUDIT_TABLE",
    "HeldTableName": "HELD_TABLE",
    "HelpdeskSessionsTableName": "HELPDESK_SESSIONS_TABLE",
    "MeasurementsTableName": "MEASUREMENTS_TABLE",
    "InvitersTableName": "INVITERS_TABLE",
    "InvitationsTableName": "INVITATIONS_TABLE",
    "ResponsesTableName": "RESPONSES_TABLE",
    "ResultsTableName": "RESULTS_TABLE",
    "MailQueueUrl": "MAIL_QUEUE_URL",
    "ContactListQueueUrl": "CONTACT_LIST_QUEUE_URL",
    "MailDeadLetterQueueUrl": "MAIL_DEAD_LETTER_QUEUE_URL",
    "ForwardFailuresQueueUrl": "FORWARD_FAILURES_QUEUE_URL",
    "CountFailuresQueueUrl": "COUNT_FAILURES_QUEUE_URL",
    "ReconcileQueueUrl": "RECONCILE_QUEUE_URL",
    "PublicationRefusalsQueueUrl": "PUBLICATION_REFUSALS_QUEUE_URL",
    "FeedChangesTopicArn": "FEED_CHANGES_TOPIC_ARN",
    "PublicationBucketName": "PUBLICATION_BUCKET",
    "HelpdeskUserPoolId": "HELPDESK_USER_POOL_ID",
    "HelpdeskClientId": "HELPDESK_CLIENT_ID",
    "BaseUrl": "BASE_URL",
}
# stack parameter -> variable (what the functions get from the same parameters)
PARAMETERS = {
    "HelpdeskEmail": "HELPDESK_EMAIL",
    "HelpdeskPhone": "HELPDESK_PHONE",
    "PublicationSiteName": "PUBLICATION_SITE_NAME",
    "PrivacyController": "PRIVACY_CONTROLLER",
}


class StageError(Exception):
    """The stage's stack cannot be read, or lacks what the CLI needs."""


def stack_name(stage: str) -> str:
    """The name `./dev deploy STAGE` gives the stack."""
    return f"aanlevermodule-ceo-{stage}"


def _config_variables(stage: str) -> dict[str, str]:
    if not CONFIG.is_file():
        return {}
    config = json.loads(CONFIG.read_text())
    stages = config.get("stages", {})
    if stage not in stages:
        raise StageError(f"No stage {stage!r} in .chalice/config.json")
    return {**config.get("environment_variables", {}),
            **stages[stage].get("environment_variables", {})}


def environment(stage: str, region: str, name: str | None = None,
                cloudformation: Any = None) -> dict[str, str]:
    """The variables that point the app's code at the deployed stage."""
    if cloudformation is None:
        import boto3

        cloudformation = boto3.client("cloudformation", region_name=region)
    name = name or stack_name(stage)
    try:
        [stack] = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise StageError(f"No stack {name} in {region}: deploy it first (./dev deploy "
                         f"{stage}), or name it with --stack-name "
                         f"({error.response['Error'].get('Message', '')})") from error
    if not stack["StackStatus"].endswith("_COMPLETE") or "ROLLBACK" in stack["StackStatus"]:
        raise StageError(f"Stack {name} is {stack['StackStatus']}: wait or repair it first")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    missing = sorted(set(OUTPUTS) - set(outputs))
    if missing:
        raise StageError(f"Stack {name} lacks the outputs {', '.join(missing)}: deploy the "
                         f"current template (./dev deploy {stage})")
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "")
                  for p in stack.get("Parameters", [])}
    variables = _config_variables(stage)
    variables.update({variable: parameters[key] for key, variable in PARAMETERS.items()
                      if parameters.get(key)})
    variables.update({variable: outputs[key] for key, variable in OUTPUTS.items()})
    variables.update({"STAGE": stage, "AWS_REGION": region, "AWS_DEFAULT_REGION": region})
    return variables


def apply(variables: dict[str, str]) -> None:
    """Sets the variables for this process. Table names are read when the models are first
    imported, so that must not have happened yet with other names."""
    models = sys.modules.get("chalicelib.platform.models")
    if models is not None and \
            models.Registrant.Meta.table_name != variables["REGISTRANTS_TABLE"]:
        raise StageError("The tables were bound before --stage was applied (import order)")
    os.environ.update(variables)
