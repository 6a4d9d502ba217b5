"""`./dev redrive STAGE QUEUE [--yes]`: what a dead-letter queue holds, back to where it failed,
once the cause is fixed (docs/runbook.md). Without `--yes` it only counts and shows.

    mail         ceo-<stage>-mail-dead-letters     -> ceo-<stage>-mail (the mail worker again)
    reconcile    ceo-<stage>-reconcile-dead-letters -> ceo-<stage>-reconcile
    contact-lists  ceo-<stage>-contact-lists-dead-letters -> ceo-<stage>-contact-lists
                 (within a day: a list's chunks expire then)
    mail-events  ceo-<stage>-mail-events-failures  -> published again on ceo-<stage>-mail-events
                 (each bounce or complaint notification, as SES sent it)
    forward-failures  the helpdesk CLI's replay-failures (README, "The forward failure queue"):
                 the messages say only where on the stream records were, so it republishes
                 from the tables; run without --yes it is that command's --dry-run
    refusals     the helpdesk CLI's republish --refused (the webhook's refused documents)
    count-failures  the helpdesk CLI's recount-failures: the responses of the days each
                 message names counted again from the responses table (counting is
                 idempotent, so nothing counts twice); without --yes its --dry-run

Each message is sent on before it is deleted here, so a run cut short never loses one; it may
send one twice, which SQS does anyway (every consumer is written for it). A second run finds an
empty queue and does nothing. SQS's own StartMessageMoveTask would do the first two server-side,
but moto (the tests, the local runner) lacks it; receive, send and delete work everywhere.
AWS credentials: the default profile or AWS_PROFILE; `local` is the local runner's moto.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MOVED = {"mail": ("mail-dead-letters", "mail"), "reconcile": ("reconcile-dead-letters",
                                                              "reconcile"),
         "contact-lists": ("contact-lists-dead-letters", "contact-lists")}
REPUBLISHED = {"mail-events": ("mail-events-failures", "mail-events")}
DELEGATED = {"forward-failures": (["replay-failures"], ["replay-failures", "--dry-run"]),
             "refusals": (["republish", "--refused"], None),
             "count-failures": (["recount-failures"], ["recount-failures", "--dry-run"])}
QUEUES = [*MOVED, *REPUBLISHED, *DELEGATED]
# The replays that already exist, reused (tests/test_redrive.py checks it is importable)
HELPDESK_CLI = "chalicelib.cli"


def _url(sqs: Any, stage: str, name: str) -> str:
    return str(sqs.get_queue_url(QueueName=f"ceo-{stage}-{name}")["QueueUrl"])


def waiting(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def _drain(sqs: Any, url: str):
    """Every message the queue holds now, each hidden for five minutes while it is handled,
    and each once (one left in the queue and received again ends the run)."""
    seen: set[str] = set()
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                       VisibilityTimeout=300,
                                       MessageAttributeNames=["All"]).get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            for message in messages:  # left before, received again: visible again at once
                sqs.change_message_visibility(QueueUrl=url, VisibilityTimeout=0,
                                              ReceiptHandle=message["ReceiptHandle"])
            return
        seen.update(m["MessageId"] for m in fresh)
        yield from fresh


def move(sqs: Any, source: str, target: str) -> int:
    moved = 0
    for message in _drain(sqs, source):
        attributes = {k: {f: v for f, v in value.items() if f in ("DataType", "StringValue",
                                                                  "BinaryValue")}
                      for k, value in message.get("MessageAttributes", {}).items()}
        sqs.send_message(QueueUrl=target, MessageBody=message["Body"],
                         **({"MessageAttributes": attributes} if attributes else {}))
        sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
        moved += 1
    return moved


def _topic_arn(sns: Any, name: str) -> str:
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            if topic["TopicArn"].rsplit(":", 1)[1] == name:
                return str(topic["TopicArn"])
    raise LookupError(f"no SNS topic {name}")


def republish(sqs: Any, sns: Any, source: str, topic: str) -> tuple[int, int]:
    """Lambda's dead letters of an SNS-invoked function hold the event it was given: each
    record's notification is published on the topic again. Returns (published, left)."""
    published = left = 0
    for message in _drain(sqs, source):
        try:
            records = json.loads(message["Body"])["Records"]
            notifications = [r["Sns"] for r in records]
            if not all(isinstance(n["Message"], str) for n in notifications):
                raise TypeError("a notification without its message")
        except (ValueError, KeyError, TypeError):
            print(f"  message {message['MessageId']} is not an SNS event: left in the queue "
                  f"(look at it in the SQS console)")
            sqs.change_message_visibility(QueueUrl=source, ReceiptHandle=message[
                "ReceiptHandle"], VisibilityTimeout=0)
            left += 1
            continue
        for notification in notifications:
            extra = {"Subject": notification["Subject"]} if notification.get("Subject") else {}
            sns.publish(TopicArn=topic, Message=notification["Message"], **extra)
            published += 1
        sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
    return published, left


