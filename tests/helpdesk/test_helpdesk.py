"""The helpdesk: signed in through Cognito, finds registrants, withdraws and restores, audited."""
from __future__ import annotations

import csv
import io
import re

import boto3
import pytest

from tests.support.answers import ALL
from tests.support.browser import Browser
from tests.support.feed import bucket_object, deliver, make_registrant, record
from tests.support.flows import PASSWORD, register, save, send
from tests.support.tables import scan

HELPDESK_GETS = ["/helpdesk", "/helpdesk?q=GM0014", "/helpdesk/gemeente/GM0014",
                 "/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                 "/helpdesk/gemeente/GM0014/logboek.csv"]


def test_helpdesk_pages_refuse_anyone_not_signed_in_as_helpdesk(delivered, aws):
    # `delivered` is a representative with a valid session: it must not get in either
    for path in HELPDESK_GETS:
        response = delivered.get(path)
        assert response.status_code == 401, path
        assert "alleen voor de helpdesk" in response.text
    for path in ("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                 "/helpdesk/gemeente/GM0014/herstellen/GM0014-2026-1"):
        response = delivered.submit(path, {"reden": "poging"}, form_page="/start")
        assert response.status_code == 401
    assert scan(aws, "DeliveriesTableName")[0]["status"]["S"] == "valid"


def test_every_helpdesk_route_is_protected(app_module, browser):
    routes = [path for path in app_module.app.routes if path.startswith("/helpdesk")]
    public = {"/helpdesk/inloggen", "/helpdesk/code", "/helpdesk/uitloggen",
              "/helpdesk/nieuw-wachtwoord", "/helpdesk/authenticator"}  # the sign-in's steps
    assert len(routes) >= 10
    for path in routes:
        if path in public:
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        for method in app_module.app.routes[path]:
            if method == "GET":
                response = browser.get(concrete)
            else:
                response = browser.submit(concrete, {}, form_page="/")
            assert response.status_code == 401, (method, path)


def test_wrong_password_and_users_outside_the_group_are_refused(helpdesk, browser):
    wrong = browser.submit("/helpdesk/inloggen", {"email": "medewerker@helpdesk.nl",
                                                  "wachtwoord": "fout"})
    outsider = browser.submit("/helpdesk/inloggen", {"email": "buiten@groep.nl",
                                                     "wachtwoord": PASSWORD})
    unknown = browser.submit("/helpdesk/inloggen", {"email": "niemand@x.nl",
                                                    "wachtwoord": PASSWORD})
    for response in (wrong, outsider, unknown):
        assert response.status_code == 401
        assert "klopt niet, of u heeft geen toegang" in response.text
    assert browser.get("/helpdesk").status_code == 401


def test_mfa_required_refuses_a_sign_in_without_a_second_factor(helpdesk, browser,
                                                                  monkeypatch):
    monkeypatch.setenv("HELPDESK_MFA_REQUIRED", "true")
    response = browser.submit("/helpdesk/inloggen", {"email": "medewerker@helpdesk.nl",
                                                     "wachtwoord": PASSWORD})
    assert response.status_code == 401
    assert "tweestapsverificatie verplicht" in response.text


def test_lookup_by_code_email_and_municipality(helpdesk, delivered, mailbox):
    code = re.search(r"code is: (\w{4}-\w{4})", mailbox.to("a.devries@groningen.nl")[0].text)[1]
    for query in (code, code.lower().replace("-", " "), "A.DeVries@Groningen.nl"):
        page = helpdesk.get(f"/helpdesk?q={query}").text
        assert "Anna de Vries" in page, query
    by_code = helpdesk.get("/helpdesk?q=GM0014").text
    assert 'href="/helpdesk/gemeente/GM0014"' in by_code
    by_name = helpdesk.get("/helpdesk?q=gronin").text
    assert "Groningen (GM0014)" in by_name
    assert "Niets gevonden" in helpdesk.get("/helpdesk?q=bestaat-niet@nergens.nl").text
    person = re.search(r"/helpdesk/registrant/([0-9a-f]{32})",
                       helpdesk.get(f"/helpdesk?q={code}").text).group(1)
    assert "050 367 9111" in helpdesk.get(f"/helpdesk/registrant/{person}").text
    municipality = helpdesk.get("/helpdesk/gemeente/GM0014").text
    assert "GM0014-2026-1" in municipality and "Telt nu" in municipality
    assert "Anna de Vries" in municipality


def test_withdraw_needs_a_reason_then_feed_shows_retraction_and_everyone_is_told(
        helpdesk, delivered, aws, mailbox):
    from chalicelib.publication import forwarding
    from devtools.stream_pump import LambdaContext

    forwarding.handle({"Records": [record("GM0014#2026", 1, "INSERT")]}, LambdaContext("f"))
    confirm = helpdesk.get("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1")
    assert "intrekken?" in confirm.text
    no_reason = helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                                {"reden": "  "},
                                form_page="/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1")
    assert no_reason.status_code == 400 and "Geef een reden op" in no_reason.text
    done = helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                           {"reden": "Verkeerde cijfers aangeleverd"},
                           form_page="/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1")
    assert done.status_code == 200 and "is ingetrokken" in done.text
    forwarding.handle({"Records": [record("GM0014#2026", 1)]}, LambdaContext("f"))
    assert bucket_object(aws, "ceo-wmo/2026/GM0014.json")["status"] == "retracted"
    [notice] = [m for m in mailbox.to("a.devries@groningen.nl") if "ingetrokken" in m.subject]
    assert "Verkeerde cijfers aangeleverd" in notice.text
    assert "Ingetrokken door de helpdesk" in delivered.get("/start").text
    # restore reverses it
    restored = helpdesk.submit("/helpdesk/gemeente/GM0014/herstellen/GM0014-2026-1",
                               {"reden": "Cijfers bleken toch juist"},
                               form_page="/helpdesk/gemeente/GM0014")
    assert "is hersteld" in restored.text
    forwarding.handle({"Records": [record("GM0014#2026", 1)]}, LambdaContext("f"))
    document = bucket_object(aws, "ceo-wmo/2026/GM0014.json")
    assert document["status"] == "published" and document["revision"] == 3


