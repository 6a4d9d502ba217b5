"""The mail worker: does the queued work (platform/outbox.py) — handing composed mails to SES,
registering, issuing a new link, and every kind another domain registers (platform/jobs.py;
the helpdesk's reminders, wired in app.py). A job that
fails is retried by SQS (each message on its own: a partial batch response); on its last
attempt a mail that still cannot be sent is marked on the registrant ("e-mail niet verzonden",
shown to the helpdesk) before it goes to the dead-letter queue, which raises an alarm."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from ..platform import jobs, mail, outbox, pacing
from ..platform.logs import logger
from ..platform.metrics import for_service
from ..platform.models import Registrant
from . import registrants, registration
from .registration_form import NewRegistration

MAX_ATTEMPTS = 5  # the queue's maxReceiveCount (infra/resources.yaml)
NOT_SENT = "niet verzonden"


def perform(job: dict[str, Any], last_attempt: bool = False, job_id: str = "") -> None:
    kind = job.get("kind")
    try:
        if kind == "mail":
            try:
                _send(job)
            except pacing.Throttled:
                outbox.later(job)
                return
        elif (handler := jobs.handler_of(kind)) is not None:
            handler(job, job_id)
        else:
            logger.warning("unknown job skipped", extra={"kind": str(kind)})
    except jobs.AddressNotSent as failed:
        if last_attempt:
            _mark_not_sent(failed.address)
        raise


def _send(job: dict[str, Any]) -> None:
    try:
        mail.deliver(job["to"], base64.b64decode(job["raw"]), job.get("template", "?"))
    except mail.MailNotSent as failed:
        raise jobs.AddressNotSent(job["to"]) from failed


def registration_job(job: dict[str, Any], job_id: str) -> None:
    registration.register(NewRegistration(**{**job["registration"], "municipalities":
                                             tuple(job["registration"]["municipalities"])}))


def new_link_job(job: dict[str, Any], job_id: str) -> None:
    registration.request_new_link(job["email"])


def _mark_not_sent(address: str) -> None:
    registrant = registrants.find_by_email(address)
    if registrant is not None:
        registrant.update(actions=[Registrant.mail_problem.set(NOT_SENT),
                                   Registrant.mail_problem_at.set(datetime.now(UTC))])
    for_service("mail-worker").add_metric(name="MailNotSent", unit="Count", value=1)
    logger.error("mail given up after repeated failures",
                 extra={"registrant_id": registrant.id if registrant else None})


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    def record_handler(record: Any) -> None:
        try:
            job = json.loads(record.body)
        except (TypeError, ValueError):
            logger.warning("job that is not JSON skipped")
            return
        attempts = int(record.attributes.approximate_receive_count or 1)
        perform(job, last_attempt=attempts >= MAX_ATTEMPTS, job_id=str(record.message_id))

    try:
        response = process_partial_response(
            event=event, record_handler=record_handler, context=context,
            processor=BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False))
        return dict(response)
    finally:
        for_service("mail-worker").flush_metrics(raise_on_empty_metrics=False)
