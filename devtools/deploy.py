"""`./dev deploy STAGE [--dry-run]`: package, lint, check every parameter, deploy, and say what a
person must do.

The values come from `infra/stages/<stage>.json` (region, artifact bucket, stack parameters;
`--set Name=value` overrides one). `--dry-run` needs no AWS account: it packages and lints the
template (devtools/package.py), checks each parameter against the template's own constraints
and rules, runs the app's start check (chalicelib/platform/startup.py) on the values the
functions would get, reports every instrument's definition and sending window, and prints the
bootstrap steps. Without `--dry-run` it then checks the account (quotas, SES, artifact bucket,
signing key, certificate; read-only), uploads the package and template to the artifact bucket
and creates and executes a CloudFormation change set (the SAM transform runs in CloudFormation),
and prints the stack's outputs and what is left to do by hand.

A create is executed with RetainExceptOnCreate: if it fails, CloudFormation removes what it
made, retained tables, bucket and user pool included, whose fixed names would block the next
create. A stack whose first create failed anyway (ROLLBACK_COMPLETE: CloudFormation refuses
every update of it) is explained with the command that recovers, `./dev deploy STAGE
--recover`: it deletes that stack and what its create left behind, only while all of it is
still empty. Whatever AWS refuses is reported in its own words, without a traceback.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from devtools.intrinsics import Evaluator
from devtools.quotas import Finding, report

ROOT = Path(__file__).resolve().parent.parent
STAGES = ROOT / "infra" / "stages"
BUCKET_NAME = re.compile(r"^(?!xn--)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]  # roles; the SAM transform


def stack_name(stage: str) -> str:
    from chalicelib.cli.stage import stack_name as name

    return name(stage)


@dataclass
class Plan:
    stage: str
    region: str = ""
    bucket: str = ""
    parameters: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.level == "error" for f in self.findings)

    @property
    def stack(self) -> str:
        return stack_name(self.stage)

    def add(self, level: str, text: str) -> None:
        self.findings.append(Finding(level, text))


def stage_variables(stage: str) -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {**config["environment_variables"], **config["stages"][stage]["environment_variables"]}


def read_stage_file(plan: Plan, path: Path, overrides: dict[str, str]) -> None:
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        plan.add("error", f"{path}: {error}")
        return
    plan.region = str(values.get("region", ""))
    plan.bucket = str(values.get("artifact_bucket", ""))
    plan.parameters = {k: str(v) for k, v in values.get("parameters", {}).items()}
    plan.parameters.update(overrides)
    if not REGION.match(plan.region):
        plan.add("error", f"region {plan.region!r} is not an AWS region name")
    if not plan.bucket:
        plan.add("error", f"artifact_bucket is empty in {path.name}: the template is too large "
                          f"to deploy inline (bootstrap step 1)")
    elif not BUCKET_NAME.match(plan.bucket):
        plan.add("error", f"artifact_bucket {plan.bucket!r} is not a valid S3 bucket name")


def check_parameters(template: dict[str, Any], given: dict[str, str]) -> list[Finding]:
    """Each value against the template's own constraints, as CloudFormation would check them
    (Type, AllowedPattern, AllowedValues, Min/MaxLength, Min/MaxValue), then its Rules."""
    found: list[Finding] = []
    declared = template["Parameters"]
    for name in sorted(set(given) - set(declared)):
        found.append(Finding("error", f"{name}: not a parameter of the template"))
    for name, spec in declared.items():
        if name not in given:
            if "Default" not in spec:
                found.append(Finding("error", f"{name}: required, not given "
                                              f"({spec.get('Description', '').strip()})"))
            continue
        value = given[name]
        problem = _constraint_problem(spec, value)
        if problem:
            found.append(Finding("error", f"{name} = {value!r}: {problem}"))
    if not any(f.level == "error" for f in found):
        values = {name: given.get(name, str(spec.get("Default", "")))
                  for name, spec in declared.items()}
        evaluate = Evaluator(template, values)
        for name, rule in template.get("Rules", {}).items():
            if "RuleCondition" in rule and not evaluate(rule["RuleCondition"]):
                continue
            for assertion in rule["Assertions"]:
                if not evaluate(assertion["Assert"]):
                    found.append(Finding("error", f"{name}: {assertion['AssertDescription']}"))
    return found


def _constraint_problem(spec: dict[str, Any], value: str) -> str | None:
    if spec["Type"] == "Number":
        try:
            number = float(value)
        except ValueError:
            return "not a number"
        if "MinValue" in spec and number < float(spec["MinValue"]):
            return f"below {spec['MinValue']}"
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            return f"above {spec['MaxValue']}"
        return None
    if "AllowedValues" in spec and value not in spec["AllowedValues"]:
        return f"one of {spec['AllowedValues']}"
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        return "empty" if not value else f"shorter than {spec['MinLength']}"
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        return f"longer than {spec['MaxLength']}"
    if "AllowedPattern" in spec and not re.fullmatch(spec["AllowedPattern"], value):
        return spec.get("ConstraintDescription") or f"does not match {spec['AllowedPattern']}"
    return None


def function_environment(template: dict[str, Any], stage: str,
                         parameters: dict[str, str]) -> dict[str, str]:
    """What a function of the stack would find in its environment (the mail worker's: it has
    every variable the others have), the API id left open."""
    values = {name: parameters.get(name, str(spec.get("Default", "")))
              for name, spec in template["Parameters"].items()}
    values["Stage"] = stage
    evaluate = Evaluator(template, values, {"RestAPI": "<api-id>"})
    variables = template["Resources"]["DeliverMail"]["Properties"]["Environment"]["Variables"]
    environment = dict(stage_variables(stage))
    for name, value in variables.items():
        resolved = evaluate(value)
        if isinstance(resolved, str):
            environment[name] = resolved
    return environment


def _is_draft(instrument: str, cycle: int) -> bool:
    from chalicelib.questionnaire import definitions

    return definitions.load(instrument, cycle).draft


def definition_status(stage: str, instrument: str = "ceo-wmo") -> Finding:
    """The stage's CURRENT_CYCLE must have a definition of this instrument, and prod's must be
    settled (not a draft): a season opened on a draft publishes questions nobody agreed to."""
    from chalicelib.platform import instruments
    from chalicelib.questionnaire import definitions

    name = instruments.get(instrument).name
    cycle = int(stage_variables(stage).get("CURRENT_CYCLE", "2026"))
    try:
        definition = definitions.load(instrument, cycle)
    except definitions.DefinitionError as error:
        return Finding("error", f"{name}: questionnaire of {cycle}: {error} (chalicelib/"
                                f"questionnaire/data/{instrument}/{cycle}.json; docs/season.md)")
    if definition.draft:
        return Finding("error" if stage == "prod" else "warn",
                       f"{name}: questionnaire of {cycle} (version {definition.version}) is a "
                       "draft: settle it and set its status to final (docs/season.md)")
    return Finding("ok", f"{name}: questionnaire of {cycle}: version {definition.version}")


def window_status(stage: str, today: date, instrument: str = "ceo-wmo") -> Finding:
    """This instrument's sending window on `today` (the same lookup as the app's start check,
    chalicelib/platform/startup.py), and what to do when it has closed."""
    from chalicelib.platform import cycles, instruments, startup

    variables = stage_variables(stage)
    name = instruments.get(instrument).name
    if variables.get("DELIVERY_WINDOW") == "open":
        return Finding("ok", f"{name}: sending window: open any day (DELIVERY_WINDOW=open)")
    cycle = int(variables.get("CURRENT_CYCLE", "2026"))
    window = startup.sending_windows(variables)[instrument]
    if isinstance(window, str):
        return Finding("error", f"{name}: {window}")
    state = window.state(today)
    if state == "not yet open":
        return Finding("ok", f"{name}: sending window of {cycle}: opens {window.opens}")
    if state in ("open", "late"):
        return Finding("ok", f"{name}: sending window of {cycle}: {state} (deadline "
                             f"{window.deadline}, late deliveries until {window.late_until})")
    following = cycles.next_cycle(instrument, cycle)
    advice = "and no next cycle in chalicelib/platform/data/cycles.json"
    if following:
        definition = ROOT / "chalicelib" / "questionnaire" / "data" / instrument / \
            f"{following[0]}.json"
        advice = (f"next: {following[0]} opens {following[1].opens}; "
                  + ("" if definition.is_file() else
                     f"add {definition.relative_to(ROOT)}, then ")
                  + (f"settle the draft {definition.relative_to(ROOT)} (status final), then "
                     if definition.is_file() and _is_draft(instrument, following[0]) else "")
                  + f"set CURRENT_CYCLE={following[0]} in .chalice/config.json "
                  "(docs/season.md)")
    return Finding("warn", f"{name}: sending window of {cycle} closed on {window.late_until}: "
                           f"{stage} deploys closed for sending; {advice}")


def dry_run(stage: str, template: dict[str, Any], stage_file: Path | None = None,
            overrides: dict[str, str] | None = None, today: date | None = None) -> Plan:
    """Every check that needs no AWS account."""
    from chalicelib.platform import instruments, startup

    plan = Plan(stage)
    read_stage_file(plan, stage_file or STAGES / f"{stage}.json", overrides or {})
    plan.findings += check_parameters(template, plan.parameters)
    if plan.parameters.get("WafRateLimit", "0") not in ("", "0") and \
            _number(plan.parameters["WafRateLimit"]) < 10:
        plan.add("error", "WafRateLimit: AWS WAF accepts a rate limit of 10 or more (0 = none)")
    if plan.ok:
        level = "error" if stage == "prod" else "warn"
        for problem in startup.problems(function_environment(template, stage, plan.parameters)):
            plan.add(level, f"start check: {problem}")
    for instrument in instruments.IDS:  # each has its own definitions and window
        plan.findings.append(definition_status(stage, instrument))
        plan.findings.append(window_status(stage, today or date.today(), instrument))
    return plan


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def bootstrap(plan: Plan, outputs: dict[str, str] | None = None) -> list[str]:
    """What a person must do (before the first deploy, and after it)."""
    from devtools.package import sender_domain

    region, stage = plan.region or "<region>", plan.stage
    bucket = plan.bucket or f"aanlevermodule-ceo-artifacts-<account>-{region}"
    outputs = outputs or {}
    pool = outputs.get("HelpdeskUserPoolId", "<HelpdeskUserPoolId output>")
    steps = [
        f"Artifact bucket (once per account and region): aws s3api create-bucket --bucket "
        f"{bucket} --region {region} --create-bucket-configuration LocationConstraint={region}"
        f" && aws s3api put-public-access-block --bucket {bucket} "
        f"--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        f"BlockPublicPolicy=true,RestrictPublicBuckets=true; then set artifact_bucket in "
        f"infra/stages/{stage}.json",
        f"SES sender domain: aws sesv2 create-email-identity --email-identity "
        f"{sender_domain(stage)} --region {region}; publish the three DKIM CNAME records it "
        f"returns; wait until ./dev quotas {stage} says verified",
        "SES production access (the sandbox only mails verified addresses): SES console, "
        "Account dashboard, Request production access (transactional; describe the "
        "registration and receipt mails), or aws sesv2 put-account-details",
        f"Signing key: aws ssm put-parameter --region {region} --name "
        f"{stage_variables(stage).get('SECRET_KEY_PARAMETER', '<SECRET_KEY_PARAMETER>')} "
        f"--type SecureString --value \"$(openssl rand -hex 32)\"",
        f"Alarm e-mail: AlarmEmail in infra/stages/{stage}.json; after the first deploy its "
        f"owner must follow the link in AWS's 'Subscription Confirmation' mail, or alarms "
        f"reach nobody",
        f"Helpdesk contact and site: HelpdeskEmail, HelpdeskPhone, PublicationSiteName in "
        f"infra/stages/{stage}.json (shown on every page and mail); PrivacyController there "
        f"too (who is responsible for the personal data, as the privacy statement names them)",
        f"Quotas: ./dev quotas {stage} (Lambda concurrency, SES sandbox and daily quota)",
    ]
    if plan.parameters.get("DomainName"):
        steps.append(
            f"Certificate: aws acm request-certificate --domain-name "
            f"{plan.parameters['DomainName']} --validation-method DNS --region {region}; add "
            f"its validation CNAME; put its ARN in CertificateArn. After the deploy: a CNAME "
            f"(or alias) {plan.parameters['DomainName']} -> "
            f"{outputs.get('ApiDomainTarget', '<ApiDomainTarget output>')}")
    steps.append(f"First helpdesk user, after the deploy (README 'First helpdesk user'): "
                 f"python -m chalicelib.cli --stage {stage} --as <you> invite "
                 f"<address> (pool {pool}; Cognito mails a temporary password, the first "
                 f"sign-in sets the password and the authenticator app)")
    return steps


# --- with AWS ---------------------------------------------------------------------------------

def account_checks(plan: Plan, clients: dict[str, Any]) -> list[Finding]:
    """Read-only: the bootstrap steps were done."""
    from devtools import package, quotas

    found = quotas.check(plan.stage, plan.region,
                         int(_number(plan.parameters.get("ForwarderReservedConcurrency", "2"))),
                         package.sender_domain(plan.stage), clients)
    try:
        clients["s3"].head_bucket(Bucket=plan.bucket)
        found.append(Finding("ok", f"artifact bucket {plan.bucket}"))
    except Exception as error:
        found.append(Finding("error", f"artifact bucket {plan.bucket} cannot be reached "
                                      f"({type(error).__name__}): bootstrap step 1"))
    secret = stage_variables(plan.stage).get("SECRET_KEY_PARAMETER", "")
    listed = clients["ssm"].describe_parameters(ParameterFilters=[
        {"Key": "Name", "Option": "Equals", "Values": [secret]}])["Parameters"]
    if not listed:
        found.append(Finding("error", f"no SSM parameter {secret}: the functions would have no "
                                      f"signing key (bootstrap: signing key)"))
    elif listed[0].get("Type") != "SecureString":
        found.append(Finding("error", f"{secret} is not a SecureString"))
    else:
        found.append(Finding("ok", f"signing key {secret}"))
    if plan.parameters.get("CertificateArn"):
        try:
            status = clients["acm"].describe_certificate(
                CertificateArn=plan.parameters["CertificateArn"])["Certificate"]["Status"]
        except Exception as error:
            status = type(error).__name__
        found.append(Finding("ok" if status == "ISSUED" else "error",
                             f"certificate for {plan.parameters.get('DomainName')}: {status}"))
    return found


def as_uploaded(template: dict[str, Any], code_uri: str) -> dict[str, Any]:
    uploaded = json.loads(json.dumps(template))
    for resource in uploaded["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri
    return uploaded


class DeployRefused(RuntimeError):
    """CloudFormation cannot (or should not) go on with this stack: the text says why and the
    command that gets it going again."""


# What a deploy does with the stack in each state (CloudFormation's StackStatus). Anything
# *_IN_PROGRESS belongs to another operation: wait for it.
UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
             "IMPORT_ROLLBACK_COMPLETE"}
# A first create that failed: CloudFormation keeps the empty stack (and, before create change
# sets were executed with RetainExceptOnCreate, whatever had DeletionPolicy Retain) and refuses
# every update of it. Only deleting it helps; `--recover` does that.
FAILED_CREATE = {"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"}
# What a failed create can leave behind: retained, deletion-protected, with a fixed name that
# the next create would collide with.
LEFTOVER_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Cognito::UserPool")


def stack_status(cloudformation: Any, stack: str) -> str | None:
    """The stack's StackStatus, or None when there is no such stack."""
    from botocore.exceptions import ClientError

    try:
        return cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return None
        raise


