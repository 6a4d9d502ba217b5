"""The one-off migration of accounts made before issue 25 (`cli migrate-accounts`): e-mail
look-ups by mailbox, one held request per account. Dry run first, then --apply, then nothing
left to do; accounts changed meanwhile are skipped."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support.feed import make_registrant
from tests.support.tables import scan


def _as_before_issue_25(registrant, email: str) -> None:
    """Puts the account back the way the old code left it: its look-up under the address as
    typed, not under the mailbox."""
    from chalicelib.platform.models import Lookup, Registrant

    Lookup(f"email#{registrant.email}").delete()
    Registrant(registrant.id).update(actions=[Registrant.email.set(email)])
    Lookup(f"email#{email}", registrant_id=registrant.id).save()


def _keys(aws) -> set[str]:
    return {item["key"]["S"] for item in scan(aws, "Lookups")
            if item["key"]["S"].startswith("email#")}


@pytest.fixture
def old_accounts(aws, monkeypatch):
    from chalicelib.platform.models import HeldRequest, Registrant

    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "false")
    tagged = make_registrant(email="coord1@stadskanaal.nl", codes=("GM0037",))
    _as_before_issue_25(tagged, "coord1+alt@stadskanaal.nl")
    plain = make_registrant(email="gewoon@ede.nl", codes=("GM0228",))
    # two old accounts of one mailbox: the untagged one already holds the mailbox's key
    first = make_registrant(email="dubbel@ede.nl", codes=("GM0228",))
    second = make_registrant(email="dubbel2@ede.nl", codes=("GM0228",))
    _as_before_issue_25(second, "dubbel+b@ede.nl")
    waiting = make_registrant(email="wacht@gmail.com", codes=("GM0014",))
    Registrant(waiting.id).update(actions=[
        Registrant.held_municipalities.set({"GM0034", "GM0037"})])
    for code in ("GM0034", "GM0037", "GM0047"):  # GM0047 was handled, its row left behind
        HeldRequest("open", f"{waiting.id}#{code}", registrant_id=waiting.id, municipality=code,
                    email_domain="gmail.com", created_at=datetime(2026, 9, 1, tzinfo=UTC)).save()
    return {"tagged": tagged, "plain": plain, "first": first, "second": second,
            "waiting": waiting}


def test_dry_run_then_apply_then_nothing_left(old_accounts, aws, capsys):
    from chalicelib.accounts import registrants
    from chalicelib.cli import main as cli

    assert registrants.find_by_email("coord1@stadskanaal.nl") is None  # the bug it repairs
    before = _keys(aws)
    assert cli.main(["migrate-accounts"]) == 0
    out = capsys.readouterr()
    assert "2 wijziging(en) te doen (proefdraai" in out.out and "1 conflict" in out.out
    assert "email#coord1+alt@stadskanaal.nl -> email#coord1@stadskanaal.nl" in out.out
    assert "deelt de mailbox dubbel@ede.nl" in out.err
    assert _keys(aws) == before and len(scan(aws, "HeldTableName")) == 3  # dry: untouched

    assert cli.main(["migrate-accounts", "--apply"]) == 1  # the conflict needs a person
    assert "2 wijziging(en) doorgevoerd" in capsys.readouterr().out
    tagged = old_accounts["tagged"]
    for typed in ("coord1@stadskanaal.nl", "Coord1+alt@Stadskanaal.nl", "coord1+x@stadskanaal.nl"):
        assert registrants.find_by_email(typed).id == tagged.id
    keys = _keys(aws)
    assert "email#coord1+alt@stadskanaal.nl" not in keys  # the address is not left behind
    assert {"email#dubbel@ede.nl", "email#dubbel+b@ede.nl"} <= keys  # conflict: untouched
    assert registrants.find_by_email("gewoon@ede.nl").id == old_accounts["plain"].id
    [held] = scan(aws, "HeldTableName")
    assert held["key"]["S"] == old_accounts["waiting"].id
    assert set(held["municipalities"]["SS"]) == {"GM0034", "GM0037"}  # GM0047 no longer waits

    assert cli.main(["migrate-accounts"]) == 0  # idempotent: a second run finds nothing
    assert "0 wijziging(en) te doen" in capsys.readouterr().out
    assert cli.main(["migrate-accounts", "--apply"]) == 1
    assert "0 wijziging(en) doorgevoerd" in capsys.readouterr().out
    assert _keys(aws) == keys


def test_an_account_changed_meanwhile_is_skipped_and_done_next_time(old_accounts, aws, capsys):
    from chalicelib.accounts import account_migration, registrants
    from chalicelib.platform.models import Registrant

    found = account_migration.plan()
    tagged = old_accounts["tagged"]
    Registrant(tagged.id).update(actions=[Registrant.updated_at.set(datetime.now(UTC))])
    done, skipped = account_migration.apply(found)
    assert (done, skipped) == (1, 1)
    assert registrants.find_by_email("coord1@stadskanaal.nl") is None
    assert account_migration.apply(account_migration.plan()) == (1, 0)
    assert registrants.find_by_email("coord1@stadskanaal.nl").id == tagged.id
