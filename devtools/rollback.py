"""`./dev rollback STAGE [REVISION] [--yes]`: run an earlier revision's code again, in seconds,
without a deploy.

Every deploy publishes a version of each function, described "git <revision>" (devtools/
package.py), and points the alias `live` at it; the API, the stream, the queues, the topic and
the schedules invoke that alias (infra/stack.yaml, AutoPublishAlias). Rolling back moves each
function's alias to its version of REVISION (default: the revision deployed before the one
that runs now). Without `--yes` it only prints what it would move. Running it again changes
nothing (an alias already there is left alone).

What it does not roll back: the template (tables, queues, roles, alarms) and data. The stack
still names the newer versions: the next `./dev deploy` moves the aliases to what it deploys,
so deploy a fixed (or the old) revision next. The stack's GitRevision output keeps saying what
was last deployed; the aliases say what runs.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.package import REVISION_PREFIX

ROOT = Path(__file__).resolve().parent.parent
ALIAS = "live"


class RollbackRefused(RuntimeError):
    pass


@dataclass
class Move:
    function: str
    current: str  # version number
    current_revision: str
    target: str
    target_revision: str

    @property
    def needed(self) -> bool:
        return self.current != self.target


def _revision(description: str) -> str:
    return description[len(REVISION_PREFIX):] if description.startswith(REVISION_PREFIX) else ""


def stack_functions(cloudformation: Any, stack: str) -> list[str]:
    names = []
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        names += [r["PhysicalResourceId"] for r in page["StackResourceSummaries"]
                  if r["ResourceType"] == "AWS::Lambda::Function"
                  and r["ResourceStatus"] != "DELETE_COMPLETE"]
    return sorted(names)


def versions(lambda_: Any, function: str) -> dict[str, str]:
    """Published version number -> its revision (newest last)."""
    found = {}
    for page in lambda_.get_paginator("list_versions_by_function").paginate(
            FunctionName=function):
        for version in page["Versions"]:
            if version["Version"] != "$LATEST":
                found[version["Version"]] = _revision(version.get("Description", ""))
    return dict(sorted(found.items(), key=lambda item: int(item[0])))


def plan(cloudformation: Any, lambda_: Any, stack: str, revision: str | None) -> list[Move]:
    """Where each function's alias is and where it goes; RollbackRefused when a function has
    no version of that revision (nothing is moved then: all or none)."""
    functions = stack_functions(cloudformation, stack)
    if not functions:
        raise RollbackRefused(f"{stack} has no functions (is it deployed, in this region?)")
    moves, missing = [], []
    for function in functions:
        alias = lambda_.get_alias(FunctionName=function, Name=ALIAS)
        published = versions(lambda_, function)
        current = alias["FunctionVersion"]
        current_revision = published.get(current, "")
        if revision:
            candidates = [v for v, r in published.items() if r and r.startswith(revision)]
        else:
            older = [v for v in published if int(v) < int(current)]
            candidates = [v for v in older if published[v] != current_revision]
        if not candidates:
            missing.append(function)
            continue
        target = candidates[-1]
        moves.append(Move(function, current, current_revision, target, published[target]))
    if missing:
        wanted = f"version of {revision}" if revision else "earlier version"
        raise RollbackRefused(f"no {wanted} for {', '.join(missing)}: nothing moved. Published "
                              f"versions: aws lambda list-versions-by-function --function-name "
                              f"{missing[0]}")
    targets = {m.target_revision for m in moves}
    if len(targets) > 1:
        raise RollbackRefused(f"the functions' previous versions are of different revisions "
                              f"({', '.join(sorted(targets))}): name the one to run, ./dev "
                              f"rollback STAGE REVISION")
    return moves


def apply(lambda_: Any, moves: list[Move]) -> int:
    moved = 0
    for move in moves:
        if move.needed:
            lambda_.update_alias(FunctionName=move.function, Name=ALIAS,
                                 FunctionVersion=move.target)
            moved += 1
    return moved


def main(argv: list[str] | None = None, clients: dict[str, Any] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from devtools.deploy import stack_name

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["dev", "prod"])
    parser.add_argument("revision", nargs="?", default=None,
                        help="git revision (or its start) to run; default: the one before")
    parser.add_argument("--yes", action="store_true", help="move the aliases (else: dry run)")
    parser.add_argument("--region", default=None, help="default: the stage file's region")
    args = parser.parse_args(argv)
    region = args.region or json.loads(
        (ROOT / "infra" / "stages" / f"{args.stage}.json").read_text())["region"]
    if clients is None:
        import boto3

        clients = {n: boto3.client(n, region_name=region) for n in ("cloudformation", "lambda")}
    stack = stack_name(args.stage)
    try:
        moves = plan(clients["cloudformation"], clients["lambda"], stack, args.revision)
        for move in moves:
            print(f"  {move.function}: {ALIAS} = version {move.current} "
                  f"(git {move.current_revision or '?'}) -> version {move.target} "
                  f"(git {move.target_revision})" + ("" if move.needed else ": already there"))
        target = moves[0].target_revision
        if not args.yes:
            print(f"Dry run: nothing moved. ./dev rollback {args.stage} {target} --yes moves "
                  f"them.")
            return 0
        moved = apply(clients["lambda"], moves)
    except RollbackRefused as error:
        print(f"Not rolled back: {error}")
        return 1
    except (ClientError, BotoCoreError) as error:
        print(f"Not rolled back, AWS refused: {error}")
        return 1
    print(f"{moved} alias(es) moved: {stack} runs git {target}. The next ./dev deploy "
          f"{args.stage} moves them to what it deploys.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
