"""A Lambda container builds each AWS client once: after one warm-up journey, a whole second
journey through every route and event handler creates no botocore client at all (building one
costs about 100 ms: it parses the service and endpoint models)."""
from __future__ import annotations

import json
import re

import pytest
from botocore.session import Session

from tests.support import flows
from tests.support.answers import ALL
from tests.support.browser import Browser
from tests.support.feed import make_registrant, record


class ClientCreations:
    def __init__(self, monkeypatch) -> None:
        self.services: list[str] = []
        real = Session.create_client

        def counting(session, service_name, *args, **kwargs):
            self.services.append(service_name)
            return real(session, service_name, *args, **kwargs)

        monkeypatch.setattr(Session, "create_client", counting)


def _representative_journey(browser, mailbox, email: str, code: str) -> None:
    """Every representative route: register, new link, link, start, each section (show and
    save), review, reset, prefill, send, confirmation, sign out, assets."""
    from chalicelib.questionnaire.journey import current_definition

    assert browser.get("/").status_code == 200
    assert browser.submit("/", [("naam", "Els de Vries"), ("email", email),
                                ("telefoon", "050 367 9111"), ("gemeente", code),
                                ("namens", "ja")]).status_code == 303
    assert browser.get("/aangemeld").status_code == 200
    assert browser.submit("/nieuwe-link", {"email": email}).status_code == 303
    assert browser.get("/link-aangevraagd").status_code == 200
    assert browser.get(mailbox.last_link(email)).status_code == 303
    start = browser.get("/start").text
    for asset in re.findall(r'(?:href|src)="(/assets/[^"]+)"', start):
        assert browser.get(asset).status_code == 200
    for section in current_definition().sections:
        path = f"/gemeente/{code}/vragen/{section.id}"
        version = re.search(r'name="versie" value="(\d+)"', browser.get(path).text).group(1)
        assert browser.submit(path, [*ALL[section.id], ("versie", version),
                                     ("actie", "volgende")], form_page=path).status_code == 303
    assert browser.get(f"/gemeente/{code}/controleren").status_code == 200
    assert browser.get(f"/gemeente/{code}/verwijderen").status_code == 200
    sent = flows.send(browser, code=code)
    assert sent.status_code == 303, sent.text
    assert browser.get(sent.headers["Location"]).status_code == 200
    number = re.search(r'href="/gemeente/\w+/aanlevering/([\w-]+)"',
                       browser.get(sent.headers["Location"]).text).group(1)
    for kind in ("", "/json", "/html", "/rapport"):
        assert browser.get(f"/gemeente/{code}/aanlevering/{number}{kind}").status_code == 200
    assert flows.reset(browser, code=code).status_code == 303
    assert browser.submit(f"/gemeente/{code}/overnemen", {},
                          form_page="/start").status_code == 303
    assert browser.submit("/uitloggen", {}, form_page="/start").status_code == 303
    assert browser.get("/uitgelogd").status_code == 200


def _helpdesk_journey(helpdesk, code: str, delivery: str, email: str, add: str) -> None:
    search = helpdesk.get(f"/helpdesk?q={code}")
    assert search.status_code == 200
    assert helpdesk.get(f"/helpdesk/gemeente/{code}").status_code == 200
    found = helpdesk.get(f"/helpdesk?q={email}").text
    registrant_id = re.search(r'/helpdesk/registrant/([0-9a-f]{32})', found).group(1)
    assert helpdesk.get(f"/helpdesk/registrant/{registrant_id}").status_code == 200
    assert helpdesk.get(f"/helpdesk/gemeente/{code}/intrekken/{delivery}").status_code == 200
    for kind in ("", "/json", "/html", "/rapport"):
        assert helpdesk.get(f"/helpdesk/gemeente/{code}/aanlevering/{delivery}{kind}"
                            ).status_code == 200
    assert helpdesk.get(f"/helpdesk/gemeente/{code}/vergelijken?van={delivery}&naar={delivery}"
                        ).status_code == 400
    assert helpdesk.submit(f"/helpdesk/gemeente/{code}/intrekken/{delivery}", {"reden": "fout"},
                           form_page=f"/helpdesk/gemeente/{code}").status_code == 200
    assert helpdesk.submit(f"/helpdesk/gemeente/{code}/herstellen/{delivery}",
                           {"reden": "toch goed"},
                           form_page=f"/helpdesk/gemeente/{code}").status_code == 200
    registrant = f"/helpdesk/registrant/{registrant_id}"
    assert helpdesk.submit(f"{registrant}/link-opnieuw", {}, form_page=registrant
                           ).status_code == 200
    assert helpdesk.submit(f"{registrant}/gemeente-toevoegen",
                           {"gemeente": add, "reden": "collega"}, form_page=registrant
                           ).status_code == 200
    assert helpdesk.get(f"/helpdesk/gemeente/{code}/logboek.csv").status_code == 200
    assert helpdesk.get(f"{registrant}/logboek.csv").status_code == 200
    assert helpdesk.get("/helpdesk/export/2026/json").status_code == 200
    assert helpdesk.get("/helpdesk/seizoen").status_code == 200
    assert helpdesk.get(f"/helpdesk/gemeente/{code}?jaar=2025").status_code == 200
    for action in ("uitzondering", "uitzondering-intrekken"):
        assert helpdesk.submit(f"/helpdesk/gemeente/{code}/{action}", {"tot": "x"},
                               form_page=f"/helpdesk/gemeente/{code}").status_code == 400
    assert helpdesk.get("/helpdesk/seizoen.csv").status_code == 200
    assert helpdesk.submit("/helpdesk/seizoen/herinnering", {"gemeente": add},
                           form_page="/helpdesk/seizoen").status_code in (200, 409)
    assert helpdesk.submit(f"/helpdesk/gemeente/{code}/publicatie-controleren", {},
                           form_page=f"/helpdesk/gemeente/{code}").status_code == 200
    assert helpdesk.submit("/helpdesk/publicatie-controleren", {},
                           form_page="/helpdesk").status_code == 200


