"""SES bounces and complaints mark the address, so the helpdesk sees why mail does not arrive."""
from __future__ import annotations

import json

import pytest
from chalice.test import Client

from tests.support.flows import register
from tests.support.tables import scan


def notify(app_module, notification) -> None:
    with Client(app_module.app, stage_name="local") as client:
        event = client.events.generate_sns_event(message=json.dumps(notification)
                                                 if not isinstance(notification, str)
                                                 else notification)
        client.lambda_.invoke("handle_mail_events", event)


def bounce(address, kind="Permanent"):
    return {"notificationType": "Bounce",
            "bounce": {"bounceType": kind, "bouncedRecipients": [{"emailAddress": address}]}}


def problem(aws):
    [item] = scan(aws, "RegistrantsTableName")
    return item.get("mail_problem", {}).get("S")


@pytest.fixture()
def registered(browser):
    register(browser)


def test_a_permanent_bounce_marks_the_address(registered, app_module, aws):
    notify(app_module, bounce("A.DeVries@groningen.nl"))
    assert problem(aws) == "bounce"


def test_a_complaint_marks_the_address(registered, app_module, aws):
    notify(app_module, {"eventType": "Complaint", "complaint": {
        "complainedRecipients": [{"emailAddress": "a.devries@groningen.nl"}]}})
    assert problem(aws) == "complaint"


@pytest.mark.parametrize("notification", [
    bounce("a.devries@groningen.nl", kind="Transient"),   # a full mailbox is not a problem yet
    bounce("onbekend@elders.nl"),
    {"notificationType": "Delivery"},
    "geen json",
    ["een", "lijst"],
])
def test_other_events_change_nothing(registered, app_module, aws, notification):
    notify(app_module, notification)
    assert problem(aws) is None


def test_the_helpdesk_sees_the_problem(registered, app_module, aws, helpdesk):
    notify(app_module, bounce("a.devries@groningen.nl"))
    assert "e-mail komt niet aan" in helpdesk.get("/helpdesk?q=a.devries@groningen.nl").text
