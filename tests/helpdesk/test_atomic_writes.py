"""Every account and helpdesk change is one transaction: when the write fails, nothing of it is
stored (no audit entry without its action, no membership without its municipality), no mail
goes out, and simply doing it again completes it."""
from __future__ import annotations

import pytest
from pynamodb.connection.base import Connection

from tests.support.feed import deliver, make_registrant


class TransactionFails:
    """Makes the next `times` TransactWriteItems calls fail as a dropped connection would."""

    def __init__(self, monkeypatch, times: int = 1) -> None:
        self.left = times
        real = Connection.transact_write_items

        def failing(connection, *args, **kwargs):
            if self.left > 0:
                self.left -= 1
                raise ConnectionError("injected: the write never reached DynamoDB")
            return real(connection, *args, **kwargs)

        monkeypatch.setattr(Connection, "transact_write_items", failing)


def _register(email: str, codes=("GM0014",)):
    return make_registrant(email=email, codes=codes, name="Els de Vries",
                           phone="+31503679111")


def _fresh(registrant):
    from chalicelib.accounts import registrants

    return registrants.get(registrant.id)


def _trail(registrant):
    from chalicelib.helpdesk import audit_trail
    from chalicelib.platform import audit

    return [entry.action for entry in audit_trail.trail(audit.subject_registrant(registrant.id))]


def _held_queue():
    from chalicelib.helpdesk import actions

    return [request.key for request in actions.held_requests()]


@pytest.fixture()
def held(aws, app_module, monkeypatch, mailbox):
    """A registrant whose Groningen registration waits for the helpdesk."""
    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    registrant = _register("iemand@gmail.com")
    assert registrant.held_municipalities == {"GM0014"} and not registrant.municipalities
    return registrant


def test_approve_fails_whole_then_completes_on_retry(held, monkeypatch, mailbox):
    from chalicelib.helpdesk import actions

    mails_before = len(mailbox.all())
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        actions.approve("medewerker@helpdesk.nl", held, "GM0014")
    stored = _fresh(held)
    assert stored.held_municipalities == {"GM0014"} and not stored.municipalities
    assert _trail(held) == [] and len(_held_queue()) == 1
    assert len(mailbox.all()) == mails_before

    actions.approve("medewerker@helpdesk.nl", stored, "GM0014")
    stored = _fresh(held)
    assert stored.municipalities == {"GM0014"} and not stored.held_municipalities
    assert _trail(held) == ["aanmelding goedgekeurd"] and _held_queue() == []
    assert "/link/" in mailbox.to("iemand@gmail.com")[-1].text


def test_approving_twice_is_refused_and_recorded_once(held, mailbox):
    from chalicelib.helpdesk import actions

    actions.approve("a@helpdesk.nl", held, "GM0014")
    with pytest.raises(actions.ActionRefused):
        actions.approve("b@helpdesk.nl", _fresh(held), "GM0014")
    with pytest.raises(actions.ActionRefused):  # a stale copy is caught by the condition
        actions.approve("b@helpdesk.nl", held, "GM0014")
    assert _trail(held) == ["aanmelding goedgekeurd"]


def test_reject_fails_whole_then_completes_on_retry(held, monkeypatch):
    from chalicelib.helpdesk import actions

    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        actions.reject("medewerker@helpdesk.nl", held, "GM0014", "Geen gemeenteadres")
    assert _fresh(held).held_municipalities == {"GM0014"}
    assert _trail(held) == [] and len(_held_queue()) == 1

    actions.reject("medewerker@helpdesk.nl", held, "GM0014", "Geen gemeenteadres")
    assert not _fresh(held).held_municipalities
    assert _trail(held) == ["aanmelding afgewezen"] and _held_queue() == []


def test_resend_and_revoke_link_keep_action_and_audit_together(aws, app_module, monkeypatch,
                                                                 mailbox):
    from chalicelib.helpdesk import actions

    registrant = _register("els@groningen.nl")
    first_links = _fresh(registrant).link_hashes
    mails_before = len(mailbox.all())
    TransactionFails(monkeypatch, times=2)
    with pytest.raises(ConnectionError):
        actions.resend_link("medewerker@helpdesk.nl", registrant)
    with pytest.raises(ConnectionError):
        actions.revoke_link("medewerker@helpdesk.nl", registrant, "Telefoon kwijt")
    assert _fresh(registrant).link_hashes == first_links  # no new link was added
    assert _trail(registrant) == [] and len(mailbox.all()) == mails_before

    actions.resend_link("medewerker@helpdesk.nl", registrant)
    assert len(_fresh(registrant).link_hashes) == len(first_links) + 1
    actions.revoke_link("medewerker@helpdesk.nl", registrant, "Telefoon kwijt")
    assert _fresh(registrant).link_hashes == []
    assert sorted(_trail(registrant)) == ["link ingetrokken", "link opnieuw verstuurd"]