def change_set_type(plan: Plan, status: str | None) -> str:
    """CREATE or UPDATE for a stack in this state; DeployRefused (with what to do) otherwise."""
    if status is None or status == "REVIEW_IN_PROGRESS":
        return "CREATE"
    if status in UPDATABLE:
        return "UPDATE"
    region = f" --region {plan.region}" if plan.region else ""
    if status in FAILED_CREATE:
        raise DeployRefused(
            f"{plan.stack} is {status}: the first create failed and CloudFormation rolled it "
            f"back; such a stack can never be updated, only deleted and created again.\n"
            f"  NL: de eerste keer aanmaken van {plan.stack} is mislukt en teruggedraaid; "
            f"zo'n stack kan CloudFormation niet bijwerken, alleen verwijderen en opnieuw "
            f"aanmaken.\n"
            f"  Why it failed: the first CREATE_FAILED event of aws cloudformation "
            f"describe-stack-events --stack-name {plan.stack}{region}.\n"
            f"  Fix that cause, then: ./dev deploy {plan.stage} --recover (deletes the failed "
            f"stack and what its create left behind when that is still empty, then creates it "
            f"again)")
    if status == "UPDATE_ROLLBACK_FAILED":
        raise DeployRefused(
            f"{plan.stack} is UPDATE_ROLLBACK_FAILED: CloudFormation could not roll an update "
            f"back (a resource changed or was deleted outside the stack). Repair that resource, "
            f"then: aws cloudformation continue-update-rollback --stack-name {plan.stack}{region}"
            f" (--resources-to-skip <logical id> for one that cannot be repaired), and deploy "
            f"again")
    if status.endswith("_IN_PROGRESS"):
        raise DeployRefused(
            f"{plan.stack} is {status}: another operation is still running. Wait for it "
            f"(aws cloudformation wait stack-update-complete --stack-name {plan.stack}{region}, "
            f"or watch the console) and deploy again")
    raise DeployRefused(f"{plan.stack} is {status}: not something a deploy can continue from "
                        f"(see its events in the CloudFormation console)")


