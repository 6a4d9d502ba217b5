"""How dates, numbers and phone numbers read for Dutch users (Europe/Amsterdam time, Dutch
month names, 1.234,5 notation)."""
from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import cache

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")


@cache
def amsterdam() -> tzinfo:
    """Europe/Amsterdam, loaded when first needed: zoneinfo finds its time zone files through
    sysconfig, a few milliseconds that most cold starts never need."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")


def __getattr__(name: str) -> tzinfo:
    """`AMSTERDAM`, the constant this module had, for code written against it: loaded on first
    use like amsterdam(), which new code calls."""
    if name == "AMSTERDAM":
        return amsterdam()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def date_text(day: date) -> str:
    """A calendar date: 1 juli 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def date_nl(moment: datetime) -> str:
    return date_text(moment.astimezone(amsterdam()).date())


def datetime_nl(moment: datetime) -> str:
    local = moment.astimezone(amsterdam())
    return f"{date_nl(moment)} om {local:%H:%M} uur"


def when_nl(moment: datetime, now: datetime | None = None) -> str:
    """A recent moment as people say it: vandaag 14:02, gisteren 09:10, 3 mei 14:02."""
    local = moment.astimezone(amsterdam())
    today = (now or datetime.now(amsterdam())).astimezone(amsterdam()).date()
    days = (today - local.date()).days
    if days in (0, 1):
        day = ("vandaag", "gisteren")[days]
    elif local.year == today.year:
        day = f"{local.day} {MONTHS[local.month - 1]}"
    else:
        day = date_text(local.date())
    return f"{day} {local:%H:%M}"


def format_number(value: Decimal | int | float, decimals: int = 1) -> str:
    """Dutch notation for display: 1.234 and 12,5."""
    quantized = Decimal(value).quantize(Decimal(1).scaleb(-decimals)) if decimals else \
        Decimal(value).quantize(Decimal(1))
    text = f"{quantized:,.{decimals}f}" if decimals else f"{quantized:,.0f}"
    text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    if decimals and text.endswith("," + "0" * decimals):
        text = text[: -(decimals + 1)]
    return text


def number_nl(value: object) -> str:
    return format_number(Decimal(str(value)))


def phone_nl(e164: str) -> str:
    """A stored E.164 number as people dial it: national for Dutch numbers."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 31:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def iso_date_nl(text: str) -> str:
    """An ISO date or timestamp from a feed document as people read it: 1 juli 2026."""
    if len(text) == 10:
        return date_text(date.fromisoformat(text))
    return date_nl(datetime.fromisoformat(text))


def cycle_nl(cycle: int | Decimal | str) -> str:
    """A cycle ("verantwoordingsjaar", a word municipal staff need not know) in plain words:
    the year the survey was about and the year it is delivered in."""
    return f"onderzoek over {int(cycle) - 1}, aangeleverd in {int(cycle)}"


def plain_title(title: str, cycle: int | Decimal | str) -> str:
    """A questionnaire definition's title (data, written in the ministry's words) as a
    municipal employee reads it: "…, verantwoordingsjaar 2026" becomes "…, over 2025"."""
    return title.replace(f"verantwoordingsjaar {int(cycle)}", f"over {int(cycle) - 1}")


FILTERS = {"cycle_nl": cycle_nl, "plain_title": plain_title,
           "date_nl": date_nl, "iso_date_nl": iso_date_nl, "datetime_nl": datetime_nl,
           "when_nl": when_nl, "number_nl": number_nl, "phone_nl": phone_nl,
           "date_text": date_text}
