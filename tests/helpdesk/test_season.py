"""The season overview: every municipality with its status, counts that match the tables,
filters, a chart without script, CSV; and what one overview costs in requests."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import boto3
import pytest

from tests.support import aws_calls
from tests.support.feed import deliver, make_registrant
from tests.support.tables import scan

SEASON = "/helpdesk/seizoen"
NO_SURVEY = {"onderzoek_uitgevoerd": "nee", "geen_onderzoek_reden": "Herindeling.",
             "volgend_onderzoek": "voorjaar 2027"}


@pytest.fixture()
def season(aws, monkeypatch):
    """One municipality in every status (the others have nobody):
    Groningen sent, Achtkarspelen sent late, Ameland sent "no survey held", Zeewolde withdrawn,
    Almere a draft, Stadskanaal registered, Veendam waiting for approval of its registration,
    Opsterland's delivery waiting for a coordinator's approval (four-eyes)."""
    from chalicelib.helpdesk import actions
    from chalicelib.platform.models import Draft
    from chalicelib.questionnaire import drafts, journey

    deliver(make_registrant("anna@groningen.nl", ("GM0014",)), "GM0014")
    late = make_registrant("piet@achtkarspelen.nl", ("GM0059",))
    with monkeypatch.context() as window:
        window.setenv("DELIVERY_DEADLINE", "2020-01-01")  # passed: this one is late
        window.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")
        deliver(late, "GM0059")
    deliver(make_registrant("wim@ameland.nl", ("GM0060",)), "GM0060", **NO_SURVEY)
    withdrawn = make_registrant("els@zeewolde.nl", ("GM0050",))
    deliver(withdrawn, "GM0050")
    actions.withdraw("medewerker", "GM0050", 2026, "GM0050-2026-1", "Verkeerde gemeente")
    drafter = make_registrant("kees@almere.nl", ("GM0034", "GM0037"))
    drafts.start_from(drafter.id, "GM0034", journey.current_definition(), {"doel": "x"}, 2026)
    make_registrant("joop@stadskanaal.nl", ("GM0037",))
    from chalicelib.delivery import four_eyes  # Opsterland sent with four-eyes: it waits
    sender = make_registrant("jan@opsterland.nl", ("GM0086",))
    four_eyes.configure("GM0086", "medewerker", True,
                        {make_registrant("ria@opsterland.nl", ("GM0086",)).id})
    deliver(sender, "GM0086")
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    make_registrant("iemand@gmail.com", ("GM0047",))
    monkeypatch.delenv("REGISTRATION_DOMAIN_CHECK")
    assert len(list(Draft.scan())) >= 3  # the sent ones keep theirs
    return aws


def statuses_from_the_tables(aws) -> dict[str, str]:
    """Each municipality's status worked out from a plain scan of every table involved: what
    an operator would conclude, independent of the overview's code."""
    from chalicelib.platform.municipalities import municipalities

    members = {item["municipality"]["S"] for item in scan(aws, "Memberships")}
    waiting = {code for item in scan(aws, "Held") if item["queue"]["S"] == "open"
               for code in item["municipalities"]["SS"]}
    drafting = {item["municipality"]["S"] for item in scan(aws, "Drafts")
                if item["key"]["S"].endswith("#2026")}
    deliveries: dict[str, list[dict]] = {}
    for item in scan(aws, "Deliveries"):
        if item["cycle"]["N"] == "2026":
            deliveries.setdefault(item["municipality"]["S"], []).append(item)
    found = {}
    for code in municipalities(2025):
        sent = deliveries.get(code, [])
        valid = sorted((d for d in sent if d["status"]["S"] == "valid"),
                       key=lambda d: int(d["sequence"]["N"]))
        if valid and json.loads(valid[-1]["snapshot"]["S"])["survey_held"] is False:
            found[code] = "geen-onderzoek"
        elif valid:
            found[code] = "te-laat" if valid[-1]["late"]["BOOL"] else "verzonden"
        elif sent and max(sent, key=lambda d: int(d["sequence"]["N"]))["status"]["S"] \
                == "pending":
            found[code] = "ter-goedkeuring"
        elif sent:
            found[code] = "ingetrokken"
        elif code in drafting:
            found[code] = "concept"
        elif code in members:
            found[code] = "aangemeld"
        elif code in waiting:
            found[code] = "wacht-op-goedkeuring"
        else:
            found[code] = "niet-aangemeld"
    return found