def leftovers(cloudformation: Any, stack: str) -> list[tuple[str, str]]:
    """(type, physical id) of each table, bucket and user pool the failed create kept."""
    found = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] in LEFTOVER_TYPES and \
                    resource.get("PhysicalResourceId") and \
                    resource["ResourceStatus"] != "DELETE_COMPLETE":
                found.append((resource["ResourceType"], resource["PhysicalResourceId"]))
    return found


def _is_empty(kind: str, name: str, clients: dict[str, Any]) -> bool | None:
    """Whether a leftover holds nothing; None when it is gone already."""
    from botocore.exceptions import ClientError

    try:
        if kind == "AWS::DynamoDB::Table":
            return clients["dynamodb"].scan(TableName=name, Limit=1, Select="COUNT")["Count"] == 0
        if kind == "AWS::S3::Bucket":
            listed = clients["s3"].list_object_versions(Bucket=name, MaxKeys=1)
            return not listed.get("Versions") and not listed.get("DeleteMarkers")
        return not clients["cognito-idp"].list_users(UserPoolId=name, Limit=1)["Users"]
    except ClientError as error:
        if error.response["Error"]["Code"] in ("ResourceNotFoundException", "NoSuchBucket"):
            return None
        raise


def _delete_leftover(kind: str, name: str, clients: dict[str, Any]) -> None:
    if kind == "AWS::DynamoDB::Table":
        clients["dynamodb"].update_table(TableName=name, DeletionProtectionEnabled=False)
        clients["dynamodb"].delete_table(TableName=name)
    elif kind == "AWS::S3::Bucket":
        clients["s3"].delete_bucket(Bucket=name)
    else:
        clients["cognito-idp"].update_user_pool(UserPoolId=name, DeletionProtection="INACTIVE")
        clients["cognito-idp"].delete_user_pool(UserPoolId=name)


