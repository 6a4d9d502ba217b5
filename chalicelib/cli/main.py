"""The helpdesk's operations from a terminal, for scripts and incidents:

    python -m chalicelib.cli --as jan@helpdesk.nl lookup GM0014
    python -m chalicelib.cli --as jan@helpdesk.nl withdraw GM0014 GM0014-2026-2 "reden"
    python -m chalicelib.cli --as jan@helpdesk.nl restore GM0014 GM0014-2026-2 "reden"
    python -m chalicelib.cli --as jan@helpdesk.nl resend-link K7MW-3QXA
    python -m chalicelib.cli --as jan@helpdesk.nl revoke-link K7MW-3QXA "reden"
    python -m chalicelib.cli export 2026 --format csv > export.csv
    python -m chalicelib.cli reconcile [--cycle 2026] [GM0014]
    python -m chalicelib.cli replay-failures [--cycle 2026] [GM0014] [--dry-run]
    python -m chalicelib.cli recount-failures [--dry-run]   # what the counter gave up on
    python -m chalicelib.cli republish [--cycle 2026] [GM0014] | republish --refused
    python -m chalicelib.cli redrive-mail   # the mail/invitation dead letters, queued again

and the commands about people and who may register (people_commands.py). `--help` lists
every command; `<command> --help` says what one does and takes.

It uses the same domain functions and the same audit trail as the pages; `--as` names the
person acting (it goes into the audit trail). AWS credentials come from the environment.
`--stage prod` (before the command) points it at a deployed stage: table names, queues,
bucket, user pool and link base from the stack's outputs (CloudFormation DescribeStacks),
the rest from the stage in .chalice/config.json; without it, the local stage's names.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from ..platform import config, instruments
from . import stage as stages

if TYPE_CHECKING:
    from ..platform.models import Registrant

# The domain modules are imported in main(), after --stage has set the table names (the
# models read them when first imported).


def _registrant(code: str) -> Registrant:
    from ..accounts import registrants
    from ..helpdesk import actions as helpdesk

    found = registrants.find_by_personal_code(code)
    if found is None:
        raise helpdesk.ActionRefused(f"Geen aanmelder met persoonlijke code {code}.")
    return found


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="actor", default=None,
                        help="who acts (required for changes; recorded in the audit trail)")
    parser.add_argument("--cycle", type=int, default=None)
    parser.add_argument("--stage", choices=["dev", "prod"], default=None,
                        help="a deployed stage: its stack's outputs name what to use")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION")
                        or os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1")
    parser.add_argument("--stack-name", default=None,
                        help="the stage's stack, if not aanlevermodule-ceo-<stage>")


def _add_commands(sub: Any) -> None:
    """Every command, each with its help line (the people commands' modules are imported
    here, after --stage has set the table names)."""
    from . import people_commands

    sub.add_parser("lookup", help="find a municipality or registrant (code, name, e-mail, "
                                  "personal code)").add_argument("query")
    for name, text in (("withdraw", "withdraw the delivery that counts now (needs --as)"),
                       ("restore", "restore a withdrawn delivery (needs --as)")):
        command = sub.add_parser(name, help=text)
        command.add_argument("municipality")
        command.add_argument("delivery")
        command.add_argument("reason")
    sub.add_parser("resend-link", help="mail a registrant a new personal link (needs --as)"
                   ).add_argument("personal_code")
    revoke = sub.add_parser("revoke-link", help="end every link and session of a registrant "
                                                "(needs --as)")
    revoke.add_argument("personal_code")
    revoke.add_argument("reason")
    exporter = sub.add_parser("export", help="every delivery that counts in a cycle, as CSV "
                                             "or JSON on standard output")
    exporter.add_argument("export_cycle", type=int)
    exporter.add_argument("--format", choices=["csv", "json"], default="csv")
    exporter.add_argument("--onderzoek", choices=["wmo", "jeugd"], default="wmo",
                          help="which instrument (one per export, as on the helpdesk's page)")
    reconciler = sub.add_parser("reconcile", help="republish what the feed lacks")
    reconciler.add_argument("--cycle", dest="reconcile_cycle", type=int, default=None)
    reconciler.add_argument("municipality", nargs="?")
    replayer = sub.add_parser(
        "replay-failures", help="republish from the tables what the forward failure queue "
        "holds, and acknowledge what that covered")
    replayer.add_argument("--cycle", dest="reconcile_cycle", type=int, default=None)
    replayer.add_argument("municipality", nargs="?")
    replayer.add_argument("--dry-run", action="store_true",
                          help="only show the queue and the scopes each message needs")
    replayer.add_argument("--acknowledge-unmatched", action="store_true",
                          help="also acknowledge messages in whose time window no delivery "
                               "changed (an edit by hand): after replaying every cycle")
    recounter = sub.add_parser(
        "recount-failures", help="count again the responses of the days the counter's failure "
                                 "queue names (counting is idempotent), then acknowledge")
    recounter.add_argument("--dry-run", action="store_true",
                           help="only show what the queue holds")
    republisher = sub.add_parser("republish",
                                 help="push the feed again, whatever the records say")
    republisher.add_argument("--cycle", dest="reconcile_cycle", type=int, default=None)
    republisher.add_argument("--refused", action="store_true",
                             help="what the webhook refused (its queue); clears what went "
                                  "through")
    republisher.add_argument("municipality", nargs="?")
    sub.add_parser("redrive-mail", help="queue the mail worker's dead letters (mails, sms and "
                                        "e-mail invitations) again, once their cause is fixed")
    people_commands.add_commands(sub)


def main(argv: list[str] | None = None) -> int:
    # --stage first: it sets the table names, which the people commands' modules read when
    # they are imported to add their commands (without -h, so that --help lists them all)
    early_parser = argparse.ArgumentParser(add_help=False)
    _options(early_parser)
    early, _ = early_parser.parse_known_args(argv)
    if early.stage:
        try:
            stages.apply(stages.environment(early.stage, early.region, early.stack_name))
        except stages.StageError as error:
            print(f"--stage {early.stage}: {error}", file=sys.stderr)
            return 2
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli",
                                     description=__doc__.splitlines()[0])
    _options(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_commands(sub)
    args = parser.parse_args(argv)
    from ..helpdesk import actions as helpdesk
    from ..helpdesk import export
    from ..platform import audit
    from ..publication.reconcile import reconcile
    from ..publication.republish import is_repaired, replay_refused, republish
    from . import people_commands

    cycle = getattr(args, "reconcile_cycle", None) or args.cycle or config.current_cycle()
    changes = {"withdraw", "restore", "resend-link", "revoke-link", *people_commands.CHANGES}
    if args.command in changes and not args.actor:
        parser.error("--as is required for changes (it goes into the audit trail)")
    actor = f"cli:{args.actor}" if args.actor else "cli"
    try:
        if args.command == "lookup":
            found = helpdesk.lookup(args.query)
            for r in found.registrants:
                print(f"{r.personal_code}\t{r.name}\t{r.email}\t{','.join(sorted(r.municipalities))}")
            for m in found.municipalities:
                info = helpdesk.overview(m.code, cycle)
                current = info["counting"].delivery_id if info["counting"] else "-"
                print(f"{m.code}\t{m.name}\ttelt nu: {current}\t"
                      f"aanleveringen: {len(info['deliveries'])}")
        elif args.command == "withdraw":
            helpdesk.withdraw(actor, args.municipality, cycle, args.delivery, args.reason)
            print(f"{args.delivery} ingetrokken")
        elif args.command == "restore":
            helpdesk.restore(actor, args.municipality, cycle, args.delivery, args.reason)
            print(f"{args.delivery} hersteld")
        elif args.command == "resend-link":
            helpdesk.resend_link(actor, _registrant(args.personal_code))
            print("nieuwe link verstuurd")
        elif args.command == "revoke-link":
            helpdesk.revoke_link(actor, _registrant(args.personal_code), args.reason)
            print("link ingetrokken")
        elif args.command == "export":
            study = instruments.chosen(args.onderzoek) or instruments.get(instruments.WMO)
            if args.format == "json":
                print(json.dumps(export.as_json(args.export_cycle, study.id), ensure_ascii=False,
                                 indent=1))
            else:
                sys.stdout.write(export.as_csv(args.export_cycle, study.id))
            if args.actor:
                audit.record(actor, f"export {args.export_cycle} {study.name}",
                             [audit.subject_helpdesk(actor)])
        elif args.command in ("reconcile", "republish"):
            codes = [args.municipality] if args.municipality else None
            if args.command == "reconcile":
                outcomes = reconcile(cycle, codes)
            else:
                outcomes = replay_refused() if args.refused else republish(cycle, codes)
            for scope, outcome in outcomes.items():
                print(f"{scope}\t{outcome}")
            repaired = sum(map(is_repaired, outcomes.values()))
            failed = sum(outcome.startswith("failed") for outcome in outcomes.values())
            print(f"{len(outcomes)} gecontroleerd, {repaired} hersteld" if
                  args.command == "reconcile" else
                  f"{len(outcomes)} opnieuw aangeboden, {failed} mislukt")
            if failed:
                return 1
        elif args.command == "replay-failures":
            return _replay_failures(args, cycle)
        elif args.command == "recount-failures":
            return _recount_failures(args.dry_run)
        elif args.command == "redrive-mail":
            from ..platform import outbox

            print(f"{outbox.redrive()} bericht(en) opnieuw in de wachtrij")
        elif args.command in people_commands.COMMANDS:
            return people_commands.run(args, actor)
    except helpdesk.ActionRefused as refused:
        print(f"Geweigerd: {refused}", file=sys.stderr)
        return 1
    return 0


def _replay_failures(args: argparse.Namespace, cycle: int) -> int:
    """Prints the queue, what was republished and acknowledged, and for every message left
    the command that would cover it. 0 only when the queue is empty afterwards."""
    from ..publication import replay as failures

    codes = [args.municipality] if args.municipality else None
    try:
        result = failures.replay(cycle, codes, dry_run=args.dry_run,
                                 acknowledge_unmatched=args.acknowledge_unmatched)
    except Exception as error:
        print(f"Replay mislukt, niets bevestigd: {type(error).__name__}: {error}",
              file=sys.stderr)
        return 1
    print(f"wachtrij: {len(result.batches)} bericht(en)")
    for scope, outcome in sorted(result.republished.items()):
        print(f"{scope}\t{outcome}")
    for batch in result.acknowledged:
        scopes = ", ".join(sorted(result.scopes.get(batch.message_id, ()))) or "-"
        print(f"bevestigd\t{batch.message_id}\t{batch.window()}\t{scopes}")
    for batch in result.batches:
        if batch.message_id not in result.kept:
            continue
        needed = result.scopes.get(batch.message_id, set())
        if not batch.readable:
            why = "geen bericht van de stream-trigger: bekijk het in de SQS-console"
        elif not needed:
            why = ("geen aanlevering gewijzigd in dit tijdvak: replay de betrokken cycli en "
                   "gebruik dan --acknowledge-unmatched")
        else:
            todo = result.kept[batch.message_id] or needed
            why = "nodig: " + "; ".join(_command_for(scope) for scope in sorted(todo))
        print(f"blijft staan\t{batch.message_id}\t{batch.window()}\t{why}")
    print(f"{len(result.acknowledged)} bevestigd, {len(result.kept)} blijven staan"
          + ("" if result.kept else "; de wachtrij is leeg, het alarm gaat uit"))
    return 0 if result.drained else 1


def _recount_failures(dry_run: bool) -> int:
    """Each readable message: the responses of its days (a day's margin either side: the
    arrival is UTC, a response's day Amsterdam's) counted again, then the message deleted; a
    message whose recount failed, or that cannot be read, stays (and so does the alarm).
    0 only when the queue is empty afterwards."""
    from datetime import timedelta

    from ..measurement import recount
    from ..publication import replay as failures

    url = failures.queue_url("COUNT_FAILURES_QUEUE_URL", "count-failures")
    batches = failures.receive_all(url, hold_seconds=30 if dry_run else failures.HOLD_SECONDS)
    print(f"wachtrij: {len(batches)} bericht(en)")
    done, kept = [], []
    for batch in batches:
        if not batch.readable or dry_run:
            print(f"{'blijft staan' if not batch.readable else 'in de wachtrij'}\t"
                  f"{batch.message_id}\t{batch.window()}")
            kept.append(batch)
            continue
        assert batch.first is not None and batch.last is not None
        day = timedelta(days=1)
        try:
            result = recount.recount(batch.first.date() - day, batch.last.date() + day)
        except Exception as error:
            result = recount.Recounted(outcomes={"*": f"{type(error).__name__}: {error}"})
        if result.failed:
            print(f"blijft staan\t{batch.message_id}\t{batch.window()}\t"
                  + "; ".join(f"{scope}: {why}" for scope, why in sorted(result.failed.items())))
            kept.append(batch)
            continue
        failures.acknowledge(url, [batch])
        done.append(batch)
        print(f"opnieuw geteld\t{batch.message_id}\t{batch.window()}\t"
              f"{result.responses} reactie(s) bekeken, {len(result.outcomes)} meting(en)")
    failures.release(url, kept)
    if dry_run:
        print("Proefrun: niets geteld. Zonder --dry-run worden deze dagen opnieuw geteld.")
        return 0
    print(f"{len(done)} bevestigd, {len(kept)} blijven staan"
          + ("" if kept else "; de wachtrij is leeg, het alarm gaat uit"))
    return 0 if not kept else 1


def _command_for(scope: str) -> str:
    from ..platform.models import parse_scope

    parsed = parse_scope(scope)
    if parsed is None:
        return scope
    return f"replay-failures --cycle {parsed[1]} {parsed[0]}"

