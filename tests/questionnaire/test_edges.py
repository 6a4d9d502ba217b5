"""The rare edges that used to answer 500: digits from other scripts in a path, and a draft
that would pass DynamoDB's 400 KB item size."""
from __future__ import annotations

import re
from urllib.parse import quote

import boto3
import pytest


# API Gateway hands the handler the decoded path parameter; chalice's local server and test
# client do not decode, so the decoded form is sent here as it would arrive on AWS.
@pytest.mark.parametrize("path", [
    "/gemeente/GM0014/verzonden/²",               # superscript two
    "/gemeente/GM0014/verzonden/١",               # Arabic-Indic one
    "/gemeente/GM٠٠١٤/vragen/opzet",              # Arabic-Indic digits in the CBS code
    "/gemeente/GM００１４/controleren",            # full-width digits
])
def test_digits_from_other_scripts_in_a_path_are_not_found(delivered, path):
    response = delivered.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert "Pagina niet gevonden" in response.text


@pytest.mark.parametrize("path", ["/helpdesk/export/２０２６/csv", "/helpdesk/gemeente/GM٠٠١٤",
                                  "/helpdesk/gemeente/GM0014/logboek.csv".replace("0", "٠")])
def test_the_helpdesk_answers_other_digits_with_not_found_too(helpdesk, path):
    assert helpdesk.get(path).status_code == 404


def _stored_answers(aws) -> str:
    [draft] = boto3.client("dynamodb").scan(TableName=aws["DraftsTableName"])["Items"]
    return draft["answers"]["S"]


def _post_section(agent, section: str, field: str, text: str):
    path = f"/gemeente/GM0014/vragen/{section}"
    version = re.search(r'name="versie" value="(\d+)"', agent.get(path).text).group(1)
    return agent.submit(path, [(field, text), ("versie", version)], form_page=path)


def test_a_draft_too_large_to_store_is_refused_with_the_input_still_on_the_page(
        delivered, aws):
    """Four pages of 20,000 control characters: 60 KB posted each, 120 KB each once
    JSON-escaped as stored, 480 KB in all, past DynamoDB's 400 KB."""
    pages = [("opzet", "doel"), ("uitvoering", "uitgevoerd_door"),
             ("uitkomsten", "belangrijkste_uitkomsten"), ("opvolging", "verbeteracties")]
    statuses = []
    for section, field in pages:
        before = _stored_answers(aws)
        typed = f"Begin van {field}. " + "\x01" * 19_900
        response = _post_section(delivered, section, field, typed)
        statuses.append(response.status_code)
        if response.status_code == 413:
            assert "niet opgeslagen" in response.text
            assert "te lang om te bewaren" in response.text
            assert f"Begin van {field}." in response.text  # still in the form
            assert _stored_answers(aws) == before  # nothing half-written
    assert 500 not in statuses and statuses[-1] == 413, statuses
    assert set(statuses[:-1]) <= {400, 413}  # saved as typed (with an error), or refused
    assert delivered.get("/gemeente/GM0014/controleren").status_code == 200


def test_quoting_the_path_changes_nothing(delivered):
    assert delivered.get("/gemeente/GM0014/verzonden/" + quote("²")).status_code == 404