def recover(plan: Plan, clients: dict[str, Any], wait_seconds: float = 5.0) -> None:
    """Deletes a stack whose first create failed, and the tables, bucket and user pool that
    create kept, but only when every one of them is still empty (a failed first create never
    held data; anything else is refused and left alone)."""
    cloudformation = clients["cloudformation"]
    status = stack_status(cloudformation, plan.stack)
    if status is None:
        print(f"{plan.stack} does not exist: nothing to recover.")
        return
    if status not in FAILED_CREATE:
        raise DeployRefused(f"{plan.stack} is {status}, not a failed create: --recover only "
                            f"deletes a stack that never ran (ROLLBACK_COMPLETE, ROLLBACK_FAILED, "
                            f"DELETE_FAILED)")
    kept = leftovers(cloudformation, plan.stack)
    full = []
    for kind, name in kept:
        empty = _is_empty(kind, name, clients)
        print(f"  {kind} {name}: " + {None: "gone already", True: "empty, deleting",
                                      False: "HOLDS DATA, refused"}[empty])
        if empty is False:
            full.append(name)
    if full:
        raise DeployRefused(f"not recovered: {', '.join(full)} hold(s) data, so they are not "
                            f"leftovers of a failed first create. Nothing was deleted. Look at "
                            f"them first (an older stack's retained tables?)")
    for kind, name in kept:
        if _is_empty(kind, name, clients) is not None:
            _delete_leftover(kind, name, clients)
    cloudformation.delete_stack(StackName=plan.stack)
    while (status := stack_status(cloudformation, plan.stack)) not in (None, "DELETE_COMPLETE"):
        if status == "DELETE_FAILED":
            raise DeployRefused(f"{plan.stack}: deleting it failed (see its events)")
        time.sleep(wait_seconds)
    print(f"{plan.stack} and its leftovers deleted; creating it again.")


