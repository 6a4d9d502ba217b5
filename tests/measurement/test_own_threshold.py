"""A measurement's own privacy threshold, set on its edit page: never below the default (10),
in steps of 5, a Dutch error otherwise and nothing stored; audited and checked against the
version the form showed. Once raised, the results page, the data file and "Gebruik deze
uitkomsten" all hold back until the new minimum — and show at it."""
from __future__ import annotations

import json
import re

import pytest

from tests.support import measurement as m
from tests.support import results as support
from tests.support.tables import scan


@pytest.fixture(autouse=True)
def _fresh_stream():
    support.forget_stream()
    yield
    support.forget_stream()


def _respond(aws, measurement, n):
    for _ in range(n):
        support.respond(measurement, {"q1": "5", "q8": "4"})
    support.count_new(aws)


def _shown(browser, path) -> int | None:
    found = re.search(r'id="totaal-basis">Cijfers over <strong data-responses="(\d+)"',
                      browser.get(f"{path}/resultaten").text)
    return int(found.group(1)) if found else None


def _stored_threshold(aws):
    [item] = scan(aws, "Measurements")
    return item.get("threshold", {}).get("N")


@pytest.mark.parametrize(("given", "message"), [
    ("9", "De drempel is minstens 10 reacties"),
    ("veel", "Vul de drempel in als een heel getal"),
    ("-15", "Vul de drempel in als een heel getal"),
    ("12", "Kies de drempel in stappen van 5: 10, 15, 20"),
])
def test_a_threshold_below_the_default_or_off_its_steps_is_refused(browser, mailbox, aws,
                                                                    given, message):
    path = m.representative_with_measurement(browser, mailbox)
    assert m.edit_fields(browser.get(f"{path}/wijzigen").text)["drempel"] == ["10"]
    refused = m.edit(browser, path, drempel=given)
    assert refused.status_code == 400 and message in refused.text
    assert _stored_threshold(aws) is None
    assert [i for i in scan(aws, "Audit") if i["action"]["S"] == "meting gewijzigd"] == []


def test_a_raised_threshold_holds_back_results_data_file_and_delivery_until_it(
        browser, mailbox, aws):
    from chalicelib.measurement import measurements

    path = m.representative_with_measurement(browser, mailbox)
    measurement = measurements.get(*path.split("/")[2:5:2])
    _respond(aws, measurement, 10)
    assert _shown(browser, path) == 10  # the default: shown at 10

    shown_before = m.edit_fields(browser.get(f"{path}/wijzigen").text)
    assert m.edit(browser, path, drempel="15").status_code == 303
    assert _stored_threshold(aws) == "15"
    [entry] = [i for i in scan(aws, "Audit") if i["action"]["S"] == "meting gewijzigd"]
    details = json.loads(entry["details"]["S"])
    assert details["velden"] == ["drempel"] and details["drempel"] == 15
    stale = m.edit(browser, path, fields=shown_before, drempel="20")  # the form before it
    assert stale.status_code == 409 and "drempel door" in stale.text
    assert _stored_threshold(aws) == "15"

    for more in (0, 4):  # 10 responses, then 14: below the new minimum
        _respond(aws, measurement, more)
        page = browser.get(f"{path}/resultaten").text
        assert _shown(browser, path) is None and "Minder dan 15 reacties" in page
        data_file = browser.get(f"{path}/databestand?formaat=csv")
        assert data_file.status_code == 409 and "vanaf 15 reacties" in data_file.text
        delivery = browser.get(f"{path}/aanlevering").text
        assert "minstens 15 nodig" in delivery and 'name="uitkomsten"' not in delivery

    _respond(aws, measurement, 1)  # the fifteenth
    assert _shown(browser, path) == 15
    assert browser.get(f"{path}/databestand?formaat=csv").status_code == 200
    delivery = browser.get(f"{path}/aanlevering").text
    assert "15 reacties" in delivery and 'name="uitkomsten"' in delivery
