"""Four-eyes ("vier ogen"), a municipality's own choice: with it on, a send makes a delivery
that waits; it counts (and is published) only once a coordinator other than its sender has
approved it, or it is sent back with a reason and never counts.

Only the newest delivery of a municipality can wait (`ScopeState.waiting_sequence`): a newer
send replaces the wait, so what a coordinator approves is always what was sent last. Approving
is one transaction: the delivery becomes valid, the scope's revision and the delivery that
counts move on (the forwarder publishes it), on the conditions that it still waits and that
the approver is still a coordinator. Every change of the switch, of who is coordinator, every
approval and every sending back writes its audit entries in the same transaction.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from ..accounts import registrants
from ..accounts.contact_fields import mailbox
from ..platform import audit, config, mail
from ..platform.instruments import WMO
from ..platform.logs import logger
from ..platform.models import (
    Delivery,
    DeliveryStatus,
    Draft,
    DraftStatus,
    Membership,
    MunicipalitySettings,
    Registrant,
    ScopeState,
    connection,
    get_together,
    scope_key,
)
from ..platform.municipalities import municipalities
from . import history

SETTINGS_QUEUE = "instellingen"
HELPDESK_PREFIX = "helpdesk:"  # status_changed_by of a delivery the helpdesk sent back
REPRESENTATIVE_PREFIX = "vertegenwoordiger "  # how actor_name starts
REASON_MAX = 1000


class Refused(Exception):
    """The four-eyes action does not apply; the message is Dutch, for the person who tried.
    `status`: 403 not theirs to do, 400 incomplete, 409 changed meanwhile."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def settings(code: str) -> MunicipalitySettings | None:
    try:
        return MunicipalitySettings.get(SETTINGS_QUEUE, code, consistent_read=True)
    except DoesNotExist:
        return None


def required(code: str) -> bool:
    """Whether a send for `code` waits for a coordinator's approval."""
    found = settings(code)
    return bool(found and found.four_eyes)


def coordinator_ids(code: str) -> set[str]:
    return {str(m.registrant_id) for m in Membership.query(code, consistent_read=True)
            if m.coordinator}


def only_coordinator(code: str, registrant: Registrant, what: str) -> str | None:
    """Why this representative may not do `what` (taking a delivery back, changing its
    publication moment): with four-eyes on only a coordinator may; without it any
    representative. None when they may."""
    if required(code) and registrant.id not in coordinator_ids(code):
        return f"Uw gemeente werkt met vier ogen: alleen een coördinator kan {what}."
    return None


def for_registrant(codes: list[str], registrant_id: str) -> dict[str, tuple[bool, bool]]:
    """{municipality: (four-eyes on, this registrant is its coordinator)}: two BatchGetItems
    whatever the number of municipalities (the start page)."""
    on = {str(s.key) for s in MunicipalitySettings.batch_get(
        [(SETTINGS_QUEUE, code) for code in codes]) if s.four_eyes} if codes else set()
    leads = {str(m.municipality) for m in Membership.batch_get(
        [(code, registrant_id) for code in codes]) if m.coordinator} if codes else set()
    return {code: (code in on, code in leads) for code in codes}


def waiting_sequence(state: ScopeState | None) -> int:
    return int(state.waiting_sequence or 0) if state else 0


def actor_name(registrant: Registrant) -> str:
    """How a representative appears in the audit trail and the settings: by personal code, the
    helpdesk's key, never by name (the trail is append-only; erasing a person must leave no
    name behind, as with deliveries)."""
    return f"{REPRESENTATIVE_PREFIX}{registrant.personal_code}"