def deploy(plan: Plan, target: Path, clients: dict[str, Any],
           wait_seconds: float = 5.0) -> dict[str, str]:
    """Uploads the package and the template, creates a change set and executes it; returns the
    stack's outputs. Raises DeployRefused (a RuntimeError) with CloudFormation's reason or the
    stack's state and what to do about it; botocore's errors pass (main reports them)."""
    cloudformation = clients["cloudformation"]
    kind = change_set_type(plan, stack_status(cloudformation, plan.stack))
    package_bytes = (target / "deployment.zip").read_bytes()
    digest = hashlib.sha256(package_bytes).hexdigest()[:16]
    s3 = clients["s3"]
    code_key = f"{plan.stack}/{digest}.zip"
    s3.put_object(Bucket=plan.bucket, Key=code_key, Body=package_bytes)
    template = as_uploaded(json.loads((target / "sam.json").read_text()),
                           f"s3://{plan.bucket}/{code_key}")
    body = json.dumps(template).encode()
    template_key = f"{plan.stack}/{hashlib.sha256(body).hexdigest()[:16]}.template.json"
    s3.put_object(Bucket=plan.bucket, Key=template_key, Body=body)
    name = f"deploy-{time.strftime('%Y%m%d-%H%M%S')}"
    cloudformation.create_change_set(
        StackName=plan.stack, ChangeSetName=name, ChangeSetType=kind,
        TemplateURL=f"https://{plan.bucket}.s3.{plan.region}.amazonaws.com/{template_key}",
        Parameters=[{"ParameterKey": k, "ParameterValue": v}
                    for k, v in sorted(plan.parameters.items())],
        Capabilities=CAPABILITIES, Tags=[{"Key": "app", "Value": "aanlevermodule-ceo"},
                                         {"Key": "stage", "Value": plan.stage}])
    while True:
        change_set = cloudformation.describe_change_set(StackName=plan.stack, ChangeSetName=name)
        if change_set["Status"] in ("CREATE_COMPLETE", "FAILED"):
            break
        time.sleep(wait_seconds)
    if change_set["Status"] == "FAILED":
        reason = change_set.get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            print("No changes to deploy.")
            return _outputs(cloudformation, plan.stack)
        raise DeployRefused(f"change set {name} failed: {reason}")
    print(f"{kind.lower()}: {len(change_set.get('Changes', []))} change(s); executing {name}")
    # A failed create removes what it made, retained (tables, bucket, user pool) or not: their
    # fixed names would otherwise block every next create. Updates keep the Retain policies.
    cloudformation.execute_change_set(StackName=plan.stack, ChangeSetName=name,
                                      **({"RetainExceptOnCreate": True} if kind == "CREATE"
                                         else {}))
    while True:
        stack = cloudformation.describe_stacks(StackName=plan.stack)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            break
        time.sleep(wait_seconds)
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        advice = ""
        if stack["StackStatus"] in FAILED_CREATE:
            advice = (f"; fix the cause (its first CREATE_FAILED event), then ./dev deploy "
                      f"{plan.stage} --recover")
        raise DeployRefused(f"{plan.stack} ended as {stack['StackStatus']}: "
                            f"{stack.get('StackStatusReason', 'see the stack events')}{advice}")
    return _outputs(cloudformation, plan.stack)


