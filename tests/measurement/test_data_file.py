"""The anonymised data file for the municipality's analyst: one row per response, teams (and
periods, channels) below the threshold merged into "overig", ISO weeks instead of days, no
contact data, written answers only once reviewed, excluded days left out, every download
audited, a file too large for one response behind a short-lived link to a private object,
for representatives of the municipality only."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import boto3
import requests

from chalicelib.measurement import responses
from chalicelib.platform.models import Measurement
from tests.support import measurement as m
from tests.support.browser import Browser, deliver_queued
from tests.support.flows import signed_in
from tests.support.tables import scan

PHONE_TYPED, PHONE = "06 1234 5678", "+31612345678"
CLIENT = "j.devries@voorbeeld.nl"
MONDAY = date.today() - timedelta(days=date.today().weekday())


def _measurement(path: str) -> Measurement:
    _, _, code, _, mid = path.split("/")
    return Measurement.get(code, mid, consistent_read=True)


def _answer(measurement: Measurement, count: int, team: str | None, channel: str = "generiek",
            day: date = MONDAY, answers: dict | None = None) -> None:
    for _ in range(count):
        source = responses.Source(measurement.municipality, measurement.id, "meting", channel,
                                  team)
        responses.submit(source, answers or dict(m.STANDARD), day=day)


def _csv(response) -> list[dict]:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


def _downloads(aws) -> list[dict]:
    return [i for i in scan(aws, "Audit")
            if i["action"]["S"] == "databestand van meting gedownload"]


def test_no_team_below_the_threshold_and_weeks_not_days(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    _answer(measurement, 10, "t1", day=MONDAY - timedelta(days=7))  # 10: shown by name
    _answer(measurement, 9, "t2")  # 9: below, merged
    _answer(measurement, 10, None, channel="papier")
    rows = _csv(browser.get(f"{path}/databestand?formaat=csv"))
    assert len(rows) == 29
    teams = {t: sum(r["team"] == t for r in rows) for t in {r["team"] for r in rows}}
    # "Zorg Zuid" (9) is merged; "overig" alone would be 9, so the smallest other group (the
    # 10 without a team) joins it; "Sociaal team Noord" with exactly 10 keeps its name
    assert teams == {"Sociaal team Noord": 10, "overig": 19}
    assert all(n >= 10 for n in teams.values())
    assert all(re.fullmatch(r"\d{4}-W\d{2}", r["week"]) for r in rows)
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", value) for r in rows for value in r.values())
    assert [r["q1"] for r in rows] == ["5"] * 29 and rows[0]["q9"] == "0"
    assert [r["nummer"] for r in rows] == [str(n) for n in range(1, 30)]
    [entry] = _downloads(aws)
    assert json.loads(entry["details"]["S"]) == {"meting": measurement.id, "formaat": "csv",
                                                 "rijen": 29, "vrije_tekst": False}
    assert entry["actor"]["S"].startswith("registrant#")
    assert entry["subject"]["S"] == "gemeente#GM0014"
    browser.get(f"{path}/databestand?formaat=json")
    assert len(_downloads(aws)) == 2  # every download, also the second


def test_the_file_holds_no_contact_data(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    inviter = m.signed_in_inviter(browser, mailbox, app_module.app, path, team="t1")
    for contact in (PHONE_TYPED, CLIENT):
        assert m.inviter_post(inviter, "/uitnodiger/uitnodigen",
                              {"contact": contact}).status_code == 303
    deliver_queued()
    link = re.search(r"http://127\.0\.0\.1:8000(/a/\S+)", mailbox.to(CLIENT)[-1].text).group(1)
    client = Browser(app_module.app)
    client.get(link)
    m.answer_all(client)
    assert m.send(client).status_code == 200
    _answer(_measurement(path), 10, "t1")
    for fmt in ("csv", "json"):
        text = browser.get(f"{path}/databestand?formaat={fmt}").text
        for trace in (PHONE, "612345678", "1234 5678", CLIENT, "voorbeeld.nl", "Jansen",
                      "zorgnoord", link[3:]):
            assert trace not in text, (fmt, trace)
    rows = json.loads(browser.get(f"{path}/databestand?formaat=json").text)["rows"]
    assert len(rows) == 11 and {r["team"] for r in rows} == {"Sociaal team Noord"}
    assert "e-mail" in {r["kanaal"] for r in rows} or "overig" in {r["kanaal"] for r in rows}


def test_nothing_below_the_threshold_and_the_boundary(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    _answer(measurement, 9, None)
    refused = browser.get(f"{path}/databestand?formaat=json")
    assert refused.status_code == 409 and "pas vanaf 10 reacties" in refused.text
    assert _downloads(aws) == []
    _answer(measurement, 1, None)
    assert len(json.loads(browser.get(f"{path}/databestand?formaat=json").text)["rows"]) == 10
    assert browser.get(f"{path}/databestand?formaat=xlsx").status_code == 400


def test_excluded_days_are_left_out(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    burst = MONDAY - timedelta(days=3)
    _answer(measurement, 12, None)
    _answer(measurement, 6, None, day=burst)
    measurement.update(actions=[Measurement.excluded_days.add({burst.isoformat()})])
    rows = _csv(browser.get(f"{path}/databestand"))
    assert len(rows) == 12


def test_written_answers_only_once_reviewed(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    measurement.update(actions=[Measurement.extra_questions.set(
        [{"id": "x1", "text": "Wat kan beter?", "kind": "open"}])])
    _answer(measurement, 10, None, answers={**m.STANDARD, "x1": "Meer tijd, groet Jan"})
    before = _csv(browser.get(f"{path}/databestand"))
    assert "x1" not in before[0] and "Jan" not in browser.get(f"{path}/databestand").text
    page = browser.get(path)
    assert "nog niet in het databestand" in page.text
    unticked = browser.submit(f"{path}/vrije-tekst", {}, form_page=path)
    assert unticked.status_code == 400
    assert _measurement(path).free_text_reviewed_at is None
    ticked = browser.submit(f"{path}/vrije-tekst", {"nagekeken": "ja"}, form_page=path)
    assert ticked.status_code == 303
    assert [i for i in scan(aws, "Audit") if i["action"]["S"] ==
            "vrije tekst van meting nagekeken"]
    after = _csv(browser.get(f"{path}/databestand"))
    assert after[0]["x1"] == "Meer tijd, groet Jan"
    # the client pages ask it (tests/measurement/test_written_answers.py), with the warning
    client = Browser(app_module.app)
    assert client.get(f"/m/GM0014/{measurement.id}").status_code == 303
    shown = client.get("/antwoorden/extra").text
    assert 'name="x1"' in shown and "Schrijf geen namen, telefoonnummers of adressen" in shown
    assert _downloads(aws)[-1]["details"]


def test_a_file_too_large_for_one_response_comes_through_a_short_lived_private_link(
        browser, mailbox, aws, monkeypatch):
    from chalicelib.platform import private_files

    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    _answer(measurement, 10, None)
    direct = browser.get(f"{path}/databestand")
    rows = _csv(direct)
    size = len(json.dumps(direct.text))  # as a Lambda response carries the body
    monkeypatch.setenv("DATA_FILE_MAX_BYTES", str(size))  # exactly at the limit: direct
    assert _csv(browser.get(f"{path}/databestand")) == rows
    assert len(_downloads(aws)) == 2
    monkeypatch.setenv("DATA_FILE_MAX_BYTES", str(size - 1))  # one byte over: a link
    linked = browser.get(f"{path}/databestand")
    assert linked.status_code == 303 and linked.headers["Cache-Control"] == "no-store"
    link = urlparse(linked.headers["Location"])
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["300"] and query["X-Amz-Signature"]  # five minutes
    filename = f"meting-{measurement.id}.csv"
    assert query["response-content-disposition"] == [f'attachment; filename="{filename}"']
    key = link.path[link.path.index(private_files.PREFIX):]  # bucket in the host or path
    assert key.endswith(f"/{filename}") and len(key) > len(f"exports//{filename}") + 20
    s3 = boto3.client("s3")
    stored = s3.get_object(Bucket=private_files.bucket(), Key=key)
    assert stored["Body"].read() == direct.body  # the same bytes as the direct download
    assert stored["ServerSideEncryption"] == "AES256"
    assert stored["ContentType"] == direct.headers["Content-Type"]
    # the browser follows the link (moto, which brings requests, answers for S3)
    fetched = requests.get(linked.headers["Location"], timeout=5)
    assert fetched.status_code == 200 and fetched.content == direct.body
    assert fetched.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    # audited before the link was handed out: the entry names the object
    entry = _downloads(aws)[-1]
    assert json.loads(entry["details"]["S"]) == {
        "meting": measurement.id, "formaat": "csv", "rijen": 10, "vrije_tekst": False,
        "via": "tijdelijke link", "bytes": len(direct.body), "object": key}
    # nowhere public: the publication bucket holds it only under the prefix CloudFront may not
    # read (infra/stack.yaml, tests/infra/test_day_one.py) and that expires; no other bucket
    held = [(b["Name"], o["Key"]) for b in s3.list_buckets()["Buckets"]
            for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])
            if o["Key"].endswith(filename)]
    assert held == [(private_files.bucket(), key)]
    assert key.startswith(_expiring_prefix())  # moto's stack leaves the lifecycle out


def _expiring_prefix() -> str:
    """The prefix whose objects the publication bucket's lifecycle removes after a day."""
    from devtools.aws_resources import RESOURCES
    from devtools.package import load_yaml

    rules = load_yaml(RESOURCES)["Resources"]["PublicationBucket"]["Properties"][
        "LifecycleConfiguration"]["Rules"]
    [rule] = [r for r in rules if r.get("ExpirationInDays") == 1]
    return rule["Prefix"]