def configure(code: str, actor: str, four_eyes: bool, coordinators: set[str],
              now: datetime | None = None, appointed_by: str = "de helpdesk") -> list[str]:
    """Sets the switch and who is coordinator (ids of current registrants of `code`); returns
    what changed, in Dutch. One transaction with the audit entries; a membership removed
    meanwhile fails it. Whoever became coordinator gets a mail saying so, from
    `appointed_by` (a name, or "de helpdesk")."""
    now = now or datetime.now(UTC)
    members = {str(m.registrant_id): m for m in Membership.query(code, consistent_read=True)}
    unknown = coordinators - set(members)
    if unknown:
        raise Refused("Alleen wie deze gemeente vertegenwoordigt kan coördinator zijn. "
                      "Vernieuw de pagina: er is intussen iets veranderd.", 409)
    if four_eyes and not coordinators:
        raise Refused("Wijs minstens één coördinator aan voordat u vier ogen aanzet: een "
                      "coördinator keurt de aanleveringen van collega's goed.", 400)
    current = settings(code)
    was_on = bool(current and current.four_eyes)
    people = {r.id: r for r in registrants.by_ids(list(members))}
    changed: list[str] = []  # for the person who made the change: by name
    recorded: list[str] = []  # for the audit trail: by personal code
    if four_eyes != was_on:
        changed.append("vier ogen aangezet" if four_eyes else "vier ogen uitgezet")
        recorded.append(changed[-1])
    toggled = sorted((rid for rid, m in members.items() if bool(m.coordinator) !=
                      (rid in coordinators)),
                     key=lambda rid: people[rid].name.casefold() if rid in people else rid)
    for rid in toggled:
        role = "is nu coördinator" if rid in coordinators else "is niet meer coördinator"
        changed.append(f"{people[rid].name if rid in people else rid} {role}")
        recorded.append(f"{people[rid].personal_code if rid in people else rid} {role}")
    if not changed:
        return []
    subjects = [audit.subject_municipality(code), *map(audit.subject_registrant, toggled)]
    entries = audit.writes(actor, "vier ogen ingesteld", subjects,
                                details={"gemeente": code, "wijzigingen": "; ".join(recorded)},
                                now=now)
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, entries)
            if four_eyes != was_on or current is None:
                transaction.save(MunicipalitySettings(
                    SETTINGS_QUEUE, code, four_eyes=four_eyes, changed_by=actor,
                    changed_at=now), condition=(MunicipalitySettings.four_eyes == was_on)
                    if current is not None else MunicipalitySettings.key.does_not_exist())
            for rid in toggled:
                transaction.update(members[rid], actions=[
                    Membership.coordinator.set(rid in coordinators)],
                    condition=Membership.registrant_id.exists())
    except TransactWriteError as error:
        raise Refused("Iemand anders heeft dit intussen gewijzigd. Vernieuw de pagina en "
                      "probeer het opnieuw.") from error
    _tell_appointed(code, [people[rid] for rid in toggled if rid in coordinators and
                           rid in people], four_eyes, appointed_by)
    return changed


def _tell_appointed(code: str, appointed: list[Registrant], four_eyes: bool,
                    appointed_by: str) -> None:
    """A new coordinator learns it by mail (issue 24), with the delivery that waits now, if
    one does and they did not send it: its approval request went out before they were one."""
    if not appointed:
        return
    cycle = config.current_cycle()
    [state] = get_together((ScopeState, scope_key(code, cycle), None))
    waiting = history.get(code, cycle, waiting_sequence(state)) \
        if four_eyes and waiting_sequence(state) else None
    name = municipalities(config.municipality_year())[code].name
    for person in appointed:
        try:
            mail.send(person.email, subject=f"U bent coördinator voor {name}",
                      template="coordinator_appointed", context={
                          "name": person.name, "personal_code": person.personal_code,
                          "municipality_name": name, "four_eyes": four_eyes,
                          "appointed_by": appointed_by,
                          "waiting": waiting if waiting is not None
                          and str(waiting.registrant_id) != person.id else None,
                          "base_url": config.base_url(), "code": code})
        except mail.MailNotSent:
            logger.error("coordinator mail not sent", extra={"registrant_id": person.id})


def _waiting(code: str, cycle: int, sequence: int, instrument: str = WMO
             ) -> tuple[Delivery, ScopeState, Draft | None]:
    """The waiting delivery, its scope's state and the shared draft, in one read request."""
    key = scope_key(code, cycle, instrument)
    delivery, state, draft = get_together((Delivery, key, sequence), (ScopeState, key, None),
                                          (Draft, key, None))
    if delivery is None or state is None:
        raise Refused("Deze aanlevering bestaat niet.", 404)
    if delivery.status != DeliveryStatus.PENDING:
        raise Refused(f"Aanlevering {delivery.delivery_id} wacht niet (meer) op goedkeuring.")
    if waiting_sequence(state) != sequence:
        raise Refused(f"Aanlevering {delivery.delivery_id} is vervangen door een nieuwere "
                      "aanlevering; alleen de nieuwste kan worden goedgekeurd.")
    return delivery, state, draft