def _outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    from devtools import package

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["dev", "prod"])
    parser.add_argument("--dry-run", action="store_true", help="check everything, no AWS")
    parser.add_argument("--stage-file", type=Path, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one stack parameter")
    parser.add_argument("--out", type=Path, default=ROOT / "build")
    parser.add_argument("--recover", action="store_true",
                        help="first delete a stack whose first create failed (ROLLBACK_COMPLETE) "
                             "and the empty tables, bucket and user pool it left")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)

    print(f"== Package and lint ({args.stage})")
    target = package.package(args.stage, args.out)
    template = json.loads((target / "sam.json").read_text())
    lint_findings = []
    for name in ("sam.json", "transformed.json"):
        result = package.lint(target / name)
        lint_findings.append(Finding("ok" if result.returncode == 0 else "error",
                                     f"cfn-lint {name}: " + (result.stdout.strip()
                                                             or "no findings")))
    plan = dry_run(args.stage, template, args.stage_file, overrides)
    plan.findings[:0] = lint_findings
    print(f"== Checks ({plan.stack} in {plan.region or '?'})")
    report(plan.findings)
    print("== What a person must do (see README 'Deployment'):")
    for number, step in enumerate(bootstrap(plan), 1):
        print(f"  {number}. {step}")
    if not plan.ok:
        print("Not deployed: fix the errors above.")
        return 1
    if args.dry_run:
        print(f"Dry run: every parameter checked; ./dev deploy {args.stage} deploys.")
        return 0
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    clients = {name: boto3.client(name, region_name=plan.region)
               for name in ("lambda", "sesv2", "s3", "ssm", "acm", "cloudformation", "dynamodb",
                            "cognito-idp")}
    try:
        print("== Account")
        if not report(account_checks(plan, clients)):
            print("Not deployed: do the bootstrap steps above first.")
            return 1
        if args.recover:
            print(f"== Recover {plan.stack}")
            recover(plan, clients)
        print(f"== Deploy {plan.stack}")
        outputs = deploy(plan, target, clients)
    except RuntimeError as error:
        print(f"Deploy failed: {error}")
        return 1
    except (ClientError, BotoCoreError) as error:
        # CloudFormation (or another service) refused; its words, without a traceback
        print(f"Deploy failed, AWS refused: {error}\n  Credentials: the default profile or "
              f"AWS_PROFILE (aws sts get-caller-identity shows whose they are).")
        return 1
    print("== Outputs")
    for key in ("BaseUrl", "ApiDomainTarget", "HelpdeskUserPoolId", "HelpdeskClientId",
                "PublicationBucketName"):
        if key in outputs:
            print(f"  {key}: {outputs[key]}")
    print("== Still to do by hand: confirm the alarm subscription mail; "
          + ("point the domain's DNS at ApiDomainTarget; " if "ApiDomainTarget" in outputs
             else "")
          + "create the first helpdesk user (README 'First helpdesk user'). Updated a stack "
          "that held registrants before people search existed? Once: python -m "
          f"chalicelib.cli --stage {args.stage} reindex-people, and migrate-accounts "
          "(a dry run; then --apply) for one from before issue 25 (README 'Updating a "
          "stack').")
    return 0


if __name__ == "__main__":
    sys.exit(main())
