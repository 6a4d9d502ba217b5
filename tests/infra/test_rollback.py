"""`./dev rollback STAGE [REVISION] [--yes]`: moves each function's alias `live` back to its
version of an earlier revision, against Lambda's and CloudFormation's own answers (botocore
Stubber): a dry run first, all functions or none, harmless to repeat."""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from devtools import rollback

STACK = "aanlevermodule-ceo-prod"
FUNCTIONS = ["aanlevermodule-ceo-prod-APIHandler-1", "aanlevermodule-ceo-prod-DeliverMail-2"]
# three deploys: v1 = aaa, v2 = bbb, v3 = ccc (live)
PUBLISHED = {"1": "git aaa111", "2": "git bbb222", "3": "git ccc333"}


class Aws:
    def __init__(self):
        self.clients = {n: boto3.client(n, region_name="eu-central-1")
                        for n in ("cloudformation", "lambda")}
        self.stubs = {n: Stubber(c) for n, c in self.clients.items()}
        for stub in self.stubs.values():
            stub.activate()

    def stack(self, functions=FUNCTIONS):
        self.stubs["cloudformation"].add_response("list_stack_resources", {
            "StackResourceSummaries": [
                {"LogicalResourceId": f"F{i}", "PhysicalResourceId": name,
                 "ResourceType": "AWS::Lambda::Function", "ResourceStatus": "UPDATE_COMPLETE",
                 "LastUpdatedTimestamp": "2026-03-01T00:00:00Z"}
                for i, name in enumerate(functions)] + [
                {"LogicalResourceId": "APIHandlerAliaslive", "PhysicalResourceId": "arn:alias",
                 "ResourceType": "AWS::Lambda::Alias", "ResourceStatus": "UPDATE_COMPLETE",
                 "LastUpdatedTimestamp": "2026-03-01T00:00:00Z"}]}, {"StackName": STACK})

    def function(self, name, live, published=PUBLISHED):
        self.stubs["lambda"].add_response("get_alias", {"Name": "live", "FunctionVersion": live},
                                          {"FunctionName": name, "Name": "live"})
        self.stubs["lambda"].add_response("list_versions_by_function", {"Versions": [
            {"Version": "$LATEST", "Description": ""}] + [
            {"Version": v, "Description": d} for v, d in published.items()]},
            {"FunctionName": name})

    def moved(self, name, version):
        self.stubs["lambda"].add_response("update_alias", {"Name": "live"}, {
            "FunctionName": name, "Name": "live", "FunctionVersion": version})

    def verify(self):
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()


def test_without_yes_it_only_says_what_it_would_move(capsys):
    aws = Aws()
    aws.stack()
    for name in FUNCTIONS:
        aws.function(name, "3")
    # no update_alias expected: the Stubber fails the test on any call it was not given
    assert rollback.main(["prod"], clients=aws.clients) == 0
    out = capsys.readouterr().out
    assert "aanlevermodule-ceo-prod-APIHandler-1: live = version 3 (git ccc333) -> version 2 " \
           "(git bbb222)" in out
    assert "Dry run: nothing moved. ./dev rollback prod bbb222 --yes" in out
    aws.verify()


def test_with_yes_every_alias_goes_to_the_previous_revision_and_again_changes_nothing(capsys):
    aws = Aws()
    aws.stack()
    for name in FUNCTIONS:  # all are read before any is moved
        aws.function(name, "3")
    for name in FUNCTIONS:
        aws.moved(name, "2")
    assert rollback.main(["prod", "--yes"], clients=aws.clients) == 0
    assert "2 alias(es) moved: aanlevermodule-ceo-prod runs git bbb222" in capsys.readouterr().out
    aws.verify()
    # the same command again: the aliases are at bbb222 already; nothing is updated
    again = Aws()
    again.stack()
    for name in FUNCTIONS:
        again.function(name, "2")
    assert rollback.main(["prod", "bbb222", "--yes"], clients=again.clients) == 0
    assert "0 alias(es) moved" in capsys.readouterr().out
    again.verify()


def test_a_named_revision_by_its_start(capsys):
    aws = Aws()
    aws.stack()
    for name in FUNCTIONS:
        aws.function(name, "3")
    for name in FUNCTIONS:
        aws.moved(name, "1")
    assert rollback.main(["prod", "aaa", "--yes"], clients=aws.clients) == 0
    aws.verify()


def test_a_revision_one_function_lacks_moves_nothing(capsys):
    aws = Aws()
    aws.stack()
    aws.function(FUNCTIONS[0], "3")
    aws.function(FUNCTIONS[1], "3", {"2": "git bbb222", "3": "git ccc333"})
    assert rollback.main(["prod", "aaa", "--yes"], clients=aws.clients) == 1
    out = capsys.readouterr().out
    assert "Not rolled back: no version of aaa for aanlevermodule-ceo-prod-DeliverMail-2" \
           in out
    aws.verify()  # and update_alias was never called


def test_after_a_rollback_the_default_goes_further_back():
    aws = Aws()
    aws.stack()
    for name in FUNCTIONS:
        aws.function(name, "2")
    moves = rollback.plan(aws.clients["cloudformation"], aws.clients["lambda"], STACK, None)
    assert {(m.current, m.target, m.target_revision) for m in moves} == {("2", "1", "aaa111")}


def test_what_aws_refuses_is_reported_without_a_traceback(capsys):
    aws = Aws()
    aws.stubs["cloudformation"].add_client_error(
        "list_stack_resources", "ValidationError", f"Stack with id {STACK} does not exist")
    assert rollback.main(["prod"], clients=aws.clients) == 1
    assert "Not rolled back, AWS refused:" in capsys.readouterr().out


@pytest.mark.parametrize("description,revision", [("git abc", "abc"), ("", ""),
                                                  ("other", "")])
def test_the_revision_is_read_from_the_version_description(description, revision):
    assert rollback._revision(description) == revision