def counts_on(page: str) -> dict[str, int]:
    return {status: int(count) for status, count in
            re.findall(r'<td class="count" data-status="([a-z-]+)">(\d+)</td>', page)}


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_status_and_the_counts_match_the_tables(season, helpdesk):
    from chalicelib.helpdesk.season import LABELS, Status

    expected = statuses_from_the_tables(season)
    assert set(expected.values()) == {s.value for s in Status}  # the fixture covers them all
    page = helpdesk.get(SEASON)
    assert page.status_code == 200
    counts = counts_on(page.text)
    assert counts.pop("totaal") == 342
    assert counts == dict(Counter(expected.values()))
    assert counts["niet-aangemeld"] == 342 - 8 and counts["geen-onderzoek"] == 1
    assert "3 van 342 gemeenten hebben een aanlevering die telt (1 zonder onderzoek)" \
        in page.text
    # the CSV says the same, municipality by municipality
    rows = csv_rows(helpdesk.get(f"{SEASON}.csv").text)
    by_label = {label: status.value for status, label in LABELS.items()}
    assert {row["gemeente_code"]: by_label[row["status"]] for row in rows} == expected
    [groningen] = [row for row in rows if row["gemeente_code"] == "GM0014"]
    assert groningen["telt_nu"] == "GM0014-2026-1" and groningen["aanmelders"] == "1"
    [almere] = [row for row in rows if row["gemeente_code"] == "GM0034"]
    assert almere["concept_opgeslagen"] and almere["telt_nu"] == ""
    [ameland] = [row for row in rows if row["gemeente_code"] == "GM0060"]
    assert (ameland["status"], ameland["telt_nu"], ameland["te_laat"]) == (
        "Geen onderzoek gedaan", "GM0060-2026-1", "nee")


def test_filters_by_province_and_status(season, helpdesk):
    page = helpdesk.get(f"{SEASON}?provincie=Groningen").text
    counts = counts_on(page)
    assert counts["totaal"] == 10
    assert counts["verzonden"] == 1 and counts["aangemeld"] == 1 \
        and counts["wacht-op-goedkeuring"] == 1 and counts["niet-aangemeld"] == 7
    assert "Almere" not in re.search(r'<table class="table history season-rows">(.*?)</table>',
                                     page, flags=re.DOTALL).group(1)
    drafts = helpdesk.get(f"{SEASON}?status=concept").text
    listed = re.findall(r'href="/helpdesk/gemeente/(GM\d{4})">', drafts)
    assert listed == ["GM0034"]
    late = csv_rows(helpdesk.get(f"{SEASON}.csv?status=te-laat").text)
    assert [row["gemeente_code"] for row in late] == ["GM0059"]
    both = csv_rows(helpdesk.get(f"{SEASON}.csv?provincie=Flevoland&status=ingetrokken").text)
    assert [row["gemeente_code"] for row in both] == ["GM0050"]
    assert 'href="/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-1"' in \
        helpdesk.get(f"{SEASON}?status=verzonden").text


@pytest.mark.parametrize("query,field,message", [
    ("provincie=Atlantis", "provincie", "Kies een provincie uit de lijst"),
    ("status=klaar", "status", "Kies een status uit de lijst"),
    ("jaar=1999", "jaar", "Kies een verantwoordingsjaar van 2021 tot en met 2026"),
    ("jaar=%3Cscript%3E", "jaar", "Kies een verantwoordingsjaar"),
])
def test_a_filter_that_cannot_be_used_gets_a_dutch_message(season, helpdesk, query, field,
                                                           message):
    page = helpdesk.get(f"{SEASON}?{query}")
    assert page.status_code == 400 and message in page.text
    assert f'href="#{field}"' in page.text  # the error summary points at the field
    assert counts_on(page.text)["totaal"] == 342  # and the overview is still there
    download = helpdesk.get(f"{SEASON}.csv?{query}")
    assert download.status_code == 400 and message in download.text


