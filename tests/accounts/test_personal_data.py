"""Personal data (AVG): the helpdesk corrects name, e-mail and phone (a new address gets a new
link and stays unique; the look-ups change in the same transaction), removes a registrant (the
personal data erased, the deliveries kept under the personal code, audited), and the retention
rules find who is due; rate-limit and kept-input records expire by TTL."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.support import flows
from tests.support.browser import Browser
from tests.support.feed import deliver, make_registrant
from tests.support.tables import scan

NAME, EMAIL, PHONE = "Zwaantje Oudejans-Kwakkelstein", "z.kwakkelstein@groningen.nl", \
    "050 311 22 33"
NEW_NAME, NEW_EMAIL, NEW_PHONE = "Zwaantje Kwakkelstein", "zwaantje.k@groningen.nl", \
    "06 28765432"
# what may never be left anywhere once she is erased: every form of her name, addresses, numbers
TRACES = ["zwaantje", "kwakkelstein", "oudejans", "z.kwakkelstein", "zwaantje.k",
          "503112233", "311 22 33", "628765432", "28765432"]


def _page_of(helpdesk, email: str) -> str:
    found = helpdesk.get(f"/helpdesk?q={email}").text.split("<h2>Resultaten</h2>")[1]
    return "/helpdesk/registrant/" + re.search(
        r'href="/helpdesk/registrant/([0-9a-f]{32})"', found).group(1)


def _version(helpdesk, path: str) -> str:
    return re.search(r'name="versie" value="([^"]+)"', helpdesk.get(path).text).group(1)


def _correct(helpdesk, page: str, version: str | None = None, **fields):
    values = {"naam": NEW_NAME, "email": EMAIL, "telefoon": PHONE, "reden": "verzoek", **fields}
    values["versie"] = version or _version(helpdesk, f"{page}/gegevens")
    return helpdesk.submit(f"{page}/gegevens", values, form_page=f"{page}/gegevens")


def _erase(helpdesk, page: str, version: str | None = None, **fields):
    values = {"reden": "verzoek van de aanmelder", "bevestig": "ja", **fields}
    values["versie"] = version or _version(helpdesk, f"{page}/verwijderen")
    return helpdesk.submit(f"{page}/verwijderen", values, form_page=f"{page}/verwijderen")


def _names_found(helpdesk, typed: str) -> str:
    return helpdesk.get(f"/helpdesk?q={typed}").text.split("<h2>Resultaten</h2>")[1]


@pytest.fixture()
def zwaantje(browser, mailbox, aws):
    """Registered through the form, signed in through her link."""
    flows.signed_in(browser, mailbox, email=EMAIL, codes=("GM0014",), naam=NAME,
                    telefoon=PHONE)
    return browser


def test_the_helpdesk_corrects_name_and_phone_and_search_follows(helpdesk, zwaantje, aws):
    page = _page_of(helpdesk, EMAIL)
    form = helpdesk.get(f"{page}/gegevens").text
    assert NAME in form and "+31503112233" in form  # filled in with what is stored
    done = _correct(helpdesk, page, naam=NEW_NAME, telefoon=NEW_PHONE)
    assert done.status_code == 200 and "Gecorrigeerd: naam, telefoonnummer." in done.text
    assert "06 28765432" in done.text  # the stored number, as the page shows numbers
    assert "Zwaantje Kwakkelstein" in _names_found(helpdesk, "kwakkel")
    assert "Aanmelders" not in _names_found(helpdesk, "oudejans")  # the old name is gone
    assert "Zwaantje" in _names_found(helpdesk, "0628765432")
    trail = [e for e in scan(aws, "Audit") if e["action"]["S"] == "gegevens gecorrigeerd"]
    assert len(trail) == 1 and "naam, telefoonnummer" in json.dumps(trail)
    assert "oudejans" not in json.dumps(trail).lower()  # what changed, never the values
    assert zwaantje.get("/start").status_code == 200  # her session goes on


def test_a_new_address_gets_a_new_link_and_the_old_ones_stop(helpdesk, zwaantje, mailbox,
                                                             app_module, aws):
    page = _page_of(helpdesk, EMAIL)
    old_link = mailbox.last_link(EMAIL)
    boto3.client("dynamodb").update_item(  # a bounce was recorded on the old address
        TableName=aws["RegistrantsTableName"], Key={"id": {"S": page.rsplit("/", 1)[1]}},
        UpdateExpression="SET mail_problem = :p", ExpressionAttributeValues={
            ":p": {"S": "bounce"}})
    done = _correct(helpdesk, page, email=NEW_EMAIL.upper())
    assert done.status_code == 200 and f"nieuwe persoonlijke link gestuurd naar {NEW_EMAIL}" \
        in done.text
    assert "onbestelbaar" not in done.text  # the old address's problem went with it
    new_link = mailbox.last_link(NEW_EMAIL)
    assert Browser(app_module.app).get(old_link).status_code == 404
    assert zwaantje.get("/start").status_code != 200  # every session ended
    fresh = Browser(app_module.app)
    assert fresh.get(new_link).status_code == 303 and fresh.get("/start").status_code == 200
    keys = {item["key"]["S"] for item in scan(aws, "Lookups")}
    assert f"email#{NEW_EMAIL}" in keys and f"email#{EMAIL}" not in keys
    assert not [k for k in keys if EMAIL in k]  # search entries rewritten too
    assert "Aanmelders" not in _names_found(helpdesk, EMAIL)
    assert NEW_NAME in _names_found(helpdesk, NEW_EMAIL)
    # the old address is free again: registering it makes a new, separate account
    flows.register(Browser(app_module.app), email=EMAIL, codes=("GM0014",))
    assert len(scan(aws, "Registrants")) == 2


def test_an_address_stays_unique(helpdesk, zwaantje, aws, mailbox):
    other = make_registrant(email="bezet@groningen.nl", name="Bea Bezet")
    page = _page_of(helpdesk, EMAIL)
    mails = len(mailbox.all())
    taken = _correct(helpdesk, page, email="bezet@groningen.nl")
    assert taken.status_code == 409
    assert f"hoort al bij een andere aanmelder (persoonlijke code {other.personal_code})" \
        in taken.text
    assert 'value="bezet@groningen.nl"' in taken.text  # what was typed stays in the form
    stored = {i["email"]["S"] for i in scan(aws, "Registrants")}
    assert stored == {EMAIL, "bezet@groningen.nl"} and len(mailbox.all()) == mails
    assert [e for e in scan(aws, "Audit") if e["action"]["S"] == "gegevens gecorrigeerd"] == []


@pytest.mark.parametrize("fields,message", [
    ({"naam": ""}, "Vul de naam in"),
    ({"naam": "X"}, "minimaal 2 tekens"),
    ({"naam": "Zwaantje\u202eKwakkel"}, "tekens die wij niet kunnen verwerken"),
    ({"email": "geen-adres"}, "Vul een geldig e-mailadres in"),
    ({"telefoon": "12"}, "Vul een geldig telefoonnummer in"),
    ({"reden": " "}, "Geef een reden op"),
    ({"naam": NAME}, "Er is niets gewijzigd"),
])
def test_bad_corrections_get_a_dutch_400_and_change_nothing(helpdesk, zwaantje, aws, fields,
                                                             message):
    page = _page_of(helpdesk, EMAIL)
    before = scan(aws, "Registrants")
    response = _correct(helpdesk, page, **fields)
    assert response.status_code == 400 and message in response.text
    assert scan(aws, "Registrants") == before


def test_a_stale_correction_page_says_so_and_changes_nothing(helpdesk, zwaantje, aws, mailbox):
    page = _page_of(helpdesk, EMAIL)
    seen = _version(helpdesk, f"{page}/gegevens")
    assert _correct(helpdesk, page, telefoon=NEW_PHONE).status_code == 200  # a colleague first
    stale = _correct(helpdesk, page, version=seen, naam="Iemand Anders")
    assert stale.status_code == 409 and "Iemand anders heeft deze aanmelder" in stale.text
    assert NEW_NAME in stale.text  # the form now shows what is stored
    [stored] = scan(aws, "Registrants")
    assert stored["name"]["S"] == NEW_NAME
    # a new link asked for in between makes the page stale as well
    seen = _version(helpdesk, f"{page}/gegevens")
    flows.register(zwaantje, email=EMAIL, codes=("GM0014",))
    assert _correct(helpdesk, page, version=seen, naam="Nog Iemand").status_code == 409


def test_removing_a_registrant_leaves_no_trace_of_them_in_any_table(
        helpdesk, zwaantje, mailbox, aws, app_module, monkeypatch):
    # a full life: a delivery, a municipality waiting for approval, a correction, searches
    flows.fill_all(zwaantje)
    assert flows.send(zwaantje).status_code == 303
    with monkeypatch.context() as checked:
        checked.setenv("REGISTRATION_DOMAIN_CHECK", "true")
        zwaantje.submit("/gemeenten-toevoegen", [("gemeente", "GM0037")])
    page = _page_of(helpdesk, EMAIL)
    assert _correct(helpdesk, page, naam=NEW_NAME, email=NEW_EMAIL,
                    telefoon=NEW_PHONE).status_code == 200
    new_link = mailbox.last_link(NEW_EMAIL)
    [delivery] = scan(aws, "Deliveries")
    code = delivery["personal_code"]["S"]
    assert helpdesk.get(f"/helpdesk/registrant/{page.rsplit('/', 1)[1]}/verwijderen"
                        ).status_code == 200

    client = boto3.client("dynamodb")

    def everything() -> dict[str, str]:
        """Every table there is, scanned whole, as lower-case text."""
        return {table: json.dumps([item for part in client.get_paginator("scan").paginate(
            TableName=table) for item in part["Items"]], ensure_ascii=False).lower()
            for table in client.list_tables()["TableNames"]}

    before = " ".join(everything().values())
    assert all(trace in before for trace in ("kwakkelstein", "zwaantje.k", "628765432"))
    assert "oudejans" not in before and "503112233" not in before  # gone with the correction

    erased = _erase(helpdesk, page)
    assert erased.status_code == 200 and f"aanmelder {code} zijn gewist" in erased.text

    tables = everything()
    assert len(tables) >= 11
    for table, dump in tables.items():
        left = [trace for trace in TRACES if trace in dump]
        assert left == [], f"{table} still holds {left}"
    # the delivery stays, under the personal code; her link, session and page are gone
    [kept] = scan(aws, "Deliveries")
    assert kept["personal_code"]["S"] == code and kept["status"]["S"] == "valid"
    view = helpdesk.get("/helpdesk/gemeente/GM0014/aanlevering/GM0014-2026-1")
    assert view.status_code == 200 and code in view.text
    assert Browser(app_module.app).get(new_link).status_code == 404
    assert zwaantje.get("/start").status_code != 200
    assert helpdesk.get(page).status_code == 404
    trail = helpdesk.get("/helpdesk/gemeente/GM0014").text
    assert "aanmelder verwijderd (persoonsgegevens gewist)" in trail and code in trail
    assert "aanmelder verwijderd" in helpdesk.get("/helpdesk/gemeente/GM0037").text
    # someone on an old page who removes again is told it already happened
    again = helpdesk.submit(f"{page}/verwijderen", {"reden": "r", "bevestig": "ja",
                                                    "versie": "x"}, form_page="/helpdesk")
    assert again.status_code == 409 and "al verwijderd" in again.text


@pytest.mark.parametrize("fields,message", [
    ({"reden": ""}, "Geef een reden op"),
    ({"bevestig": ""}, "Vink aan dat u de persoonsgegevens wilt verwijderen"),
])
def test_removing_needs_a_reason_and_a_confirmation(helpdesk, zwaantje, aws, fields, message):
    page = _page_of(helpdesk, EMAIL)
    response = _erase(helpdesk, page, **fields)
    assert response.status_code == 400 and message in response.text
    assert len(scan(aws, "Registrants")) == 1


def test_removing_from_a_stale_page_is_refused(helpdesk, zwaantje, aws):
    page = _page_of(helpdesk, EMAIL)
    seen = _version(helpdesk, f"{page}/verwijderen")
    assert _correct(helpdesk, page, telefoon=NEW_PHONE).status_code == 200
    stale = _erase(helpdesk, page, version=seen)
    assert stale.status_code == 409 and "Iemand anders heeft deze aanmelder" in stale.text
    assert len(scan(aws, "Registrants")) == 1


def test_unknown_registrants_are_404(helpdesk):
    for path in ("/helpdesk/registrant/" + "0" * 32 + "/gegevens",
                 "/helpdesk/registrant/nope/verwijderen"):
        assert helpdesk.get(path).status_code == 404
    assert helpdesk.submit("/helpdesk/registrant/" + "0" * 32 + "/verwijderen",
                           {"reden": "r", "bevestig": "ja"}, form_page="/helpdesk"
                           ).status_code == 404


# --- retention ---------------------------------------------------------------------------

def _age(registrant, when: datetime, draft_at: datetime | None = None) -> None:
    """Moves the registrant's traces back to `when` (and its saves in the shared drafts to
    `draft_at`)."""
    from chalicelib.platform.models import Draft, Registrant, scope_key

    Registrant(registrant.id).update(actions=[Registrant.created_at.set(when),
                                              Registrant.updated_at.set(when),
                                              Registrant.link_issued_at.set(when)])
    for draft in Draft.batch_get([scope_key(code, 2026) for code in registrant.municipalities]):
        at = (draft_at or when).isoformat()
        editors = {section: {**edit, "at": at} if edit["by"] == registrant.id else edit
                   for section, edit in (draft.section_editors or {}).items()}
        draft.update(actions=[Draft.section_editors.set(editors),
                              Draft.updated_at.set(draft_at or when)],
                     add_version_condition=False)


NOW = datetime(2027, 11, 15, 12, tzinfo=UTC)  # the 2027 season closed on 31 October


def test_who_the_retention_rules_find(aws, app_module, monkeypatch):
    from chalicelib.accounts import retention
    from chalicelib.helpdesk import actions

    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    rejected = make_registrant(email="weg@gmail.com", name="Afgewezen")  # held, then rejected
    actions.reject("helpdesk", rejected, "GM0014", "geen gemeente")
    recent_reject = make_registrant(email="pas@gmail.com", name="Pas Afgewezen")
    actions.reject("helpdesk", recent_reject, "GM0014", "geen gemeente")
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "false")
    idle = make_registrant(email="stil@groningen.nl", name="Stil")
    worked = make_registrant(email="bezig@groningen.nl", name="Bezig")
    deliver(worked)
    newcomer = make_registrant(email="nieuw@groningen.nl", name="Nieuw")
    _age(rejected, NOW - timedelta(days=40))
    _age(recent_reject, NOW - timedelta(days=10))
    _age(idle, datetime(2026, 12, 1, tzinfo=UTC))  # did nothing during the 2027 season
    _age(worked, datetime(2026, 12, 1, tzinfo=UTC), draft_at=datetime(2027, 3, 1, tzinfo=UTC))
    _age(newcomer, datetime(2027, 2, 1, tzinfo=UTC))

    due = retention.due(NOW)
    assert [(d.registrant.name, d.reason) for d in due] == [
        ("Stil", retention.INACTIVE), ("Afgewezen", retention.UNATTACHED)]
    monkeypatch.setenv("RETENTION_UNATTACHED_DAYS", "5")
    assert {d.registrant.name for d in retention.due(NOW)} == {"Stil", "Afgewezen",
                                                              "Pas Afgewezen"}
    monkeypatch.setenv("RETENTION_INACTIVE", "off")
    assert {d.registrant.name for d in retention.due(NOW)} == {"Afgewezen", "Pas Afgewezen"}
    monkeypatch.setenv("RETENTION_INACTIVE", "200")  # days instead of a cycle
    assert "Nieuw" in {d.registrant.name for d in retention.due(NOW)}
    monkeypatch.setenv("RETENTION_INACTIVE", "cycle")
    # before any season has closed nobody is inactive for a full cycle
    assert retention.inactive_cutoff(datetime(2026, 6, 1, tzinfo=UTC)) is None
    assert retention.inactive_cutoff(NOW) == datetime(2026, 12, 31, 23, tzinfo=UTC)


def test_the_cli_lists_and_applies_the_retention_rules(aws, app_module, monkeypatch, capsys):
    from chalicelib.accounts import retention
    from chalicelib.cli import main as cli

    idle = make_registrant(email="stil@groningen.nl", name="Stil Persoon")
    deliver(idle)
    _age(idle, datetime(2026, 12, 1, tzinfo=UTC))
    monkeypatch.setattr(retention, "datetime", type("Clock", (), {
        "now": staticmethod(lambda tz=None: NOW), "combine": datetime.combine,
        "fromisoformat": datetime.fromisoformat}))
    assert cli.main(["retention"]) == 0
    listed = capsys.readouterr().out
    assert f"{idle.personal_code}\t{retention.INACTIVE}\tlaatst actief 2026-12-01" in listed
    assert "1 aanmelder(s) te verwijderen" in listed
    assert len(scan(aws, "Registrants")) == 1
    assert cli.main(["retention", "--apply"]) == 2  # who does it goes in the audit trail
    assert cli.main(["--as", "jan@helpdesk.nl", "retention", "--apply"]) == 0
    assert scan(aws, "Registrants") == [] and len(scan(aws, "Deliveries")) == 1
    [entry] = [e for e in scan(aws, "Audit") if e["subject"]["S"].startswith("registrant#")
               and "verwijderd" in e["action"]["S"]]
    assert entry["actor"]["S"] == "cli:jan@helpdesk.nl (bewaartermijn)"
    assert "Bewaartermijn verstreken" in entry["reason"]["S"]
    assert "stil" not in json.dumps(scan(aws, "Lookups")).lower()


# --- the nightly retention run ---------------------------------------------------------------

@pytest.fixture()
def due_people(aws, app_module, monkeypatch):
    """On NOW the rules name three registrants: one without a municipality for 40 days, two
    that did nothing during the 2027 season (one of them delivered in 2026); "Bezig" worked in
    2027 and stays."""
    from chalicelib.helpdesk import actions

    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    rejected = make_registrant(email="weg@gmail.com", name="Afgewezen Persoon")
    actions.reject("helpdesk", rejected, "GM0014", "geen gemeente")
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "false")
    idle = make_registrant(email="stil@groningen.nl", name="Stil Persoon")
    deliver(idle)
    resting = make_registrant(email="rust@almere.nl", codes=("GM0034",), name="Rust Persoon")
    busy = make_registrant(email="bezig@groningen.nl", name="Bezig Persoon")
    _age(rejected, NOW - timedelta(days=40))
    _age(idle, datetime(2026, 12, 1, tzinfo=UTC))
    _age(resting, datetime(2026, 11, 1, tzinfo=UTC))
    _age(busy, datetime(2027, 3, 1, tzinfo=UTC))
    return {"rejected": rejected, "idle": idle, "resting": resting, "busy": busy}


def _trail(aws) -> list[dict]:
    return [item for item in scan(aws, "Audit") if item["subject"]["S"] == "bewaartermijn"]


def test_the_nightly_run_erases_whom_the_rules_name_and_audits_it(due_people, aws, helpdesk,
                                                                   monkeypatch, capsys):
    from chalicelib.accounts import retention
    from chalicelib.helpdesk import personal_data as helpdesk_data

    monkeypatch.setenv("RETENTION_SCHEDULE", "apply")
    done = helpdesk_data.scheduled_retention(NOW)
    assert done == {"mode": "apply", "due": 3, "erased": 3, "held_back": False,
                    "reasons": {retention.INACTIVE: 2, retention.UNATTACHED: 1}}
    assert [r["name"]["S"] for r in scan(aws, "Registrants")] == ["Bezig Persoon"]
    assert len(scan(aws, "Deliveries")) == 1  # kept, under the personal code
    tables = json.dumps([scan(aws, name) for name in ("Registrants", "Lookups", "Memberships",
                                                      "Held", "Audit")]).lower()
    for trace in ("afgewezen persoon", "stil persoon", "rust persoon", "weg@gmail", "stil@",
                  "rust@"):
        assert trace not in tables, trace
    erasures = [e for e in scan(aws, "Audit") if e["subject"]["S"].startswith("registrant#")
                and "verwijderd" in e["action"]["S"]]
    assert len(erasures) == 3
    assert {e["actor"]["S"] for e in erasures} == {helpdesk_data.RETENTION_ACTOR}
    assert {e["reason"]["S"] for e in erasures} == {
        f"Bewaartermijn verstreken: {retention.INACTIVE}",
        f"Bewaartermijn verstreken: {retention.UNATTACHED}"}
    [run] = _trail(aws)
    assert run["action"]["S"] == "bewaartermijn toegepast: 3 aanmelder(s) verwijderd"
    codes = json.loads(run["details"]["S"])["persoonlijke_codes"]
    assert all(due_people[who].personal_code in codes for who in ("rejected", "idle", "resting"))
    assert due_people["busy"].personal_code not in codes
    emitted = capsys.readouterr().out  # the metrics, in CloudWatch's embedded format
    assert '"RegistrantsErased"' in emitted and '"RetentionHeldBack"' in emitted
    start = helpdesk.get("/helpdesk").text
    assert "Elke nacht worden de aanmelders gewist" in start
    assert "bewaartermijn toegepast: 3 aanmelder(s) verwijderd" in start
    # the next night finds nobody: no second entry
    assert helpdesk_data.scheduled_retention(NOW)["due"] == 0
    assert len(_trail(aws)) == 1


def test_a_dry_run_only_reports_and_off_does_nothing(due_people, aws, helpdesk, monkeypatch):
    from chalicelib.helpdesk import personal_data as helpdesk_data

    monkeypatch.delenv("RETENTION_SCHEDULE", raising=False)  # unset: a dry run
    done = helpdesk_data.scheduled_retention(NOW)
    assert (done["mode"], done["due"], done["erased"]) == ("dry-run", 3, 0)
    assert len(scan(aws, "Registrants")) == 4
    [run] = _trail(aws)
    assert run["action"]["S"] == "bewaartermijn (proefdraai): 3 aanmelder(s) te verwijderen"
    assert "niemand wordt automatisch gewist (proefdraai)" in helpdesk.get("/helpdesk").text
    assert "elke nacht automatisch" not in helpdesk.get("/privacyverklaring").text
    monkeypatch.setenv("RETENTION_SCHEDULE", "off")
    assert helpdesk_data.scheduled_retention(NOW)["mode"] == "off"
    assert len(scan(aws, "Registrants")) == 4 and len(_trail(aws)) == 1
    monkeypatch.setenv("RETENTION_SCHEDULE", "apply")
    assert "Dat wissen gebeurt elke nacht automatisch" in \
        helpdesk.get("/privacyverklaring").text


def test_a_night_with_more_due_than_allowed_erases_nobody_and_raises_the_alarm(
        due_people, aws, monkeypatch, capsys):
    from chalicelib.accounts import retention
    from chalicelib.cli import main as cli
    from chalicelib.helpdesk import personal_data as helpdesk_data

    monkeypatch.setenv("RETENTION_SCHEDULE", "apply")
    monkeypatch.setenv("RETENTION_MAX_PER_RUN", "2")
    done = helpdesk_data.scheduled_retention(NOW)
    assert (done["due"], done["erased"], done["held_back"]) == (3, 0, True)
    assert len(scan(aws, "Registrants")) == 4
    [run] = _trail(aws)
    assert run["action"]["S"].startswith("bewaartermijn tegengehouden: 3 aanmelders te "
                                         "verwijderen, meer dan 2 in één nacht")
    emitted = capsys.readouterr().out
    metric = next(json.loads(line) for line in emitted.splitlines()
                  if '"RetentionHeldBack"' in line)
    assert metric["RetentionHeldBack"] == [1.0] and metric["service"] == "retention"
    # a person looks, then applies them: no limit for the CLI
    monkeypatch.setattr(retention, "datetime", type("Clock", (), {
        "now": staticmethod(lambda tz=None: NOW), "combine": datetime.combine,
        "fromisoformat": datetime.fromisoformat}))
    assert cli.main(["--as", "jan@helpdesk.nl", "retention", "--apply"]) == 0
    assert "3 aanmelder(s) verwijderd" in capsys.readouterr().out
    assert [r["name"]["S"] for r in scan(aws, "Registrants")] == ["Bezig Persoon"]


def test_a_registrant_active_again_since_the_rules_looked_is_kept(due_people, aws,
                                                                 monkeypatch):
    from chalicelib.accounts import registration, retention
    from chalicelib.helpdesk import personal_data as helpdesk_data

    real_due = retention.due

    def due_then_a_new_link(now=None):
        found = real_due(now)
        registration.request_new_link("stil@groningen.nl")  # between the scan and the erasure
        return found

    monkeypatch.setattr(retention, "due", due_then_a_new_link)
    monkeypatch.setenv("RETENTION_SCHEDULE", "apply")
    done = helpdesk_data.scheduled_retention(NOW)
    assert (done["due"], done["erased"]) == (3, 2)
    assert sorted(r["name"]["S"] for r in scan(aws, "Registrants")) == [
        "Bezig Persoon", "Stil Persoon"]
    [run] = _trail(aws)
    details = json.loads(run["details"]["S"])
    assert (details["gevonden"], details["verwijderd"]) == (3, 2)
    assert due_people["idle"].personal_code not in details["persoonlijke_codes"]


def test_the_schedule_is_wired_and_the_stages_apply_the_rules(due_people, app_module,
                                                              monkeypatch):
    from chalice.test import Client

    from tests.support.stages import repo_stage

    assert repo_stage("prod")["RETENTION_SCHEDULE"] == "apply"
    assert repo_stage("dev")["RETENTION_SCHEDULE"] == "apply"
    assert "RETENTION_SCHEDULE" not in repo_stage("local")  # a dry run, should it run
    [schedule] = [source for source in app_module.app.event_sources
                  if getattr(source, "name", "") == "apply_retention"]
    assert schedule.schedule_expression.to_string() == "cron(30 2 * * ? *)"
    monkeypatch.setenv("RETENTION_SCHEDULE", "dry-run")
    with Client(app_module.app, stage_name="local") as client:
        result = client.lambda_.invoke("apply_retention", client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={},
            resources=["arn:aws:events:eu-central-1:123456789012:rule/apply_retention"]))
    assert result.payload["mode"] == "dry-run"  # now is now: nobody is due yet
    assert result.payload["erased"] == 0


def test_a_page_erasing_someone_changed_meanwhile_is_refused(zwaantje, aws):
    from chalicelib.accounts import personal_data, registrants
    from chalicelib.helpdesk import personal_data as helpdesk_data
    from chalicelib.helpdesk.actions import ActionRefused

    shown = registrants.find_by_email(EMAIL)  # what the page read ...
    personal_data.correct(shown, personal_data.version_of(shown), personal_data.Correction(
        NEW_NAME, EMAIL, PHONE))  # ... before a colleague corrected her
    with pytest.raises(ActionRefused, match="Iemand anders heeft deze aanmelder"):
        helpdesk_data.erase("medewerker", shown, "verzoek",
                            seen_version=personal_data.version_of(shown))
    assert registrants.find_by_email(EMAIL).name == NEW_NAME  # nothing erased


def test_the_cli_erases_by_personal_code(aws, app_module, capsys):
    from chalicelib.cli import main as cli

    person = make_registrant(email="weg@groningen.nl", name="Weg Persoon")
    with pytest.raises(SystemExit):
        cli.main(["erase", person.personal_code, "verzoek"])  # --as is required
    assert cli.main(["--as", "jan@helpdesk.nl", "erase", person.personal_code, "verzoek"]) == 0
    assert scan(aws, "Registrants") == []
    assert cli.main(["--as", "jan@helpdesk.nl", "erase", person.personal_code, "verzoek"]) == 1


def test_rate_limit_and_kept_input_records_expire_by_ttl(browser, mailbox, aws):
    from chalicelib.accounts import pending_input
    from devtools.package import load_yaml
    from tests.support.feed import ROOT

    declared = load_yaml(ROOT / "infra" / "resources.yaml")["Resources"]
    for table in ("RateLimitsTable", "PendingInputTable", "HelpdeskSessionsTable"):
        # what deployment switches on (moto's CloudFormation leaves TTL off, so: the template)
        assert declared[table]["Properties"]["TimeToLiveSpecification"] == {
            "AttributeName": "expires_at", "Enabled": True}
    flows.signed_in(browser, mailbox)
    [person] = scan(aws, "Registrants")
    kept = pending_input.keep(person["id"]["S"], "GM0014", "opzet", {"doel": ["x"]}, 0)
    now = datetime.now(UTC).timestamp()
    counters = scan(aws, "RateLimits")
    assert counters and all(now < int(i["expires_at"]["N"]) <= now + 2 * 3600 + 5
                            for i in counters)  # two windows of RATE_LIMIT_WINDOW_SECONDS
    [item] = [i for i in scan(aws, "PendingInput") if i["id"]["S"] == kept.id]
    assert now < int(item["expires_at"]["N"]) <= now + 14 * 24 * 3600 + 5
