"""The whole pipeline on one machine: `./dev run`.

One process holds moto in server mode (the embedded AWS), the stack from infra/resources.yaml,
the Chalice app on http://127.0.0.1:8000, the stream pump that feeds DynamoDB streams to the
app's stream handlers, a mail catcher that prints every mail and saves it as .eml, and an sms
catcher that does the same with every sms (.local/sms/).
Ctrl-C stops all of it. Development only: nothing here ships in the Lambda package.
"""
from __future__ import annotations

import argparse
import email
import json
import logging
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from email import policy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-central-1"
ACCOUNT = "123456789012"
HELPDESK_USER = "helpdesk@aanlevermodule-ceo.nl"
HELPDESK_PASSWORD = "Lokaal-Helpdesk-2026"  # local moto only; deployed users are invited


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def stage_environment(stage: str = "local") -> dict[str, str]:
    """The stage's variables from .chalice/config.json, read by Chalice's own config loader."""
    from chalice.cli.factory import CLIFactory

    config = CLIFactory(project_dir=str(ROOT)).create_config_obj(chalice_stage_name=stage)
    return dict(config.environment_variables)


# Settings a developer may switch for one run from the shell, whatever the stage says, e.g.
# `REGISTRATION_DOMAIN_CHECK=true ./dev run` to try the helpdesk's queue of held registrations.
SHELL_OVERRIDES = ("REGISTRATION_DOMAIN_CHECK",)


def run_environment(stage: dict[str, str], shell: dict[str, str]) -> dict[str, str]:
    """The stage's variables, except those of SHELL_OVERRIDES that the shell sets."""
    return {**stage, **{name: shell[name] for name in SHELL_OVERRIDES if name in shell}}


class _Catcher:
    """Polls the embedded moto for what the app sent (`collect`) on a thread of its own and
    saves it in `directory`, until stopped (then collects once more)."""

    name = "catcher"

    def __init__(self, directory: Path, interval: float = 0.3) -> None:
        self.directory = directory
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.collect()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.collect()

    def collect(self) -> None:
        raise NotImplementedError


class MailCatcher(_Catcher):
    """Prints and saves every mail that the app sent through moto's SES (same process)."""

    name = "mail-catcher"

    def __init__(self, directory: Path, interval: float = 0.3) -> None:
        super().__init__(directory, interval)
        self._seen = 0

    def collect(self) -> None:
        from moto.ses.models import ses_backends

        messages = ses_backends[ACCOUNT][REGION].sent_messages
        while self._seen < len(messages):
            message = messages[self._seen]
            self._seen += 1
            raw = getattr(message, "raw_data", None)
            if raw is None:
                continue
            data = raw.encode() if isinstance(raw, str) else raw
            self._save(data)

    def _save(self, data: bytes) -> None:
        parsed = email.message_from_bytes(data, policy=policy.default)
        recipient = str(parsed["To"])
        safe = re.sub(r"[^A-Za-z0-9@._-]", "_", recipient)
        path = self.directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{self._seen:04d}-{safe}.eml"
        path.write_bytes(data)
        text = parsed.get_body(("plain",))
        links = re.findall(r"https?://\S+", text.get_content() if text else "")
        print(f"\n✉  Mail aan {recipient}\n   Onderwerp: {parsed['Subject']}", flush=True)
        for link in links:
            if "/link/" in link:
                print(f"   Persoonlijke link: {link}", flush=True)
        print(f"   Opgeslagen: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}\n",
              flush=True)


class SmsCatcher(_Catcher):
    """Prints and saves every sms that the app sent through moto's SNS (clients' invitations
    of a measurement) as a text file, like the mails: local only, nothing like it in AWS."""

    name = "sms-catcher"

    def __init__(self, directory: Path, interval: float = 0.3) -> None:
        super().__init__(directory, interval)
        self._seen: set[str] = set()

    def collect(self) -> list[Path]:
        from moto.sns.models import sns_backends

        saved = []
        for message_id, (number, text) in list(sns_backends[ACCOUNT][REGION]
                                                .sms_messages.items()):
            if message_id in self._seen:
                continue
            self._seen.add(message_id)
            safe = re.sub(r"[^0-9+]", "_", number)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"{stamp}-{len(self._seen):04d}-{safe}.txt"
            path.write_text(f"Aan: {number}\n\n{text}\n", encoding="utf-8")
            saved.append(path)
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            print(f"\n✆  Sms aan {number}\n   {text}\n   Opgeslagen: {shown}\n", flush=True)
        return saved