def test_a_large_json_file_holds_the_same_rows_as_its_direct_download(
        browser, mailbox, aws, monkeypatch):
    from chalicelib.platform import private_files

    path = m.representative_with_measurement(browser, mailbox)
    _answer(_measurement(path), 10, "t1")
    direct = json.loads(browser.get(f"{path}/databestand?formaat=json").text)
    monkeypatch.setenv("DATA_FILE_MAX_BYTES", "500")
    linked = browser.get(f"{path}/databestand?formaat=json")
    assert linked.status_code == 303
    location = urlparse(linked.headers["Location"]).path
    stored = json.loads(boto3.client("s3").get_object(
        Bucket=private_files.bucket(),
        Key=location[location.index(private_files.PREFIX):])["Body"].read())
    assert stored.pop("made_at") and direct.pop("made_at")  # the moment it was made
    assert stored == direct and stored["rows"][0]["team"] == "Sociaal team Noord"
    assert [json.loads(e["details"]["S"]).get("via") for e in _downloads(aws)] == [
        None, "tijdelijke link"]


def test_only_representatives_of_the_municipality(browser, mailbox, aws, app_module):
    path = m.representative_with_measurement(browser, mailbox)
    _answer(_measurement(path), 10, None)
    stranger = Browser(app_module.app)
    assert stranger.get(f"{path}/databestand").status_code == 401
    other = Browser(app_module.app)
    signed_in(other, mailbox, email="k.bakker@assen.nl", codes=("GM0106",))
    assert other.get(f"{path}/databestand").status_code == 404
    assert _downloads(aws) == []