def test_an_earlier_cycle(season, helpdesk):
    counts = counts_on(helpdesk.get(f"{SEASON}?jaar=2025").text)
    assert counts["verzonden"] == 0 and counts["concept"] == 0  # the drafts are 2026's
    assert counts["aangemeld"] == 7  # who represents a municipality does not depend on it


def test_the_chart_is_an_svg_without_script_that_says_what_it_shows(season, helpdesk):
    page = helpdesk.get(SEASON).text
    chart = re.search(r'<svg class="season-chart"(.*?)</svg>', page, flags=re.DOTALL).group(1)
    assert 'role="img"' in chart and "<desc" in chart
    assert "Verzonden: 1; Te laat verzonden: 1; Geen onderzoek gedaan: 1" in chart
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="0" width="([\d.]+)"', chart)]
    assert len(widths) == 9 and abs(sum(widths) - 1000) < 0.1
    assert "<script" not in page and " style=" not in page


def test_a_state_written_before_counting_was_recorded_is_read_from_the_deliveries(season,
                                                                                helpdesk):
    client = boto3.client("dynamodb")
    for item in scan(season, "ScopeState"):
        client.update_item(TableName=season["ScopeStateTableName"], Key={"scope": item["scope"]},
                           UpdateExpression="REMOVE counting_sequence, counting_late")
    counts = counts_on(helpdesk.get(SEASON).text)
    assert counts == {**counts, "verzonden": 1, "te-laat": 1, "ingetrokken": 1,
                      "geen-onderzoek": 1}


def test_a_state_written_before_the_survey_was_recorded_reads_the_counting_delivery(
        season, helpdesk):
    client = boto3.client("dynamodb")
    for item in scan(season, "ScopeState"):
        client.update_item(TableName=season["ScopeStateTableName"], Key={"scope": item["scope"]},
                           UpdateExpression="REMOVE counting_survey_held")
    counts = counts_on(helpdesk.get(SEASON).text)
    assert counts == {**counts, "verzonden": 1, "te-laat": 1, "geen-onderzoek": 1}


def test_no_survey_is_a_status_of_its_own_filtered_counted_and_never_reminded(season,
                                                                               helpdesk):
    from chalicelib.helpdesk import reminders
    from chalicelib.helpdesk import season as season_module

    page = helpdesk.get(f"{SEASON}?status=geen-onderzoek").text
    rows = re.search(r'<table class="table history season-rows">(.*?)</table>', page,
                     flags=re.DOTALL).group(1)
    assert re.findall(r'href="/helpdesk/gemeente/(GM\d{4})">', rows) == ["GM0060"]
    assert "Geen onderzoek gedaan" in rows and 'value="GM0060"' not in rows  # no reminder box
    friesland = counts_on(helpdesk.get(f"{SEASON}?provincie=Friesland").text)
    assert (friesland["geen-onderzoek"], friesland["te-laat"]) == (1, 1)
    assert [r["gemeente_code"] for r in csv_rows(
        helpdesk.get(f"{SEASON}.csv?status=geen-onderzoek").text)] == ["GM0060"]
    assert ("Friesland", 18, 2) in season_module.provinces(season_module.overview(2026))
    assert reminders.plan(["GM0060"], 2026, reminders.today()).delivered == ["GM0060"]