@pytest.mark.parametrize("number", ["GM0014-2026-7", "GM0014-2025-1", "GM0034-2026-1",
                                    "geen-nummer"])
def test_the_withdraw_confirmation_of_a_delivery_that_does_not_exist_is_not_found(
        helpdesk, delivered, aws, number):
    path = f"/helpdesk/gemeente/GM0014/intrekken/{number}"
    page = helpdesk.get(path)
    assert page.status_code == 404 and "Pagina niet gevonden" in page.text
    assert "intrekken?" not in page.text
    posted = helpdesk.submit(path, {"reden": ""}, form_page="/helpdesk/gemeente/GM0014")
    assert posted.status_code == 404
    assert scan(aws, "DeliveriesTableName")[0]["status"]["S"] == "valid"


def test_withdrawing_a_delivery_that_does_not_count_is_refused(helpdesk, delivered, aws):
    save(delivered, "uitkomsten", ALL["uitkomsten"])
    send(delivered)
    refused = helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                              {"reden": "oude"}, form_page="/helpdesk/gemeente/GM0014")
    assert refused.status_code == 409
    assert "Alleen de aanlevering die nu telt (GM0014-2026-2)" in refused.text
    items = scan(aws, "DeliveriesTableName")
    assert all(i["status"]["S"] == "valid" for i in items)


def test_withdrawing_the_latest_tells_which_delivery_counts_now(helpdesk, delivered, mailbox):
    save(delivered, "uitkomsten", ALL["uitkomsten"])
    send(delivered)
    helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-2", {"reden": "fout"},
                    form_page="/helpdesk/gemeente/GM0014")
    [notice] = [m for m in mailbox.to("a.devries@groningen.nl") if "ingetrokken" in m.subject]
    assert "fout (nu telt GM0014-2026-1)" in notice.text