def test_periods_below_the_threshold_are_merged_and_lose_their_weeks(browser, mailbox, aws):
    path = m.representative_with_measurement(browser, mailbox, soort="continu")
    measurement = _measurement(path)
    for period, count, day in (("2026-K1", 12, date(2026, 2, 2)), ("2026-K2", 11,
                               date(2026, 5, 4)), ("2026-K3", 4, date(2026, 8, 3))):
        for _ in range(count):
            responses.submit(responses.Source("GM0014", measurement.id, period, "generiek",
                                              None), dict(m.STANDARD), day=day)
    rows = _csv(browser.get(f"{path}/databestand"))
    by_period = {p: [r for r in rows if r["periode"] == p] for p in {r["periode"] for r in rows}}
    # K3 (4) is merged; "overig" would be 4, so K2 (11) joins it; K1 (12) keeps its name
    assert {p: len(v) for p, v in by_period.items()} == {"2026-K1": 12, "overig": 15}
    assert {r["week"] for r in by_period["2026-K1"]} == {"2026-W06"}
    assert {r["week"] for r in by_period["overig"]} == {""}  # a week would name the quarter


def test_a_measurement_s_own_threshold_merges_teams_and_channels_up_to_it(browser, mailbox,
                                                                          aws):
    """With its own threshold of 15, a team of 12 and a channel of 12 are merged (never named
    as they would be at the default 10), and a team of exactly 15 keeps its name."""
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    measurement.update(actions=[Measurement.threshold.set(15)])
    _answer(measurement, 15, "t1")
    _answer(measurement, 12, "t2", channel="papier")
    _answer(measurement, 10, None)
    rows = _csv(browser.get(f"{path}/databestand"))
    teams = Counter(r["team"] for r in rows)
    # Zorg Zuid (12) is merged; "overig" alone would be 12, so the 10 without a team join it
    assert teams == {"Sociaal team Noord": 15, "overig": 22}
    # paper (12) is merged; "overig" alone would be 12, so the generic link (25) joins it
    assert Counter(r["kanaal"] for r in rows) == {"overig": 37}


def test_a_channel_below_the_threshold_is_merged(browser, mailbox, aws):
    """Nine responses on paper would say which nine clients an inviter handed a form."""
    path = m.representative_with_measurement(browser, mailbox)
    measurement = _measurement(path)
    _answer(measurement, 20, None)
    _answer(measurement, 9, None, channel="papier")
    _answer(measurement, 10, None, channel="tablet")
    kanaal = Counter(r["kanaal"] for r in _csv(browser.get(f"{path}/databestand")))
    # paper (9) is merged; "overig" alone would be 9, so the tablet (10) joins it
    assert kanaal == {responses.CHANNELS["generiek"]: 20, "overig": 19}