def _same_mailbox(registrant: Registrant, delivery: Delivery) -> bool:
    """One mailbox is one person, also across two accounts (one made before addresses were
    compared by mailbox): an approval from the sender's mailbox is the sender's own."""
    sender = registrants.get(str(delivery.registrant_id))
    return sender is not None and mailbox(sender.email) == mailbox(registrant.email)


def may_approve(delivery: Delivery, registrant: Registrant, coordinators: set[str]) -> str | None:
    """Why this registrant may not approve this delivery (Dutch), or None when they may."""
    if registrant.id == delivery.registrant_id or _same_mailbox(registrant, delivery):
        return ("U kunt uw eigen aanlevering niet goedkeuren: een andere coördinator van "
                f"{delivery.municipality_name} moet dat doen (vier ogen).")
    if registrant.id not in coordinators:
        return ("Alleen een coördinator van de gemeente kan aanleveringen goedkeuren of "
                "terugsturen.")
    return None


def approve(code: str, cycle: int, sequence: int, approver: Registrant,
            now: datetime | None = None, publish_at: datetime | None = None,
            instrument: str = WMO) -> Delivery:
    """The waiting delivery counts from now on; mails to its sender and the approver.
    `publish_at`: the moment the approver chose from which the feed may publish it
    (publishing.py; None: at once)."""
    now = now or datetime.now(UTC)
    delivery, state, _ = _waiting(code, cycle, sequence, instrument)
    why_not = may_approve(delivery, approver, coordinator_ids(code))
    if why_not:
        raise Refused(why_not, 403)
    revision = int(state.revision)
    entries = audit.writes(actor_name(approver), "aanlevering goedgekeurd",
                                [audit.subject_municipality(code),
                                 audit.subject_registrant(str(delivery.registrant_id)),
                                 audit.subject_registrant(approver.id)],
                                details={"aanlevering": delivery.delivery_id,
                                         "revisie_voor": revision, "revisie_na": revision + 1},
                                now=now)
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, entries)
            transaction.update(delivery, actions=[
                Delivery.status.set(DeliveryStatus.VALID), Delivery.approved_by.set(approver.id),
                Delivery.approved_at.set(now), Delivery.revision.set(revision + 1),
                *([Delivery.publish_at.set(publish_at)] if publish_at else [])],
                condition=Delivery.status == DeliveryStatus.PENDING)
            delivery.publish_at = publish_at
            transaction.update(state, actions=[
                ScopeState.revision.set(revision + 1), *history.counting_state(delivery),
                ScopeState.waiting_sequence.set(0), *history.moment_actions(delivery, state)],
                condition=(ScopeState.waiting_sequence == sequence)
                & (ScopeState.revision == revision))
            transaction.condition_check(Membership, code, approver.id,
                                        condition=Membership.coordinator == True)  # noqa: E712
    except TransactWriteError as error:
        raise Refused("De aanlevering of uw rol is intussen gewijzigd. Vernieuw de pagina en "
                      "probeer het opnieuw.") from error
    logger.info("delivery approved", extra={"delivery_id": delivery.delivery_id,
                                            "revision": revision + 1})
    delivery.status, delivery.approved_by, delivery.approved_at = (DeliveryStatus.VALID,
                                                                   approver.id, now)
    delivery.revision = revision + 1
    _tell(delivery, "approved", f"Aanlevering {delivery.delivery_id} is goedgekeurd",
          {"approver_name": approver.name}, approver.id)
    return delivery


def sent_back_from(draft: Draft | None, state: ScopeState | None) -> Delivery | None:
    """The municipality's newest delivery if it was made from this draft and sent back, so
    the review page can repeat why. Read only when it may be so (the draft's last send is
    the newest delivery, it does not count, and the draft is open again): a send that
    counted costs the page nothing."""
    if draft is None or state is None or draft.status == DraftStatus.SENT:
        return None
    newest = int(state.last_sequence or 0)
    if not newest or int(draft.sent_sequence or 0) != newest \
            or int(state.counting_sequence or 0) == newest:
        return None
    delivery = history.get(str(draft.municipality), int(draft.cycle), newest,
                           str(draft.instrument))
    return delivery if delivery and delivery.status == DeliveryStatus.RETURNED else None