def test_every_action_is_in_the_audit_trail_and_csv(helpdesk, delivered, aws):
    helpdesk.submit("/helpdesk/gemeente/GM0014/intrekken/GM0014-2026-1",
                    {"reden": "=HYPERLINK(\"x\")"}, form_page="/helpdesk/gemeente/GM0014")
    helpdesk.submit("/helpdesk/gemeente/GM0014/herstellen/GM0014-2026-1",
                    {"reden": "terug"}, form_page="/helpdesk/gemeente/GM0014")
    page = helpdesk.get("/helpdesk/gemeente/GM0014").text
    assert "intrekken" in page and "herstellen" in page and "medewerker@helpdesk.nl" in page
    exported = helpdesk.get("/helpdesk/gemeente/GM0014/logboek.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["tijdstip (Nederlandse tijd)", "medewerker", "actie", "reden", "details"]
    actions = [row[2] for row in rows[1:]]
    assert actions == ["herstellen", "intrekken"]  # newest first
    assert rows[2][3].startswith("'=")  # no spreadsheet formula injection
    assert rows[2][4] == "aanlevering GM0014-2026-1; publicatieversie 1 → 2"  # readable
    from datetime import datetime
    from zoneinfo import ZoneInfo

    logged = datetime.fromisoformat(rows[2][0]).replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert abs((datetime.now(ZoneInfo("Europe/Amsterdam")) - logged).total_seconds()) < 300
    assert "publicatieversie 1 → 2" in page and "revisie_voor" not in page
    assert re.search(r"\d{1,2} [a-z]+ 20\d\d om \d\d:\d\d uur", page)  # local, in words
    registrant_id = scan(aws, "RegistrantsTableName")[0]["id"]["S"]
    per_person = helpdesk.get(f"/helpdesk/registrant/{registrant_id}/logboek.csv").text
    assert "intrekken" in per_person and "herstellen" in per_person


def test_resend_and_revoke_link(helpdesk, delivered, aws, mailbox):
    registrant_id = scan(aws, "RegistrantsTableName")[0]["id"]["S"]
    old_link = mailbox.last_link("a.devries@groningen.nl")
    page = helpdesk.submit(f"/helpdesk/registrant/{registrant_id}/link-opnieuw", {},
                           form_page=f"/helpdesk/registrant/{registrant_id}")
    assert "nieuwe link gestuurd" in page.text
    new_link = mailbox.last_link("a.devries@groningen.nl")
    assert new_link != old_link and delivered.get(old_link).status_code == 303  # adds
    missing = helpdesk.submit(f"/helpdesk/registrant/{registrant_id}/link-intrekken",
                              {"reden": ""}, form_page=f"/helpdesk/registrant/{registrant_id}")
    assert missing.status_code == 400
    helpdesk.submit(f"/helpdesk/registrant/{registrant_id}/link-intrekken",
                    {"reden": "Medewerker uit dienst"},
                    form_page=f"/helpdesk/registrant/{registrant_id}")
    assert delivered.get(new_link).status_code == 404
    assert delivered.get(old_link).status_code == 404  # revoking ends every link
    trail = helpdesk.get(f"/helpdesk/registrant/{registrant_id}").text
    assert "link opnieuw verstuurd" in trail and "Medewerker uit dienst" in trail


def test_sign_out_ends_the_helpdesk_session(helpdesk):
    helpdesk.submit("/helpdesk/uitloggen", {}, form_page="/helpdesk")
    assert helpdesk.get("/helpdesk").status_code == 401


def test_export_has_one_row_per_municipality_and_weighted_national_figures(helpdesk, aws):
    import json

    person = make_registrant(email="exp@ede.nl", codes=("GM0014", "GM0034", "GM0050"))
    deliver(person, code="GM0014")                                 # q1: 75.5% of 398
    deliver(person, code="GM0034", **{"scores__q1__helemaal_mee_eens": "10",
                                      "scores__q1__mee_eens": "40", "scores__q1__neutraal": "30",
                                      "scores__q1__niet_mee_eens": "10",
                                      "scores__q1__helemaal_niet_mee_eens": "10",
                                      "scores__q1__n": "200"})     # q1: 50% of 200
    deliver(person, code="GM0050", scores__q1__n="12")             # below the minimum
    deliver(person, code="GM0014", headline="correctie")           # only the latest counts
    data = json.loads(helpdesk.get("/helpdesk/export/2026/json").text)
    assert [r["code"] for r in data["municipalities"]] == ["GM0014", "GM0034", "GM0050"]
    assert data["municipalities"][0]["delivery"] == "GM0014-2026-2"
    assert data["municipalities"][2]["scores"]["q1"] == {"n": 12, "withheld": True,
                                                         "agree": None}
    q1 = data["national"]["q1"]
    assert q1["municipalities"] == 2 and q1["valid_answers"] == 598
    assert q1["agree"] == round((75.5 * 398 + 50 * 200) / 598, 1)
    table = list(csv.reader(io.StringIO(helpdesk.get("/helpdesk/export/2026/csv").text)))
    assert table[0][:3] == ["gemeente_code", "gemeente", "aanlevering"]
    assert table[3][7] == "afgeschermd" and table[-1][0] == "NL"
    assert helpdesk.get("/helpdesk/export/2026/xls").status_code == 404


def test_cli_uses_the_same_functions_and_audit_trail(helpdesk, delivered, aws, capsys):
    from chalicelib.cli import main as helpdesk_cli

    assert helpdesk_cli.main(["lookup", "GM0014"]) == 0
    assert "telt nu: GM0014-2026-1" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        helpdesk_cli.main(["withdraw", "GM0014", "GM0014-2026-1", "zonder naam"])
    assert helpdesk_cli.main(["--as", "jan@helpdesk.nl", "withdraw", "GM0014",
                              "GM0014-2026-1", "storing"]) == 0
    assert helpdesk_cli.main(["--as", "jan@helpdesk.nl", "withdraw", "GM0014",
                              "GM0014-2026-1", "nog eens"]) == 1
    assert "Geweigerd" in capsys.readouterr().err
    page = helpdesk.get("/helpdesk/gemeente/GM0014").text
    assert "cli:jan@helpdesk.nl" in page and "storing" in page
    assert helpdesk_cli.main(["export", "2026", "--format", "csv"]) == 0
    assert "gemeente_code" in capsys.readouterr().out


def test_registration_from_an_unknown_domain_waits_for_approval(helpdesk, browser, mailbox,
                                                                 aws, monkeypatch):
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    response = register(browser, email="iemand@gmail.com", codes=("GM0014",))
    assert response.headers["Location"] == "/aangemeld?controle=GM0014"
    page = browser.get(response.headers["Location"]).text
    assert "Wij controleren uw aanmelding" in page and "Groningen" in page
    [held_mail] = mailbox.to("iemand@gmail.com")
    assert "gecontroleerd" in held_mail.subject and "/link/" not in held_mail.text
    # the same answer for a known and an unknown address with that domain
    again = register(browser, email="iemand@gmail.com", codes=("GM0014",))
    other = register(browser, email="ander@gmail.com", codes=("GM0014",))
    assert again.headers["Location"] == other.headers["Location"]
    # a matching domain is not held
    assert register(browser, email="a@groningen.nl").headers["Location"] == "/aangemeld"
    queue = helpdesk.get("/helpdesk").text
    assert "Aanmeldingen ter controle" in queue and "gmail.com" in queue
    assert queue.count("gmail.com</td>") == 2
    found = helpdesk.get("/helpdesk?q=iemand@gmail.com").text.split("<h2>Resultaten</h2>")[1]
    registrant_id = re.search(r'href="/helpdesk/registrant/([0-9a-f]{32})"', found).group(1)
    approved = helpdesk.submit(f"/helpdesk/registrant/{registrant_id}/goedkeuren",
                               {"gemeente": "GM0014"},
                               form_page=f"/helpdesk/registrant/{registrant_id}")
    assert "Goedgekeurd" in approved.text
    link = mailbox.last_link("iemand@gmail.com")
    assert browser.get(link).status_code == 303
    assert "Groningen" in browser.get("/start").text
    assert helpdesk.get("/helpdesk").text.count("gmail.com</td>") == 1  # ander@ still waits
    assert "aanmelding goedgekeurd" in helpdesk.get(f"/helpdesk/registrant/{registrant_id}").text


def test_helpdesk_adds_and_removes_a_municipality(helpdesk, delivered, aws):
    registrant_id = scan(aws, "RegistrantsTableName")[0]["id"]["S"]
    page = f"/helpdesk/registrant/{registrant_id}"
    no_reason = helpdesk.submit(f"{page}/gemeente-toevoegen", {"gemeente": "GM0034"},
                                form_page=page)
    assert no_reason.status_code == 400
    bad = helpdesk.submit(f"{page}/gemeente-toevoegen", {"gemeente": "GM9999", "reden": "x"},
                          form_page=page)
    assert bad.status_code == 400
    helpdesk.submit(f"{page}/gemeente-toevoegen", {"gemeente": "gm0034", "reden": "verzoek"},
                    form_page=page)
    assert "Almere" in delivered.get("/start").text
    assert "Anna de Vries" in helpdesk.get("/helpdesk/gemeente/GM0034").text
    helpdesk.submit(f"{page}/gemeente-verwijderen", {"gemeente": "GM0014", "reden": "vertrokken"},
                    form_page=page)
    assert "Groningen" not in delivered.get("/start").text
    assert delivered.get("/gemeente/GM0014/controleren").status_code == 404
    trail = helpdesk.get(page).text
    assert "gemeente toegevoegd" in trail and "gemeente verwijderd" in trail
    items = scan(aws, "DeliveriesTableName")
    assert len(items) == 1  # deliveries stay


def test_sign_in_with_a_totp_code_when_mfa_is_required(aws, app_module, monkeypatch):
    import os

    from devtools import aws_resources

    pool = {k: os.environ[k] for k in ("HELPDESK_USER_POOL_ID", "HELPDESK_CLIENT_ID")}
    aws_resources.create_helpdesk_user(pool, "mfa@helpdesk.nl", PASSWORD)
    cognito = boto3.client("cognito-idp")
    tokens = cognito.admin_initiate_auth(
        UserPoolId=pool["HELPDESK_USER_POOL_ID"], ClientId=pool["HELPDESK_CLIENT_ID"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "mfa@helpdesk.nl", "PASSWORD": PASSWORD})
    access = tokens["AuthenticationResult"]["AccessToken"]
    cognito.associate_software_token(AccessToken=access)
    cognito.verify_software_token(AccessToken=access, UserCode="123456")
    cognito.admin_set_user_mfa_preference(
        UserPoolId=pool["HELPDESK_USER_POOL_ID"], Username="mfa@helpdesk.nl",
        SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    monkeypatch.setenv("HELPDESK_MFA_REQUIRED", "true")
    agent = Browser(app_module.app)
    first = agent.submit("/helpdesk/inloggen", {"email": "mfa@helpdesk.nl",
                                                "wachtwoord": PASSWORD})
    assert first.headers["Location"] == "/helpdesk/code"
    assert agent.get("/helpdesk").status_code == 401  # not in before the code
    wrong_format = agent.submit("/helpdesk/code", {"code": "12a"})
    assert wrong_format.status_code == 400
    done = agent.submit("/helpdesk/code", {"code": "123456"})
    assert done.headers["Location"] == "/helpdesk"
    assert agent.get("/helpdesk").status_code == 200
    again = Browser(app_module.app)
    again.submit("/helpdesk/inloggen", {"email": "mfa@helpdesk.nl", "wachtwoord": PASSWORD})
    again.submit("/helpdesk/code", {"code": "123456"})
    assert not again.holds("ceo-helpdesk-mfa")  # the signed-in step clears the challenge
    replay = again.submit("/helpdesk/code", {"code": "000000"},  # so there is none to answer
                          form_page="/helpdesk/inloggen")
    assert replay.status_code == 303 and replay.headers["Location"] == "/helpdesk/inloggen"
    # moto accepts any code; Cognito answers a wrong one with CodeMismatchException
    from botocore.exceptions import ClientError

    from chalicelib.helpdesk import auth as helpdesk_auth

    real = helpdesk_auth._cognito()

    class WrongCode:
        def __getattr__(self, name):
            return getattr(real, name)

        def admin_respond_to_auth_challenge(self, **_):
            raise ClientError({"Error": {"Code": "CodeMismatchException"}},
                              "AdminRespondToAuthChallenge")

    monkeypatch.setattr(helpdesk_auth, "_cognito", lambda: WrongCode())
    wrong = Browser(app_module.app)
    wrong.submit("/helpdesk/inloggen", {"email": "mfa@helpdesk.nl", "wachtwoord": PASSWORD})
    refused = wrong.submit("/helpdesk/code", {"code": "000000"})
    assert refused.status_code == 401 and "De code klopt niet" in refused.text
    assert wrong.get("/helpdesk").status_code == 401
