"""Sending: turning a complete draft into an immutable delivery, exactly once.

One transaction writes the delivery, bumps the (municipality, cycle) revision and marks the
draft as sent on the condition that it is still the version that was checked; powertools
Idempotency (keyed on that draft version) gives a double click or a retry the same answer.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from . import answer_display, answers, config, mail
from .formatting import AMSTERDAM
from .logs import logger
from .models import Delivery, Draft, Membership, Registrant, ScopeState, connection
from .questionnaire import Definition

CONFIRM_FIELD = "bevestig_toestemming"


def scope_of(municipality: str, cycle: int) -> str:
    return f"{municipality}#{cycle}"


def delivery_id(municipality: str, cycle: int, sequence: int) -> str:
    return f"{municipality}-{cycle}-{sequence}"


@dataclass(frozen=True)
class Window:
    """Whether sending is possible now, and what to tell the user about the dates."""

    open: bool
    late: bool
    message: str | None


def window(now: datetime) -> Window:
    today = now.astimezone(AMSTERDAM).date()
    opens, deadline = config.delivery_opens(), config.delivery_deadline()
    late_until = config.delivery_late_until() or deadline
    if opens and today < opens:
        return Window(False, False, f"Verzenden kan vanaf {answer_display.date_text(opens)}. "
                                    f"U kunt de vragenlijst nu al invullen en opslaan.")
    if late_until and today > late_until:
        return Window(False, False, "De aanlevertermijn is voorbij (uiterlijk "
                                    f"{answer_display.date_text(deadline or late_until)}). "
                                    "Neem contact op met de helpdesk als u toch wilt aanleveren.")
    if deadline and today > deadline:
        return Window(True, True, f"De termijn liep tot en met "
                                  f"{answer_display.date_text(deadline)}. U kunt nog verzenden "
                                  f"tot en met {answer_display.date_text(late_until)}; uw "
                                  f"aanlevering wordt dan als te laat gemarkeerd.")
    message = (f"Verzend uiterlijk {answer_display.date_text(deadline)}." if deadline else None)
    return Window(True, False, message)


def refusals(definition: Definition, draft: Draft | None, confirmed: bool,
             now: datetime) -> dict[str, str]:
    """Everything that stops this draft from being sent, checked on the server."""
    current = window(now)
    if not current.open:
        return {"verzenden": current.message or "Verzenden is nu niet mogelijk"}
    if draft is None:
        return {"verzenden": "Er zijn nog geen antwoorden om te verzenden"}
    raw = draft.answers or {}
    problems = answers.evaluate(definition, raw)[1]
    if problems:
        return {"verzenden": f"Nog niet alle antwoorden zijn compleet ({len(problems)} "
                             f"{'punt' if len(problems) == 1 else 'punten'}); zie hierboven"}
    if answers.text_of(raw, definition.consent) != "ja":
        return {"verzenden": "Zonder toestemming van het college kunnen wij de uitkomsten niet "
                             "publiceren. Pas uw antwoord bij ‘Toestemming’ aan als het college "
                             "toestemming heeft gegeven."}
    if not confirmed:
        return {CONFIRM_FIELD: "Bevestig dat het college toestemming heeft gegeven voor "
                               "publicatie"}
    return {}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def snapshot(definition: Definition, raw: answers.Raw) -> dict[str, Any]:
    """What was delivered, complete with labels, so that a later change of the definition
    never changes what a delivery says."""
    values, _ = answers.evaluate(definition, raw)
    items = []
    for section in definition.sections:
        for question in section.questions:
            if question.id not in values:
                continue
            value = values[question.id]
            item: dict[str, Any] = {"question_id": question.id, "section": section.title,
                                    "label": question.label, "type": question.type}
            if question.type == "score_table":
                item["value"] = {
                    row.id: {"label": row.label, "valid_answers": value[row.id]["valid_answers"],
                             "categories": [{"value": o.value, "label": o.label,
                                             "percentage": _jsonable(
                                                 value[row.id]["percentages"][o.value])}
                                            for o in row.categories]}
                    for row in question.rows if row.id in value}
            else:
                item["value"] = _jsonable(value)
                item["text"] = answer_display.value_text(question, value)
            items.append(item)
    derived = answers.derived_values(definition, raw)
    return {"instrument": definition.instrument, "version": definition.version,
            "title": definition.title, "headline": definition.headline, "answers": items,
            "derived": [{"id": d.id, "label": d.label, "value": _jsonable(derived[d.id])}
                        for d in definition.derived if d.id in derived]}


class DraftChanged(Exception):
    """The draft was saved again (another tab) after it was checked; nothing was sent."""


def _commit(registrant: Registrant, municipality: str, municipality_name: str,
            definition: Definition, draft: Draft, state: ScopeState | None,
            now: datetime, late: bool) -> Delivery:
    scope = scope_of(municipality, definition.cycle)
    for _ in range(5):
        last = int(state.last_sequence) if state else 0
        revision = int(state.revision) if state else 0
        sequence = last + 1
        delivery = Delivery(
            scope, sequence, delivery_id=delivery_id(municipality, definition.cycle, sequence),
            municipality=municipality, municipality_name=municipality_name,
            cycle=definition.cycle, registrant_id=registrant.id,
            personal_code=registrant.personal_code, instrument=definition.instrument,
            definition_version=definition.version,
            snapshot=snapshot(definition, draft.answers or {}), raw=dict(draft.answers or {}),
            consent="ja", sent_at=now, late="ja" if late else "nee", revision=revision + 1,
            status="valid")
        state_condition = (ScopeState.last_sequence == last) if state else \
            ScopeState.scope.does_not_exist()
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(delivery, condition=Delivery.scope.does_not_exist())
                transaction.update(ScopeState(scope), actions=[
                    ScopeState.last_sequence.set(sequence),
                    ScopeState.revision.set(revision + 1)], condition=state_condition)
                # pynamodb adds "version unchanged" and the version increment itself
                transaction.update(draft, actions=[Draft.status.set("verzonden"),
                                                   Draft.updated_at.set(now)])
        except TransactWriteError as error:
            reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
            if len(reasons) >= 3 and reasons[2] == "ConditionalCheckFailed":
                raise DraftChanged() from error
            if "ConditionalCheckFailed" not in reasons:
                raise
            state = _read_state(scope)  # someone else sent for this municipality meanwhile
            continue
        logger.info("delivery made", extra={"delivery_id": delivery.delivery_id,
                                            "revision": revision + 1, "late": late})
        return delivery
    raise RuntimeError("could not allocate a sequence number")


def _read_state(scope: str) -> ScopeState | None:
    try:
        return ScopeState.get(scope, consistent_read=True)
    except ScopeState.DoesNotExist:
        return None


@lru_cache(maxsize=1)
def _idempotent() -> tuple[Callable[..., dict], Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    persistence = DynamoDBPersistenceLayer(
        table_name=config.env("IDEMPOTENCY_TABLE", "ceo-local-idempotency"))
    idempotency_config = IdempotencyConfig(expires_after_seconds=24 * 3600)

    @idempotent_function(data_keyword_argument="key", persistence_store=persistence,
                         config=idempotency_config)
    def send_once(key: dict, job: Callable[[], dict]) -> dict:
        return job()

    return send_once, idempotency_config


def send(registrant: Registrant, municipality: str, municipality_name: str,
         definition: Definition, draft: Draft, state: ScopeState | None,
         lambda_context: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """Makes the delivery once per draft version, mails the receipt and the colleagues'
    notice; a repeated call for the same draft version returns the first call's result."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
    )

    now = now or datetime.now(timezone.utc)
    late = window(now).late

    def job() -> dict[str, Any]:
        delivery = _commit(registrant, municipality, municipality_name, definition, draft,
                           state, now, late)
        _mail_receipts(registrant, delivery)
        return {"delivery_id": delivery.delivery_id, "sequence": int(delivery.sequence)}

    send_once, idempotency_config = _idempotent()
    if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
        idempotency_config.register_lambda_context(lambda_context)
    # created_at tells a draft made after a reset from the earlier one with the same version
    key = {"registrant": registrant.id, "scope": scope_of(municipality, definition.cycle),
           "draft": draft.created_at.isoformat(), "draft_version": int(draft.version or 0)}
    for _ in range(50):  # a concurrent identical request: wait for its result
        try:
            return send_once(key=key, job=job)
        except IdempotencyAlreadyInProgressError:
            time.sleep(0.1)
    raise RuntimeError("send still in progress")


