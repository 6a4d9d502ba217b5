"""The local runner under concurrent requests: a cancelled transaction (the second click of a
double click on "Verzenden") loses nobody's write and never stops the feed. moto 5.2.5 rolls a
cancelled transaction back by putting a deep copy in place of each table it touched (see
toolchain-notes, "moto's DynamoDB transactions are not isolated"); the runner serialises moto's
DynamoDB requests, undoes a cancelled transaction item by item in the live table instead
(devtools/moto_transactions.py), and its stream pump resumes after the last record it took.

The requests run on threads in this process against moto, as `./dev run` runs them on the
Chalice server's threads against its embedded moto, with the runner's own serialisation and
stream pump."""
from __future__ import annotations

import sys
import threading
import time

import pytest

from tests.support.feed import bucket_object, deliver, make_registrant
from tests.support.tables import scan

REGION = "eu-central-1"
CYCLE = 2026


@pytest.fixture()
def runner_dynamodb():
    """moto's DynamoDB as `./dev run` sets it up."""
    from devtools.local import runner_dynamodb

    undo = runner_dynamodb()
    yield
    undo()


@pytest.fixture()
def busy():
    """Threads take turns every 0.1 ms instead of every 5 ms, so requests overlap inside moto
    as they do when the local server is busy."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)
    yield
    sys.setswitchinterval(before)


def double_click(registrant, code):
    """Two sends of the draft version the person checked, one after the other: the first makes
    the delivery, the second's transaction is cancelled (the draft moved on) and sends nothing.
    Returns the delivery id."""
    from chalicelib.delivery import sending
    from chalicelib.platform.municipalities import name_of
    from chalicelib.questionnaire import drafts, journey
    from tests.support.answers import COMPLETE_RAW

    definition = journey.current_definition()
    existing = drafts.load_with_registrant(registrant.id, code, CYCLE)[1]
    if existing is not None:
        existing.delete(add_version_condition=False)
    drafts.start_from(registrant.id, code, definition, dict(COMPLETE_RAW), CYCLE)
    clicks = [drafts.load_with_registrant(registrant.id, code, CYCLE, with_state=True)
              for _ in range(2)]
    (person, draft, state), (again, same_draft, same_state) = clicks
    made = sending.send(person, code, name_of(code, 2025), definition, draft, state)
    with pytest.raises(sending.DraftChanged):
        sending.send(again, code, name_of(code, 2025), definition, same_draft, same_state)
    return made.delivery_id


def in_parallel(work, arguments):
    """Runs work(*arguments[i]) on one thread each; the exceptions raised, as text."""
    errors: list[str] = []

    def guarded(*args):
        try:
            work(*args)
        except BaseException as error:  # pytest.raises fails with a BaseException
            errors.append(f"{args[-1]}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=guarded, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def published(aws, code):
    document = bucket_object(aws, f"ceo-wmo/{CYCLE}/{code}.json")
    if document is None:
        return None
    return document["status"], (document.get("delivery") or {}).get("id")


def wait_for(observe, wanted, what, timeout=60.0):
    """Polls observe() until it gives `wanted`; the assertion shows what it gave last."""
    deadline = time.monotonic() + timeout
    while (seen := observe()) != wanted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert seen == wanted, f"{what}: still {seen}"


CODES = ("GM0014", "GM0034", "GM0050", "GM0228", "GM0363", "GM0518")


def test_the_feed_follows_a_withdrawal_made_after_double_clicks_among_other_sends(
        aws, app_module, runner_dynamodb, busy):
    from chalicelib.delivery import withdrawals
    from devtools.local import stream_subscriptions
    from devtools.stream_pump import StreamPump

    people = {code: make_registrant(email=f"{code.lower()}@ede.nl", codes=(code,))
              for code in CODES}
    pump = StreamPump(stream_subscriptions(app_module, aws), REGION, interval=0.05)
    pump.start()
    try:
        deliver(people["GM0014"])
        wait_for(lambda: published(aws, "GM0014"), ("published", "GM0014-2026-1"),
                 "the first delivery in the feed")
        # every municipality clicks twice, three times over, while the others send
        rounds = 3

        def clicks(code):
            for _ in range(rounds):
                double_click(people[code], code)

        assert in_parallel(clicks, [(code,) for code in CODES]) == []
        # the helpdesk withdraws GM0014's latest delivery: the one before it counts again
        latest = f"GM0014-2026-{rounds + 1}"
        withdrawals.withdraw_latest("GM0014", CYCLE, latest, "helpdesk@ede.nl", "vergissing")
        expected = {code: ("published", f"{code}-2026-{rounds}") for code in CODES[1:]}
        expected["GM0014"] = ("published", f"GM0014-2026-{rounds}")
        wait_for(lambda: {code: published(aws, code) for code in CODES}, expected,
                 "the feed after the withdrawal")
    finally:
        pump.stop()


def test_no_confirmed_delivery_is_lost_when_double_clicks_run_among_other_sends(
        aws, app_module, runner_dynamodb, busy):
    codes = (*CODES, "GM0599", "GM0344")
    people = {code: make_registrant(email=f"{code.lower()}@ede.nl", codes=(code,))
              for code in codes}
    confirmed: dict[str, list[str]] = {code: [] for code in codes}
    rounds = 3

    def clicks(code):
        for _ in range(rounds):
            confirmed[code].append(double_click(people[code], code))

    assert in_parallel(clicks, [(code,) for code in codes]) == []
    stored = {item["delivery_id"]["S"] for item in scan(aws, "DeliveriesTableName")}
    assert stored == {delivery for made in confirmed.values() for delivery in made}
    # and every municipality's state still knows its latest delivery: sending again works
    states = {item["scope"]["S"]: int(item["last_sequence"]["N"])
              for item in scan(aws, "ScopeStateTableName")}
    assert states == {f"{code}#{CYCLE}": rounds for code in codes}
    for code in codes:
        assert deliver(people[code], code=code).delivery_id == f"{code}-2026-{rounds + 1}"