def _event_handlers(app_module, email: str) -> None:
    from chalice.test import Client

    with Client(app_module.app, stage_name="local") as client:
        result = client.lambda_.invoke("forward_deliveries",
                                       {"Records": [record("GM0014#2026", 1, "INSERT")]})
        assert result.payload == {"batchItemFailures": []}
        notification = {"notificationType": "Bounce", "bounce": {
            "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": email}]}}
        client.lambda_.invoke("handle_mail_events", client.events.generate_sns_event(
            message=json.dumps(notification)))
        client.lambda_.invoke("send_reminders", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        client.lambda_.invoke("apply_retention", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        client.lambda_.invoke("send_client_reminders", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]))
        reconciled = client.lambda_.invoke("reconcile_feed", client.events.generate_sqs_event(
            message_bodies=['{"actor": null}'], queue_name="ceo-local-reconcile"))
        assert reconciled.payload == {"batchItemFailures": []}


@pytest.fixture()
def second_browser(aws, app_module):
    return Browser(app_module.app)


def test_a_warm_container_builds_no_client_for_any_route_or_handler(
        browser, second_browser, mailbox, helpdesk, app_module, monkeypatch):
    _representative_journey(browser, mailbox, "els@groningen.nl", "GM0014")
    _helpdesk_journey(helpdesk, "GM0014", "GM0014-2026-1", "els@groningen.nl", "GM0034")
    _event_handlers(app_module, "els@groningen.nl")

    created = ClientCreations(monkeypatch)
    _representative_journey(second_browser, mailbox, "piet@groningen.nl", "GM0014")
    _helpdesk_journey(helpdesk, "GM0014", "GM0014-2026-2", "piet@groningen.nl", "GM0037")
    _event_handlers(app_module, "piet@groningen.nl")
    assert created.services == []


def test_the_counter_sees_a_client_built_per_request(aws, monkeypatch):
    """The assertion above can fail: a client built per call is counted."""
    import boto3

    created = ClientCreations(monkeypatch)
    boto3.client("dynamodb")
    boto3.client("sesv2")
    assert created.services == ["dynamodb", "sesv2"]


def test_models_bind_to_the_shared_connection_safely_from_many_threads(aws, monkeypatch):
    """The local runner serves requests on threads: the first touches of a model at the same
    moment must neither fail nor leave the model on a connection of its own."""
    import sys
    import threading
    import time as clock

    from pynamodb.connection import TableConnection

    from chalicelib.platform import models

    shared = models.connection()
    real_init = TableConnection.__init__

    def slow_init(self, *args, **kwargs):  # widen the window in which threads can collide
        real_init(self, *args, **kwargs)
        clock.sleep(0.02)

    monkeypatch.setattr(TableConnection, "__init__", slow_init)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for model in models.ALL_MODELS:
            model._connection = None
            shared._tables.pop(model.Meta.table_name, None)
        errors, bound = [], []

        def touch(model):
            try:
                bound.append(model._get_connection().connection is shared)
            except Exception as error:
                errors.append(error)

        threads = [threading.Thread(target=touch, args=(model,))
                   for model in models.ALL_MODELS for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == [] and all(bound) and len(bound) == 4 * len(models.ALL_MODELS)
    assert all(model._get_connection().connection is shared for model in models.ALL_MODELS)
    registrant = make_registrant(email="threads@ede.nl")  # and they still work: a write and
    assert [r.id for r in models.Registrant.scan()] == [registrant.id]  # a read