def test_the_status_follows_the_delivery_that_counts(season, helpdesk, monkeypatch):
    """A survey delivery corrected late by one that says no survey was held, then that one
    withdrawn: the overview follows what counts, and says a no-survey delivery was late."""
    from chalicelib.helpdesk import actions
    from chalicelib.platform.models import ScopeState

    def leeuwarden() -> dict[str, str]:
        return next(row for row in csv_rows(helpdesk.get(f"{SEASON}.csv").text)
                    if row["gemeente_code"] == "GM0080")

    person = make_registrant("ria@leeuwarden.nl", ("GM0080",))
    deliver(person, "GM0080")
    assert leeuwarden()["status"] == "Verzonden"
    with monkeypatch.context() as window:
        window.setenv("DELIVERY_DEADLINE", "2020-01-01")
        window.setenv("DELIVERY_LATE_UNTIL", "2099-12-31")
        deliver(person, "GM0080", **NO_SURVEY)
    assert ScopeState.get("GM0080#2026").counting_survey_held is False
    row = leeuwarden()
    assert (row["status"], row["telt_nu"], row["te_laat"]) == (
        "Geen onderzoek gedaan", "GM0080-2026-2", "ja")
    page = helpdesk.get(f"{SEASON}?status=geen-onderzoek").text
    assert "Geen onderzoek gedaan (te laat verzonden)" in page
    actions.withdraw("medewerker", "GM0080", 2026, "GM0080-2026-2", "Toch wel onderzocht")
    assert ScopeState.get("GM0080#2026").counting_survey_held is True
    assert leeuwarden()["status"] == "Verzonden"
    actions.restore("medewerker", "GM0080", 2026, "GM0080-2026-2", "Toch niet")
    assert leeuwarden()["status"] == "Geen onderzoek gedaan"
    counts = counts_on(helpdesk.get(SEASON).text)
    assert counts["geen-onderzoek"] == 2 and counts == dict(
        Counter(statuses_from_the_tables(season).values()), totaal=342)


def test_the_state_follows_withdraw_and_restore(season):
    from chalicelib.helpdesk import actions
    from chalicelib.platform.models import ScopeState

    deliver(make_registrant("anna2@groningen.nl", ("GM0014",)), "GM0014")
    state = ScopeState.get("GM0014#2026")
    assert (state.counting_sequence, state.counting_late) == (2, False)
    actions.withdraw("medewerker", "GM0014", 2026, "GM0014-2026-2", "fout")
    assert ScopeState.get("GM0014#2026").counting_sequence == 1
    actions.withdraw("medewerker", "GM0014", 2026, "GM0014-2026-1", "ook fout")
    assert ScopeState.get("GM0014#2026").counting_sequence == 0
    actions.restore("medewerker", "GM0014", 2026, "GM0014-2026-1", "toch goed")
    assert ScopeState.get("GM0014#2026").counting_sequence == 1
    actions.restore("medewerker", "GM0014", 2026, "GM0014-2026-2", "ook goed")
    assert ScopeState.get("GM0014#2026").counting_sequence == 2


def test_one_overview_costs_a_few_requests_whatever_the_number_of_municipalities(
        season, helpdesk, monkeypatch):
    made = aws_calls.record(monkeypatch)
    assert helpdesk.get(SEASON).status_code == 200
    calls = Counter((call.operation, call.params.get("TableName")
                     or ",".join(call.params.get("RequestItems", {})))
                    for call in made if call.service == "dynamodb")
    by_operation = Counter()
    for (operation, _), count in calls.items():
        by_operation[operation] += count
    # 342 states in BatchGetItems of 100, drafts of the few representatives in one more
    assert by_operation["BatchGetItem"] == 5, calls
    assert by_operation["Scan"] == 1 and by_operation["Query"] == 1, calls
    assert sum(by_operation.values()) <= 9, calls  # + the helpdesk session check
    assert json.dumps(sorted(by_operation)) == json.dumps(
        sorted({"BatchGetItem", "GetItem", "Query", "Scan"} & set(by_operation)))


def test_the_search_page_leads_to_the_overview(helpdesk):
    assert f'href="{SEASON}"' in helpdesk.get("/helpdesk").text