def helpdesk_command(stage: str, queue: str, yes: bool) -> list[str] | None:
    real, dry = DELEGATED[queue]
    arguments = real if yes else dry
    if arguments is None:
        return None
    stage_args = [] if stage == "local" else ["--stage", stage]
    return [sys.executable, "-m", HELPDESK_CLI, *stage_args, *arguments]


def redrive(stage: str, queue: str, yes: bool, clients: dict[str, Any]) -> int:
    sqs = clients["sqs"]
    if queue in DELEGATED:
        source = _url(sqs, stage, {"forward-failures": "forward-failures",
                                   "refusals": "publication-refused",
                                   "count-failures": "count-failures"}[queue])
        print(f"{queue}: {waiting(sqs, source)} message(s) waiting")
        command = helpdesk_command(stage, queue, yes)
        if command is None:
            print(f"Dry run: nothing replayed. ./dev redrive {stage} {queue} --yes offers them "
                  f"to the site again (helpdesk CLI republish --refused).")
            return 0
        print("  " + " ".join(command[1:]))
        return subprocess.run(command, cwd=ROOT).returncode
    if queue in MOVED:
        dead, live = MOVED[queue]
        source, target = _url(sqs, stage, dead), _url(sqs, stage, live)
    else:
        dead, live = REPUBLISHED[queue]
        source = _url(sqs, stage, dead)
        target = _topic_arn(clients["sns"], f"ceo-{stage}-{live}")
    count = waiting(sqs, source)
    print(f"{queue}: {count} message(s) in ceo-{stage}-{dead}, to go to ceo-{stage}-{live}")
    if not yes:
        print(f"Dry run: nothing moved. Fix the cause first (docs/runbook.md), then "
              f"./dev redrive {stage} {queue} --yes")
        return 0
    if queue in MOVED:
        print(f"{move(sqs, source, target)} moved.")
        return 0
    published, left = republish(sqs, clients["sns"], source, target)
    print(f"{published} notification(s) published again, {left} message(s) left.")
    return 1 if left else 0


def main(argv: list[str] | None = None, clients: dict[str, Any] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["local", "dev", "prod"])
    parser.add_argument("queue", choices=QUEUES)
    parser.add_argument("--yes", action="store_true", help="do it (else: a dry run)")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    stage_file = ROOT / "infra" / "stages" / f"{args.stage}.json"
    region = args.region or (json.loads(stage_file.read_text())["region"] if
                             stage_file.is_file() else os.environ.get("AWS_REGION",
                                                                      "eu-central-1"))
    if clients is None:
        import boto3

        clients = {n: boto3.client(n, region_name=region) for n in ("sqs", "sns")}
    try:
        return redrive(args.stage, args.queue, args.yes, clients)
    except (ClientError, BotoCoreError, LookupError) as error:
        print(f"Not redriven: {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
