"""The sending window: when sending opens, the deadline, the grace period in which a late
delivery is still accepted (marked late), and the helpdesk's exception for one municipality
after that (also marked late)."""
from __future__ import annotations

from datetime import date, datetime

from ..platform import config
from ..platform.formatting import amsterdam, date_text
from ..platform.instruments import WMO
from ..platform.models import ScopeState
from ..platform.records import Record


class Window(Record, frozen=True):
    """Whether sending is possible now, and what to tell the user about the dates."""

    open: bool
    late: bool
    message: str | None


def allowed_until(state: ScopeState | None) -> date | None:
    """The last day of the helpdesk's exception for this municipality and cycle, if any."""
    raw = state.allowed_until if state is not None else None
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def last_day(instrument: str = WMO) -> date | None:
    """The last day anyone may send without an exception."""
    return config.delivery_late_until(instrument) or config.delivery_deadline(instrument)


def window(now: datetime, exception_until: date | None = None,
           instrument: str = WMO) -> Window:
    """Whether sending is possible at `now` (the instrument's own window); `exception_until`
    is the helpdesk's exception for the municipality (it only matters once the window has
    closed)."""
    today = now.astimezone(amsterdam()).date()
    opens, deadline = config.delivery_opens(instrument), config.delivery_deadline(instrument)
    late_until = config.delivery_late_until(instrument) or deadline
    if opens and today < opens:
        return Window(False, False, " ".join(filter(None, (
            f"Verzenden kan vanaf {date_text(opens)}. U kunt de vragenlijst nu al invullen en "
            "opslaan.", deadlines(now, instrument)))))
    if late_until and today > late_until and exception_until and today <= exception_until:
        return Window(True, True, "De helpdesk heeft uw gemeente toegestaan te verzenden tot en "
                                  f"met {date_text(exception_until)}; uw aanlevering wordt als "
                                  "te laat gemarkeerd.")
    if late_until and today > late_until:
        return Window(False, False, "De aanlevertermijn is voorbij (uiterlijk "
                                    f"{date_text(deadline or late_until)}). "
                                    "Neem contact op met de helpdesk als u toch wilt aanleveren.")
    if deadline and today > deadline:
        return Window(True, True, f"De termijn liep tot en met "
                                  f"{date_text(deadline)}. U kunt nog verzenden "
                                  f"tot en met {date_text(late_until or deadline)}; uw "
                                  f"aanlevering wordt dan als te laat gemarkeerd.")
    return Window(True, False, deadlines(now, instrument))


def deadlines(now: datetime, instrument: str = WMO) -> str | None:
    """Until when sending counts as on time and until when a late delivery is still accepted,
    from the cycle's settings, as a sentence for the start and check-your-answers pages (None
    where sending is always open: no dates to tell)."""
    today = now.astimezone(amsterdam()).date()
    deadline = config.delivery_deadline(instrument)
    late_until = config.delivery_late_until(instrument) or deadline
    if deadline is None or late_until is None:
        return None
    if late_until <= deadline:
        return (f"Verzend uiterlijk {date_text(deadline)}; daarna nemen wij geen aanlevering "
                "meer aan." if today <= deadline else
                f"De aanlevertermijn liep tot en met {date_text(deadline)}.")
    late = (f"nemen wij een aanlevering nog aan tot en met {date_text(late_until)}, gemarkeerd "
            "als te laat")
    if today <= deadline:
        return (f"Verzend uiterlijk {date_text(deadline)}: dan is uw aanlevering op tijd. "
                f"Daarna {late}.")
    if today <= late_until:
        return f"De termijn liep tot en met {date_text(deadline)}. Daarna {late}."
    return (f"De aanlevertermijn liep tot en met {date_text(deadline)}; te laat aanleveren "
            f"kon tot en met {date_text(late_until)}.")
