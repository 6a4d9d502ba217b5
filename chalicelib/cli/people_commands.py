"""The CLI's commands about people and who may register (main.py wires them in):

    python -m chalicelib.cli domains [GM0014]
    python -m chalicelib.cli --as jan@helpdesk.nl trust-domain GM0820,GM0848 d.nl "reden"
    python -m chalicelib.cli --as jan@helpdesk.nl untrust-domain GM0820 d.nl "reden"
    python -m chalicelib.cli reindex-people   # once, after the update that brought
                                                       # people search (README, Deployment)
    python -m chalicelib.cli migrate-accounts [--apply]   # once, after issue 25: e-mail
                                      # look-ups by mailbox, one held request per account
    python -m chalicelib.cli retention            # who the retention rules would erase
    python -m chalicelib.cli --as jan@helpdesk.nl retention --apply   # and erase them
    python -m chalicelib.cli --as jan@helpdesk.nl erase K7MW-3QXA "reden"
    python -m chalicelib.cli --as jan@helpdesk.nl invite nieuw@helpdesk.nl [--resend]
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..accounts import account_migration, people, registrants, retention, trusted_domains
from ..helpdesk import domains, onboarding, personal_data
from ..helpdesk.actions import ActionRefused
from ..platform import audit, config
from ..platform.municipalities import municipalities

COMMANDS = {"domains", "trust-domain", "untrust-domain", "reindex-people", "retention",
            "erase", "invite", "migrate-accounts"}
CHANGES = {"trust-domain", "untrust-domain", "erase", "invite"}


def add_commands(sub: Any) -> None:
    inviter = sub.add_parser("invite", help="invite a helpdesk employee (Cognito mails a "
                                            "temporary password; HELPDESK_USER_POOL_ID)")
    inviter.add_argument("email")
    inviter.add_argument("--resend", action="store_true",
                         help="mail a new temporary password to someone already invited")
    keeping = sub.add_parser("retention", help="registrants due for erasure (RETENTION_*; "
                                               "the nightly schedule applies them too)")
    keeping.add_argument("--apply", action="store_true", help="erase them (needs --as)")
    eraser = sub.add_parser("erase", help="erase a registrant's personal data (AVG)")
    eraser.add_argument("personal_code")
    eraser.add_argument("reason")
    sub.add_parser("reindex-people", help="write every registrant's search entries (once, "
                                          "after the update that brought people search; "
                                          "harmless to repeat)")
    migrating = sub.add_parser(
        "migrate-accounts", help="once, after the update of issue 25: e-mail look-ups by "
        "mailbox (+tag and case folded) and one held request per account; a dry run unless "
        "--apply, harmless to repeat")
    migrating.add_argument("--apply", action="store_true", help="carry it out")
    listing = sub.add_parser("domains", help="trusted mail domains (all, or one municipality's)")
    listing.add_argument("municipality", nargs="?")
    for name, text in (("trust-domain", "trust a mail domain for municipalities"),
                       ("untrust-domain", "stop trusting a mail domain")):
        command = sub.add_parser(name, help=text)
        command.add_argument("municipalities", help="CBS codes, comma-separated")
        command.add_argument("domain")
        command.add_argument("reason")


def _codes(text: str) -> list[str]:
    known = municipalities(config.municipality_year())
    codes = [code.strip().upper() for code in text.split(",") if code.strip()]
    unknown = [code for code in codes if code not in known]
    if not codes or unknown:
        raise ActionRefused(f"Onbekende CBS-code(s): {', '.join(unknown) or text}")
    return codes


def run(args: argparse.Namespace, actor: str) -> int:
    if args.command == "invite":
        try:
            status = onboarding.invite(args.email, resend=args.resend)
        except onboarding.InviteRefused as refused:
            print(f"Geweigerd: {refused}", file=sys.stderr)
            return 1
        user = args.email.strip().lower()
        action = "helpdesk-medewerker uitgenodigd" + (" (opnieuw)" if args.resend else "")
        audit.record(actor, action, [audit.subject_helpdesk(user)])
        print(f"{user} uitgenodigd ({status}); Cognito mailt het tijdelijke wachtwoord. Bij "
              "de eerste keer inloggen kiest de medewerker een wachtwoord en stelt de "
              "authenticator-app in.")
        # the pool's mail names the full address only with a custom domain: say it here
        base = config.env("BASE_URL").rstrip("/")
        print(f"Inlogpagina (geef die door): {base}/helpdesk/inloggen" if base else
              "Inlogpagina: <BaseUrl van de stack>/helpdesk/inloggen (geef die door)")
        return 0
    if args.command == "retention":
        if args.apply and actor == "cli":
            print("--as is vereist voor --apply (het komt in het logboek)", file=sys.stderr)
            return 2
        if args.apply:  # a person decided: no per-run limit, unlike the nightly schedule
            done = personal_data.run_retention(f"{actor} (bewaartermijn)", "apply")
            listed, erased = done.due, {item.registrant.id for item in done.erased}
        else:
            listed, erased = retention.due(), set()
        for one in listed:
            kept = "\t(niet verwijderd: intussen gewijzigd of al weg)" \
                if args.apply and one.registrant.id not in erased else ""
            print(f"{one.registrant.personal_code}\t{one.reason}\t"
                  f"laatst actief {one.last_active.date().isoformat()}{kept}")
        print(f"{len(erased)} aanmelder(s) verwijderd" if args.apply
              else f"{len(listed)} aanmelder(s) te verwijderen")
        return 0
    if args.command == "erase":
        registrant = registrants.find_by_personal_code(args.personal_code)
        if registrant is None:
            raise ActionRefused(f"Geen aanmelder met persoonlijke code {args.personal_code}.")
        personal_data.erase(actor, registrant, args.reason)
        print(f"{registrant.personal_code} verwijderd; aanleveringen blijven bewaard")
        return 0
    if args.command == "reindex-people":
        written, skipped = people.reindex()
        print(f"{written} aanmelders doorzoekbaar gemaakt"
              + (f"; {skipped} intussen gewijzigd of verwijderd (die schreven hun zoekgegevens "
                 "zelf)" if skipped else ""))
        return 0
    if args.command == "migrate-accounts":
        return _migrate_accounts(args.apply)
    if args.command == "domains":
        found = (trusted_domains.of_municipality(args.municipality.upper())
                 if args.municipality else trusted_domains.everything())
        for item in found:
            print(f"{item.municipality}\t{item.domain}\t{item.trusted_by}\t"
                  f"{item.trusted_at.isoformat()}")
        return 0
    codes = _codes(args.municipalities)
    failed = 0
    for code in codes:  # one transaction per municipality: each is whole or not at all
        try:
            if args.command == "trust-domain":
                domain = domains.trust(actor, code, args.domain, args.reason)
                print(f"{code}\t{domain}\tvertrouwd")
            else:
                domains.remove(actor, code, args.domain, args.reason)
                print(f"{code}\t{args.domain}\tniet meer vertrouwd")
        except ActionRefused as refused:
            failed += 1
            print(f"Geweigerd voor {code}: {refused}", file=sys.stderr)
    return 1 if failed else 0


def _migrate_accounts(carry_out: bool) -> int:
    found = account_migration.plan()
    for step in found.steps():
        print(f"{step.personal_code or step.registrant_id}\t{step.what}")
    for step in found.conflicts:
        print(f"{step.personal_code}\t{step.what}", file=sys.stderr)
    if not carry_out:
        print(f"{len(found.steps())} wijziging(en) te doen (proefdraai; --apply voert ze uit)"
              + (f"; {len(found.conflicts)} conflict(en)" if found.conflicts else ""))
        return 0
    done, skipped = account_migration.apply(found)
    print(f"{done} wijziging(en) doorgevoerd"
          + (f"; {skipped} overgeslagen (intussen gewijzigd: draai het nog eens)"
             if skipped else "")
          + (f"; {len(found.conflicts)} conflict(en) voor de helpdesk" if found.conflicts
             else ""))
    return 1 if found.conflicts else 0
