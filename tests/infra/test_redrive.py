"""`./dev redrive STAGE QUEUE [--yes]` against moto: each dead-letter queue goes back where it
failed, a dry run first, nothing lost when repeated; the two replays that already exist (the
helpdesk CLI's) are reused, not duplicated."""
from __future__ import annotations

import importlib
import json

import boto3
import pytest

from devtools import redrive


def _queue(name: str) -> str:
    return boto3.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def _bodies(url: str) -> list[str]:
    sqs, found = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                          VisibilityTimeout=60).get("Messages", []):
        found += [m["Body"] for m in messages]
    return sorted(found)


def _clients():
    return {"sqs": boto3.client("sqs"), "sns": boto3.client("sns")}


@pytest.mark.parametrize("queue,dead,live", [("mail", "mail-dead-letters", "mail"),
                                             ("reconcile", "reconcile-dead-letters",
                                              "reconcile")])
def test_dead_letters_go_back_to_their_queue_once(aws, capsys, queue, dead, live):
    sqs = boto3.client("sqs")
    jobs = [json.dumps({"kind": "link", "n": n}) for n in range(13)]  # more than one batch
    for job in jobs:
        sqs.send_message(QueueUrl=_queue(f"ceo-local-{dead}"), MessageBody=job)
    assert redrive.main(["local", queue], clients=_clients()) == 0  # the dry run
    assert "13 message(s) in ceo-local-" in capsys.readouterr().out
    assert redrive.waiting(sqs, _queue(f"ceo-local-{dead}")) == 13  # untouched
    assert redrive.main(["local", queue, "--yes"], clients=_clients()) == 0
    assert "13 moved." in capsys.readouterr().out
    assert redrive.main(["local", queue, "--yes"], clients=_clients()) == 0  # again: nothing
    assert "0 moved." in capsys.readouterr().out
    assert _bodies(_queue(f"ceo-local-{live}")) == sorted(jobs)
    assert _bodies(_queue(f"ceo-local-{dead}")) == []


def test_mail_events_lambda_gave_up_on_are_published_on_their_topic_again(aws, capsys):
    from moto.sns.models import sns_backends

    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    failures = sqs.create_queue(QueueName="ceo-local-mail-events-failures")["QueueUrl"]
    topic = sns.create_topic(Name="ceo-local-mail-events")["TopicArn"]
    observer = sqs.create_queue(QueueName="observer")["QueueUrl"]
    observer_arn = sqs.get_queue_attributes(QueueUrl=observer, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=observer_arn,
                  Attributes={"RawMessageDelivery": "true"})
    bounce = json.dumps({"eventType": "Bounce", "mail": {"destination": ["a@gemeente.nl"]}})
    sqs.send_message(QueueUrl=failures, MessageBody=json.dumps({"Records": [{
        "EventSource": "aws:sns", "Sns": {"Message": bounce, "TopicArn": topic}}]}))
    sqs.send_message(QueueUrl=failures, MessageBody="not an event")
    assert redrive.main(["local", "mail-events", "--yes"], clients=_clients()) == 1
    out = capsys.readouterr().out
    assert "1 notification(s) published again, 1 message(s) left." in out
    assert _bodies(observer) == [bounce]
    assert _bodies(failures) == ["not an event"]  # never deleted unread
    assert sns_backends  # moto kept the publish in its backend too


def test_the_forward_failures_and_refusals_reuse_the_helpdesk_cli_s_replays():
    importlib.import_module(redrive.HELPDESK_CLI)  # still where redrive calls it
    dry = redrive.helpdesk_command("prod", "forward-failures", yes=False)
    assert dry[1:] == ["-m", redrive.HELPDESK_CLI, "--stage", "prod", "replay-failures",
                       "--dry-run"]
    assert redrive.helpdesk_command("prod", "refusals", yes=True)[3:] == [
        "--stage", "prod", "republish", "--refused"]
    assert redrive.helpdesk_command("prod", "refusals", yes=False) is None  # only counted


def test_every_dead_letter_queue_of_the_stack_has_a_redrive():
    from devtools import package

    merged = package.merge_template("prod")
    queues = {k: r for k, r in merged["Resources"].items() if r.get("Type") == "AWS::SQS::Queue"}
    names = {r["Properties"]["QueueName"]["Fn::Sub"].removeprefix("ceo-${Stage}-")
             for r in queues.values()}
    handled = {dead for dead, _ in [*redrive.MOVED.values(), *redrive.REPUBLISHED.values()]}
    handled |= {"forward-failures", "publication-refused", "count-failures"}
    # every queue is either one of these or a live queue something drains
    assert names - handled == {"mail", "reconcile", "contact-lists"}