def test_adding_municipalities_to_an_account_is_all_or_nothing(aws, app_module, monkeypatch):
    from chalicelib.platform.models import Membership

    registrant = _register("els@groningen.nl", codes=("GM0014",))
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        _register("els@groningen.nl", codes=("GM0034", "GM0037"))
    assert _fresh(registrant).municipalities == {"GM0014"}
    assert [m.registrant_id for m in Membership.query("GM0034")] == []

    _register("els@groningen.nl", codes=("GM0034", "GM0037"))
    assert _fresh(registrant).municipalities == {"GM0014", "GM0034", "GM0037"}
    assert [m.registrant_id for m in Membership.query("GM0037")] == [registrant.id]


def test_a_failed_withdrawal_leaves_no_audit_entry_and_can_be_repeated(aws, app_module,
                                                                         monkeypatch):
    from chalicelib.delivery import history
    from chalicelib.helpdesk import actions, audit_trail
    from chalicelib.platform import audit
    from chalicelib.platform.models import DeliveryStatus

    registrant = _register("els@groningen.nl")
    deliver(registrant, code="GM0014")
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        actions.withdraw("medewerker@helpdesk.nl", "GM0014", 2026, "GM0014-2026-1", "Fout")
    [delivery] = history.history("GM0014", 2026)
    assert delivery.status == DeliveryStatus.VALID
    assert audit_trail.trail(audit.subject_municipality("GM0014")) == []

    actions.withdraw("medewerker@helpdesk.nl", "GM0014", 2026, "GM0014-2026-1", "Fout")
    [delivery] = history.history("GM0014", 2026)
    assert delivery.status == DeliveryStatus.WITHDRAWN
    trail = audit_trail.trail(audit.subject_municipality("GM0014"))
    assert [e.action for e in trail] == ["intrekken"]


def _trusted():
    from chalicelib.accounts import trusted_domains

    return [(item.municipality, item.domain) for item in trusted_domains.everything()]


def test_approving_and_trusting_the_domain_fail_whole_then_complete_on_retry(
        aws, app_module, monkeypatch, mailbox):
    from chalicelib.helpdesk import actions

    monkeypatch.setenv("REGISTRATION_DOMAIN_CHECK", "true")
    registrant = _register("evil@stadskanaal.xyz", codes=("GM0037",))
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        actions.approve("medewerker@helpdesk.nl", registrant, "GM0037", trust_domain=True)
    assert _trusted() == [] and _trail(registrant) == []
    assert _fresh(registrant).held_municipalities == {"GM0037"}

    actions.approve("medewerker@helpdesk.nl", _fresh(registrant), "GM0037", trust_domain=True)
    assert _trusted() == [("GM0037", "stadskanaal.xyz")]
    assert _trail(registrant) == ["aanmelding goedgekeurd"]
    assert _fresh(registrant).municipalities == {"GM0037"}


def test_trusting_and_removing_a_domain_by_hand_keep_action_and_audit_together(
        aws, app_module, monkeypatch):
    from chalicelib.helpdesk import audit_trail, domains
    from chalicelib.platform import audit

    def trail():
        return [e.action for e in audit_trail.trail(audit.subject_municipality("GM0037"))]

    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        domains.trust("medewerker@helpdesk.nl", "GM0037", "stadskanaal.xyz", "pilot")
    assert _trusted() == [] and trail() == []
    domains.trust("medewerker@helpdesk.nl", "GM0037", "stadskanaal.xyz", "pilot")
    assert _trusted() == [("GM0037", "stadskanaal.xyz")] and trail() == ["e-maildomein vertrouwd"]

    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        domains.remove("medewerker@helpdesk.nl", "GM0037", "stadskanaal.xyz", "klaar")
    assert _trusted() == [("GM0037", "stadskanaal.xyz")] and len(trail()) == 1
    domains.remove("medewerker@helpdesk.nl", "GM0037", "stadskanaal.xyz", "klaar")
    assert _trusted() == [] and sorted(trail()) == ["e-maildomein vertrouwd",
                                                    "vertrouwd e-maildomein verwijderd"]