def send_back(code: str, cycle: int, sequence: int, reason: str, actor: str,
              by: Registrant | None, now: datetime | None = None,
              instrument: str = WMO) -> Delivery:
    """The waiting delivery will never count; its sender (and `by`, a coordinator) get the
    reason; the shared draft, if nobody changed it since, can be sent again as it is.
    `by` None: the helpdesk, who may send back when no coordinator can."""
    now = now or datetime.now(UTC)
    reason = " ".join(reason.split())
    if not reason:
        raise Refused("Schrijf waarom u de aanlevering terugstuurt: de afzender leest het in "
                      "de e-mail.", 400)
    if len(reason) > REASON_MAX:
        raise Refused(f"De reden is te lang (ten hoogste {REASON_MAX} tekens).", 400)
    delivery, state, draft = _waiting(code, cycle, sequence, instrument)
    if by is not None:
        why_not = may_approve(delivery, by, coordinator_ids(code))
        if why_not:
            raise Refused(why_not.replace("goedkeuren: een andere", "terugsturen: een andere"),
                          403)
    subjects = [audit.subject_municipality(code),
                audit.subject_registrant(str(delivery.registrant_id))]
    if by is not None:
        subjects.append(audit.subject_registrant(by.id))
    # the very answers that were sent back are the municipality's to send again, no edit needed
    reopen = draft if draft is not None and draft.status == DraftStatus.SENT \
        and int(draft.sent_sequence or 0) == sequence else None
    entries = audit.writes(actor, "aanlevering teruggestuurd", subjects, reason,
                                details={"aanlevering": delivery.delivery_id}, now=now)
    try:
        with TransactWrite(connection=connection()) as transaction:
            audit.save_in(transaction, entries)
            transaction.update(delivery, actions=[
                Delivery.status.set(DeliveryStatus.RETURNED),
                Delivery.status_changed_at.set(now),
                Delivery.status_changed_by.set(by.id if by else HELPDESK_PREFIX + actor),
                Delivery.status_reason.set(reason)],
                condition=Delivery.status == DeliveryStatus.PENDING)
            transaction.update(state, actions=[ScopeState.waiting_sequence.set(0)],
                               condition=ScopeState.waiting_sequence == sequence)
            if reopen is not None:  # pynamodb adds "version unchanged" itself
                transaction.update(reopen, actions=[Draft.status.set(DraftStatus.CONCEPT)])
            if by is not None:
                transaction.condition_check(Membership, code, by.id,
                                            condition=Membership.coordinator == True)  # noqa: E712
    except TransactWriteError as error:
        raise Refused("De aanlevering of uw rol is intussen gewijzigd. Vernieuw de pagina en "
                      "probeer het opnieuw.") from error
    delivery.status, delivery.status_reason = DeliveryStatus.RETURNED, reason
    _tell(delivery, "returned", f"Aanlevering {delivery.delivery_id} is teruggestuurd",
          {"reason": reason, "returned_by": by.name if by else "de helpdesk"},
          by.id if by else None)
    return delivery


def _tell(delivery: Delivery, template: str, subject: str, context: dict[str, Any],
          other: str | None) -> None:
    """Mails the sender and the other person involved (best effort, like every notice)."""
    ids = [str(delivery.registrant_id)] + ([other] if other else [])
    for person in registrants.by_ids(ids):
        try:
            mail.send(person.email, subject=subject, template=template, context={
                "name": person.name, "personal_code": person.personal_code,
                "delivery": delivery, "own": person.id == delivery.registrant_id,
                "start_url": f"{config.base_url()}/start", **context})
        except mail.MailNotSent:
            logger.error("four-eyes mail not sent", extra={"template": template,
                                                           "registrant_id": person.id})


def request_approval(delivery: Delivery, sender: Registrant, coordinators: frozenset[str]) -> int:
    """After a send that waits: asks every coordinator but the sender to look at it; returns
    how many were asked (0: nobody can approve yet — the sender's page says so)."""
    asked = 0
    for person in registrants.by_ids(sorted(coordinators - {sender.id})):
        try:
            mail.send(person.email, subject=f"Ter goedkeuring: aanlevering "
                      f"{delivery.delivery_id} – {delivery.municipality_name}",
                      template="approval_request", context={
                          "name": person.name, "personal_code": person.personal_code,
                          "delivery": delivery, "sender_name": sender.name,
                          "view_url": f"{config.base_url()}/gemeente/{delivery.municipality}"
                                      f"/aanlevering/{delivery.delivery_id}"})
            asked += 1
        except mail.MailNotSent:
            logger.error("approval request not sent", extra={"registrant_id": person.id})
    return asked