def _quiet_request_handler():
    """Chalice's request handler with the personal-link token removed from its access log."""
    from chalice.local import ChaliceRequestHandler

    from chalicelib.platform.logs import redact

    not_found = gateway_page("MISSING_AUTHENTICATION_TOKEN")

    class Handler(ChaliceRequestHandler):
        def log_message(self, format: str, *args) -> None:
            sys.stderr.write(redact(f"{self.address_string()} - {format % args}") + "\n")

        def _send_error_response(self, error) -> None:
            # an unknown path: the Dutch 404 page the deployed API Gateway answers with,
            # not Chalice's imitation of its JSON 403
            if b"Missing Authentication Token" in (error.body or b""):
                self._send_http_response(*not_found)
            else:
                super()._send_error_response(error)

    return Handler


def gateway_page(kind: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one of the API's gateway responses in infra/stack.yaml, as
    a deployed stage answers: one source for both."""
    from devtools.package import load_yaml

    api = load_yaml(ROOT / "infra" / "stack.yaml")["Resources"]["RestAPI"]["Properties"]
    response = api["GatewayResponses"][kind]
    headers = {name: value.strip("'") for name, value in
               response["ResponseParameters"]["Headers"].items()}
    body = response["ResponseTemplates"]["text/html"]
    if isinstance(body, dict):  # !Sub [page, {Home: ...}]: locally the app is at "/"
        text, names = body["Fn::Sub"]
        body = text.replace("${Home}", "/") if set(names) == {"Home"} else text
    return (int(response.get("StatusCode", 403)), headers, body.encode())


# One DynamoDB request at a time in the embedded moto (see serialise_dynamodb).
_DYNAMODB = threading.RLock()


def serialise_dynamodb() -> Callable[[], None]:
    """Makes the embedded moto answer one DynamoDB or DynamoDB Streams request at a time, as
    real DynamoDB isolates a transaction; returns the undo. moto 5.2.5 applies a transaction
    item by item after backing up each table it touches with copy.deepcopy, and puts the copy
    in place of the live table when the transaction is cancelled (a failed condition, e.g. a
    double click on "Verzenden"). With requests on threads, a write committed between the copy
    and the rollback is lost, a read (a stream read too) sees items that are rolled back, and
    the copy itself can fail on a table another thread is changing. One at a time, a rollback
    restores exactly what was there before the transaction (toolchain-notes: "moto's DynamoDB
    transactions are not isolated")."""
    from moto.dynamodb.responses import DynamoHandler
    from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

    undo: list[Callable[[], None]] = []
    for handler in (DynamoHandler, DynamoDBStreamsHandler):
        own = handler.__dict__.get("call_action")
        call = handler.call_action
        if getattr(call, "serialised", False):
            continue

        def call_action(self, call=call):
            with _DYNAMODB:
                return call(self)

        call_action.serialised = True  # type: ignore[attr-defined]
        handler.call_action = call_action  # type: ignore[method-assign]
        undo.append(lambda handler=handler, own=own: setattr(handler, "call_action", own)
                    if own is not None else delattr(handler, "call_action"))

    def restore() -> None:
        for step in undo:
            step()

    return restore


def runner_dynamodb() -> Callable[[], None]:
    """moto's DynamoDB as the runner (and the bench) use it: one request at a time; a
    cancelled transaction undone item by item in the live table instead of by swapping in a
    whole-table copy (devtools/moto_transactions.py); a Query on a table's key reading its
    partition, not the whole table (devtools/moto_queries.py). Returns the undo."""
    from devtools.moto_queries import query_one_partition
    from devtools.moto_transactions import roll_back_item_by_item

    undo = [serialise_dynamodb(), roll_back_item_by_item(), query_one_partition()]

    def restore() -> None:
        for step in reversed(undo):
            step()

    return restore


def forget_shard_iterators() -> None:
    """moto keeps every shard iterator it hands out (about 1 kB each, and each holds on to its
    table's shard, so to a table that a rollback replaced); the stream pump takes fresh ones
    every poll, so after a poll none is needed any more."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    with _DYNAMODB:
        dynamodbstreams_backends[ACCOUNT][REGION].shard_iterators.clear()


RECONCILE_EVERY = 15 * 60  # seconds, as the EventBridge rule in infra/stack.yaml


class Schedule:
    """Stands in for the EventBridge rule: queues a reconcile request every `interval`
    seconds, with the rule's input."""

    def __init__(self, queue_url: str, interval: float) -> None:
        self.queue_url, self.interval = queue_url, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedule", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import boto3

        sqs = boto3.client("sqs", region_name=REGION)
        while not self._stop.wait(self.interval):
            try:
                sqs.send_message(QueueUrl=self.queue_url, MessageBody='{"actor": null}')
            except Exception as error:  # the runner must not die of one tick
                print(f"[schedule] {type(error).__name__}: {error}", flush=True)


def stream_subscriptions(app_module, outputs: dict[str, str]):
    """One subscription per @app.on_dynamodb_record handler; the placeholder stream ARN in
    app.py names the table's stack output."""
    from chalice.app import DynamoDBEventConfig

    from devtools.stream_pump import Subscription

    subscriptions = []
    for source in app_module.app.event_sources:
        if isinstance(source, DynamoDBEventConfig):
            output = source.stream_arn.split("table/")[1].split("/")[0]
            subscriptions.append(Subscription(
                table_name=outputs[output], function_name=source.name,
                handler=getattr(app_module, source.name), batch_size=source.batch_size))
    return subscriptions


FORWARD_REPLAY = "python -m chalicelib.cli replay-failures --dry-run"
COUNT_REPLAY = ("./dev redrive local count-failures; counting is idempotent: with --yes it "
                "counts those days again")


def failure_queue(url: str, queue: str = "forward failure queue",
                  replay: str = FORWARD_REPLAY):
    """The stream pump's on-failure destination, as the stack's event source has one: a
    Lambda-shaped message per batch set aside; the message names the queue and the command
    that replays it."""
    import json

    import boto3

    from devtools.stream_pump import failure_message

    sqs = boto3.client("sqs", region_name=REGION)

    def discard(name: str, records: list) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(
            failure_message(name, records, attempts=4)))
        print(f"[stream-pump] {name}: {len(records)} record(s) set aside after repeated "
              f"failures, see the {queue} ({replay})", flush=True)

    return discard


FEED_PORT_OFFSET = 10  # the local feed over HTTP (devtools/feed_server.py): the app's port + 10

#: Where a running `./dev run` says which ports it uses, so that `./dev feed` finds it.
RUN_FILE = ROOT / ".local" / "run.json"


def announce_run(host: str, port: int, moto_port: int, bucket: str,
                 feed_port: int | None = None) -> None:
    RUN_FILE.parent.mkdir(parents=True, exist_ok=True)
    RUN_FILE.write_text(json.dumps({"pid": os.getpid(), "host": host, "port": port,
                                    "moto_port": moto_port, "bucket": bucket,
                                    "feed_port": feed_port}))


def withdraw_run() -> None:
    """Removes the run file if it is this process's (another run may have started since)."""
    try:
        if json.loads(RUN_FILE.read_text()).get("pid") == os.getpid():
            RUN_FILE.unlink()
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[1].replace("\n", " "),
        epilog="Op andere poorten, bijvoorbeeld naast een tweede kopie: ./dev run --port 8001 "
               "--moto-port 5001. ./dev feed vindt die poorten zelf zolang deze run draait.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="Het adres waarop de app en moto luisteren (standaard 127.0.0.1).")
    parser.add_argument("--port", type=int, default=8000,
                        help="De poort van de app (standaard 8000).")
    parser.add_argument("--moto-port", type=int, default=5000,
                        help="De poort van moto, de nagebootste AWS met de tabellen, e-mail en "
                             "de publicatie-bucket (standaard 5000).")
    parser.add_argument("--feed-port", type=int, default=None,
                        help="De poort waarop de lokale feed over HTTP te lezen is, met de "
                             "CORS- en cache-headers van de echte feed (standaard de poort van "
                             "de app plus 10, dus 8010; is die bezet, dan een vrije poort).")
    parser.add_argument("--mail-dir", type=Path, default=ROOT / ".local" / "mail",
                        help="De map waarin elke verstuurde e-mail als .eml-bestand komt "
                             "(standaard .local/mail).")
    parser.add_argument("--sms-dir", type=Path, default=ROOT / ".local" / "sms",
                        help="De map waarin elke verstuurde sms als tekstbestand komt "
                             "(standaard .local/sms).")
    args = parser.parse_args(argv)

    for port in (args.port, args.moto_port, *([args.feed_port] if args.feed_port else [])):
        if not _port_free(args.host, port):
            print(f"Poort {port} is al in gebruik. Stop het andere proces of kies een andere "
                  f"poort met --port / --moto-port / --feed-port.", file=sys.stderr)
            return 2

    endpoint = f"http://{args.host}:{args.moto_port}"
    os.environ.update(run_environment(stage_environment("local"), dict(os.environ)))
    os.environ.update({
        "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ENDPOINT_URL": endpoint,
        "MOTO_ACCOUNT_ID": ACCOUNT, "BASE_URL": f"http://{args.host}:{args.port}",
    })
    os.environ.pop("AWS_PROFILE", None)
    sys.path.insert(0, str(ROOT))

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's own request log
    moto = ThreadedMotoServer(ip_address=args.host, port=args.moto_port, verbose=False)
    runner_dynamodb()
    moto.start()

    from devtools import aws_resources

    outputs = aws_resources.deploy("local", REGION)
    os.environ.update(aws_resources.environment_for(outputs))
    pool = aws_resources.create_helpdesk_pool("local", REGION)
    os.environ.update(pool)
    aws_resources.create_helpdesk_user(pool, HELPDESK_USER, HELPDESK_PASSWORD, region=REGION)

    from chalice.cli.factory import CLIFactory
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

    import app as app_module
    from devtools.stream_pump import StreamPump

    config = CLIFactory(project_dir=str(ROOT)).create_config_obj(chalice_stage_name="local")
    CustomLocalChalice.__bases__ = (LocalChalice, app_module.app.__class__)
    app_module.app.__class__ = CustomLocalChalice
    server = LocalDevServer(app_module.app, config, args.host, args.port,
                            handler_cls=_quiet_request_handler())
    server_thread = threading.Thread(target=server.server.serve_forever, daemon=True)

    from devtools.queue_pump import QueuePump

    mail_queue = QueuePump(outputs["MailQueueUrl"], app_module.deliver_mail, REGION,
                           "deliver_mail")
    contact_lists = QueuePump(outputs["ContactListQueueUrl"], app_module.deliver_mail, REGION,
                              "deliver_mail")  # the same worker fans contact lists out
    reconcile_queue = QueuePump(outputs["ReconcileQueueUrl"], app_module.reconcile_feed, REGION,
                                "reconcile_feed")
    schedule = Schedule(outputs["ReconcileQueueUrl"], RECONCILE_EVERY)
    forward_failures = failure_queue(outputs["ForwardFailuresQueueUrl"])
    count_failures = failure_queue(outputs["CountFailuresQueueUrl"], "count failure queue",
                                   COUNT_REPLAY)

    def set_aside(name: str, records: list) -> None:  # each stream its own failure queue
        (count_failures if name == "count_responses" else forward_failures)(name, records)

    pump = StreamPump(stream_subscriptions(app_module, outputs), REGION,
                      on_discard=set_aside, after_poll=forget_shard_iterators)
    from devtools.feed_server import FeedServer

    feed_port = args.feed_port or (args.port + FEED_PORT_OFFSET
                                   if _port_free(args.host, args.port + FEED_PORT_OFFSET) else 0)
    feed = FeedServer(args.host, feed_port, outputs["PublicationBucketName"], REGION)
    mails = MailCatcher(args.mail_dir)
    sms = SmsCatcher(args.sms_dir)

    # the handlers only set a flag: Event.set() in a signal handler takes the event's lock,
    # which the interrupted main thread may hold inside Event.wait(), and never returns
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, _: stopping.append(number))
    signal.signal(signal.SIGINT, lambda number, _: stopping.append(number))

    server_thread.start()
    feed.start()
    pump.start()
    mail_queue.start()
    contact_lists.start()
    reconcile_queue.start()
    schedule.start()
    mails.start()
    sms.start()
    domain_check = "aan" if os.environ.get("REGISTRATION_DOMAIN_CHECK", "").lower() == "true" \
        else "uit (aan met REGISTRATION_DOMAIN_CHECK=true ./dev run)"
    print(f"""
Aanlevermodule CEO draait lokaal.
  App:        http://{args.host}:{args.port}/
  AWS (moto): {endpoint}   (tabellen, e-mail, bucket {outputs['PublicationBucketName']})
  E-mails:    verschijnen hier en als .eml in {args.mail_dir}
  Sms:        verschijnen hier en als .txt in {args.sms_dir}
  Streams:    {len(pump.subscriptions)} stream-handler(s) aangesloten, en de e-mailwachtrij
  Controle:   de publicatie wordt elk kwartier vergeleken en hersteld (reconciler)
  Helpdesk:   http://{args.host}:{args.port}/helpdesk/inloggen
              {HELPDESK_USER} / {HELPDESK_PASSWORD}
  Feed:       http://{args.host}:{feed.port}/index.json (de hoofdindex) en verder, met de
              CORS- en cache-headers van de echte feed (voor een site in de browser);
              ./dev feed kopieert de publicatie-bucket naar .local/feed/ (het vindt
              deze poorten zelf); daarna bouwt ./dev site de voorbeeldsite
  Aanmelden:  domeincontrole {domain_check}
Stop met Ctrl-C.
""", flush=True)
    announce_run(args.host, args.port, args.moto_port, outputs["PublicationBucketName"],
                 feed.port)
    while not stopping:
        time.sleep(0.2)
    withdraw_run()
    print("Stoppen ...", flush=True)
    server.shutdown()
    # the workers first (each may be in a long poll), then the catchers collect what they
    # sent: each group stops at once, so stopping takes one poll, not the sum of them
    _stop_together(feed, pump, mail_queue, contact_lists, schedule, reconcile_queue)
    _stop_together(mails, sms)
    moto.stop()
    print("Gestopt.", flush=True)
    return 0


def _stop_together(*parts: Any) -> None:
    threads = [threading.Thread(target=part.stop, daemon=True) for part in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