def test_a_correction_fails_whole_then_completes_on_retry(aws, app_module, monkeypatch,
                                                           mailbox):
    from chalicelib.accounts import personal_data as account_data
    from chalicelib.helpdesk import personal_data
    from tests.support.tables import scan

    registrant = _register("els@groningen.nl")
    lookups = scan(aws, "Lookups")
    mails = len(mailbox.all())
    form = personal_data.validate("Els Visser", "els.visser@groningen.nl", "0612345678",
                                  "verzoek")
    version = account_data.version_of(registrant)
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        personal_data.correct("medewerker@helpdesk.nl", registrant, version, form)
    assert scan(aws, "Lookups") == lookups and _trail(registrant) == []
    assert _fresh(registrant).email == "els@groningen.nl" and len(mailbox.all()) == mails

    personal_data.correct("medewerker@helpdesk.nl", registrant, version, form)
    fresh = _fresh(registrant)
    assert (fresh.name, fresh.email, fresh.phone) == ("Els Visser", "els.visser@groningen.nl",
                                                      "+31612345678")
    assert _trail(registrant) == ["gegevens gecorrigeerd"]
    keys = {item["key"]["S"] for item in scan(aws, "Lookups")}
    assert "email#els.visser@groningen.nl" in keys and "email#els@groningen.nl" not in keys
    assert "/link/" in mailbox.to("els.visser@groningen.nl")[-1].text


def test_an_erasure_fails_whole_then_completes_on_retry(aws, app_module, monkeypatch):
    from chalicelib.helpdesk import audit_trail, personal_data
    from chalicelib.platform import audit
    from chalicelib.platform.models import Membership
    from tests.support.tables import scan

    registrant = _register("els@groningen.nl", codes=("GM0014", "GM0034"))
    deliver(registrant, code="GM0014")
    before = {table: scan(aws, table) for table in ("Registrants", "Lookups", "Memberships",
                                                    "Drafts")}
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        personal_data.erase("medewerker@helpdesk.nl", registrant, "verzoek")
    assert {table: scan(aws, table) for table in before} == before
    assert _trail(registrant) == []

    personal_data.erase("medewerker@helpdesk.nl", registrant, "verzoek")
    assert _fresh(registrant) is None
    assert all(scan(aws, table) == [] for table in before if table != "Drafts")
    assert len(scan(aws, "Drafts")) == 1  # the municipality's shared draft: colleagues' work
    assert [m.registrant_id for m in Membership.query("GM0034")] == []
    assert len(scan(aws, "Deliveries")) == 1
    assert [e.action for e in audit_trail.trail(audit.subject_municipality("GM0034"))] == [
        "aanmelder verwijderd (persoonsgegevens gewist)"]


def test_an_erasure_too_big_for_one_transaction_still_completes(aws, app_module, monkeypatch):
    """A registrant of forty municipalities: when the erasure's transaction fails, the
    registrant, every look-up and membership are still there, and doing it again completes it.
    The municipalities' shared drafts stay."""
    from chalicelib.helpdesk import personal_data
    from chalicelib.platform.municipalities import municipalities
    from chalicelib.questionnaire import drafts, journey
    from tests.support.tables import scan

    codes = tuple(sorted(municipalities(2025))[:40])
    registrant = _register("veel@groningen.nl", codes=codes)
    definition = journey.current_definition()
    for code in codes:
        drafts.start_from(registrant.id, code, definition, {}, definition.cycle)
    TransactionFails(monkeypatch)
    with pytest.raises(ConnectionError):
        personal_data.erase("medewerker@helpdesk.nl", registrant, "verzoek")
    assert _fresh(registrant) is not None and len(scan(aws, "Memberships")) == 40
    assert any(i["key"]["S"] == "email#veel@groningen.nl" for i in scan(aws, "Lookups"))
    personal_data.erase("medewerker@helpdesk.nl", registrant, "verzoek")
    assert all(scan(aws, table) == [] for table in ("Registrants", "Lookups", "Memberships"))
    assert len(scan(aws, "Drafts")) == 40  # the municipalities' shared drafts stay