def _mail_receipts(registrant: Registrant, delivery: Delivery) -> None:
    """Best effort: the delivery stands even when a mail cannot be sent (it is logged)."""
    context = {"name": registrant.name, "personal_code": registrant.personal_code,
               "delivery": delivery, "snapshot": delivery.snapshot,
               "start_url": f"{config.base_url()}/start"}
    try:
        mail.send(registrant.email, subject=f"Ontvangstbevestiging aanlevering "
                  f"{delivery.delivery_id} – {delivery.municipality_name}",
                  template="receipt", context=context)
    except mail.MailNotSent:
        logger.error("receipt not sent", extra={"delivery_id": delivery.delivery_id})
    colleagues = [m.registrant_id for m in Membership.query(delivery.municipality)
                  if m.registrant_id != registrant.id]
    for colleague in Registrant.batch_get(colleagues) if colleagues else []:
        try:
            mail.send(colleague.email, subject=f"Er is een aanlevering gedaan voor "
                      f"{delivery.municipality_name}", template="delivery_notice",
                      context={"name": colleague.name, "personal_code": colleague.personal_code,
                               "delivery": delivery, "start_url": f"{config.base_url()}/start"})
        except mail.MailNotSent:
            logger.error("notice not sent", extra={"delivery_id": delivery.delivery_id})


def history(municipality: str, cycle: int) -> list[Delivery]:
    """Every delivery of this municipality and cycle, newest first."""
    return list(Delivery.query(scope_of(municipality, cycle), scan_index_forward=False,
                               consistent_read=True))


def counting(deliveries: list[Delivery]) -> Delivery | None:
    """The delivery that currently counts: the latest one that is still valid."""
    return next((d for d in sorted(deliveries, key=lambda d: -int(d.sequence))
                 if d.status == "valid"), None)
