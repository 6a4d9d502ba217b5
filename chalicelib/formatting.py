"""How dates and numbers read for Dutch users (Europe/Amsterdam time, Dutch month names)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


def date_nl(moment: datetime) -> str:
    local = moment.astimezone(AMSTERDAM)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def datetime_nl(moment: datetime) -> str:
    local = moment.astimezone(AMSTERDAM)
    return f"{date_nl(moment)} om {local:%H:%M} uur"


def number_nl(value: object) -> str:
    from decimal import Decimal

    from .answers import format_number

    return format_number(Decimal(str(value)))


def phone_nl(e164: str) -> str:
    from .contact_fields import display_phone

    return display_phone(e164)


FILTERS = {"date_nl": date_nl, "datetime_nl": datetime_nl, "number_nl": number_nl,
           "phone_nl": phone_nl}
