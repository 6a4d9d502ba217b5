"""The mails after a send: a receipt to the sender, a short notice to each colleague of the
municipality. Best effort: a delivery stands even when a mail cannot be sent (it is logged)."""
from __future__ import annotations

from ..accounts.notices import notify_municipality
from ..platform import config, mail
from ..platform.logs import logger
from ..platform.models import Delivery, DeliveryStatus, Registrant
from ..questionnaire import privacy


def withheld_rows(delivery: Delivery) -> list[dict]:
    """The statements of this delivery the site will not show (below the privacy minimum)."""
    minimum = privacy.minimum_valid_answers()
    return [row for item in delivery.snapshot["answers"] if item["type"] == "score_table"
            for row in item["value"].values() if privacy.withheld(row["valid_answers"], minimum)]


def send(registrant: Registrant, delivery: Delivery,
         coordinators: frozenset[str] = frozenset()) -> None:
    """`coordinators`: for a delivery that waits, who is asked to approve it (they get that
    request instead of the colleagues' notice)."""
    waits = delivery.status == DeliveryStatus.PENDING
    start_url = f"{config.base_url()}/start"
    try:
        mail.send(registrant.email, subject=f"Ontvangstbevestiging aanlevering "
                  f"{delivery.delivery_id} – {delivery.municipality_name}"
                  + (" (wacht op goedkeuring)" if waits else ""),
                  template="receipt",
                  context={"name": registrant.name, "personal_code": registrant.personal_code,
                           "delivery": delivery, "snapshot": delivery.snapshot,
                           "withheld": withheld_rows(delivery),
                           "privacy_minimum": privacy.minimum_valid_answers(),
                           "start_url": start_url, "waits": waits,
                           "approvers": bool(coordinators - {registrant.id})})
    except mail.MailNotSent:
        logger.error("receipt not sent", extra={"delivery_id": delivery.delivery_id})
    notify_municipality(delivery.municipality,
                        f"Er is een aanlevering gedaan voor {delivery.municipality_name}",
                        "delivery_notice", {"delivery": delivery, "start_url": start_url,
                                            "sender_name": registrant.name, "waits": waits},
                        exclude={registrant.id, *coordinators})
