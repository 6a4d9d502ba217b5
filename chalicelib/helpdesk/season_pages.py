"""The helpdesk's season overview: every municipality with its status, filtered by province
and status, counted, charted (SVG, no script) and as CSV; reminders to the registrants of the
municipalities ticked there. Every route starts with `access.require`."""
from __future__ import annotations

from datetime import UTC, datetime

from chalice.app import Request, Response

from .. import web
from ..platform import config, instruments
from ..platform.formatting import amsterdam, date_text, datetime_nl
from ..platform.municipalities import municipalities
from ..platform.records import Record
from ..web.responses import download
from . import reminders, season
from .access import page, require

EARLIEST_CYCLES = 5  # how many cycles back the overview goes


class Filters(Record, frozen=True):
    cycle: int
    province: str
    status: season.Status | None
    sort: str = "code"
    instrument: str = instruments.WMO

    @property
    def study(self) -> instruments.Instrument:
        return instruments.get(self.instrument)

    def query(self) -> str:
        from urllib.parse import urlencode

        return urlencode({k: v for k, v in (("jaar", str(self.cycle)),
                                            ("onderzoek", self.study.slug),
                                            ("provincie", self.province),
                                            ("status", self.status or ""),
                                            ("sortering", "" if self.sort == "code"
                                             else self.sort)) if v})


def _provinces() -> set[str]:
    return {m.province for m in municipalities(config.municipality_year()).values()}


def _filters(params: dict[str, str]) -> tuple[Filters, dict[str, str]]:
    """The filters asked for; where one cannot be used, a Dutch message and no filter."""
    errors: dict[str, str] = {}
    current = config.current_cycle()
    raw_cycle = params.get("jaar", "").strip()
    cycle = current
    if raw_cycle:
        if raw_cycle.isascii() and raw_cycle.isdigit() and \
                current - EARLIEST_CYCLES <= int(raw_cycle) <= current:
            cycle = int(raw_cycle)
        else:
            errors["jaar"] = (f"Kies een verantwoordingsjaar van {current - EARLIEST_CYCLES} "
                              f"tot en met {current}")
    province = params.get("provincie", "").strip()
    if province and province not in _provinces():
        errors["provincie"] = "Kies een provincie uit de lijst"
        province = ""
    raw_status = params.get("status", "").strip()
    status = None
    if raw_status:
        try:
            status = season.Status(raw_status)
        except ValueError:
            errors["status"] = "Kies een status uit de lijst"
    sort = params.get("sortering", "").strip() or "code"
    if sort not in season.SORTINGS:
        errors["sortering"] = "Kies sorteren op naam of op CBS-code"
        sort = "code"
    found = instruments.chosen(params.get("onderzoek", ""))
    if found is None:
        errors["onderzoek"] = "Kies CEO Wmo of CEO Jeugd"
    instrument = found.id if found else instruments.WMO
    return Filters(cycle, province, status, sort, instrument), errors


def _chart(counted: dict[season.Status, int]) -> list[tuple[season.Status, int, float, float]]:
    """(status, count, x, width) of each segment of a 1000-wide stacked bar."""
    total = sum(counted.values()) or 1
    segments, x = [], 0.0
    for status, count in counted.items():
        width = 1000 * count / total
        segments.append((status, count, round(x, 2), round(width, 2)))
        x += width
    return segments


def overview(request: Request) -> Response:
    user = require(request)
    filters, errors = _filters(web.query(request))
    return _overview_page(request, user, filters, errors)


def _overview_page(request: Request, user: str, filters: Filters, errors: dict[str, str],
                   message: str | None = None, status: int | None = None) -> Response:
    all_rows = season.overview(filters.cycle, filters.instrument)
    in_province = season.select(all_rows, filters.province)
    counted = season.counts(in_province)
    shown = season.sorted_rows(season.select(in_province, status=filters.status), filters.sort)
    today = datetime.now(UTC).astimezone(amsterdam()).date()
    deadline = config.delivery_deadline(filters.instrument)
    late_until = config.delivery_late_until(filters.instrument)
    return page(request, "season.html",
                f"Seizoensoverzicht {filters.study.name} {filters.cycle}", user,
                 status=status or (400 if errors else 200), errors=errors, message=message,
                 filters=filters, statuses=list(season.Status), provinces=sorted(_provinces()),
                 sortings=season.SORTINGS,
                 counted=counted, delivered=season.delivered_count(counted),
                 total=len(in_province), chart=_chart(counted),
                 per_province=season.provinces(all_rows), rows=shown,
                 deadline=deadline, deadline_text=date_text(deadline) if deadline else "",
                 late_until_text=date_text(late_until) if late_until else "",
                 days_left=(deadline - today).days if deadline else None,
                 current_cycle=config.current_cycle(), reminder_days=config.reminder_days(),
                 studies=instruments.ALL)


def overview_csv(request: Request) -> Response:
    require(request)
    filters, errors = _filters(web.query(request))
    if errors:
        raise web.HttpError(400, " ".join(errors.values()))
    rows = season.sorted_rows(season.select(season.overview(filters.cycle, filters.instrument),
                                            filters.province,
                                            filters.status), filters.sort)
    return download(season.as_csv(rows, filters.cycle), "text/csv; charset=utf-8",
                    f"seizoen-{filters.study.slug or 'wmo'}-{filters.cycle}.csv"
                    if filters.study.slug else f"seizoen-{filters.cycle}.csv")


def _names(codes: list[str]) -> str:
    known = municipalities(config.municipality_year())
    return ", ".join(known[code].name for code in codes)


def remind(request: Request) -> Response:
    """A reminder to the registrants of the municipalities ticked in the overview: those with a
    delivery that counts by now, and people reminded today already, are left out and named."""
    form = web.posted(request)
    user = require(request)
    filters, errors = _filters({name: form.first(name) for name in ("jaar", "provincie",
                                                                    "status", "onderzoek")})
    known = municipalities(config.municipality_year())
    codes = list(dict.fromkeys(code.strip().upper() for code in form.fields.get("gemeente", [])))
    if filters.cycle != config.current_cycle():
        errors["herinnering"] = ("Herinneringen gaan over het huidige verantwoordingsjaar, "
                                 f"{config.current_cycle()}")
    elif not codes:
        errors["herinnering"] = "Kies minstens één gemeente om een herinnering aan te sturen"
    elif any(code not in known for code in codes):
        errors["herinnering"] = "Kies gemeenten uit de lijst"
    if errors:
        return _overview_page(request, user, filters, errors)
    found = reminders.plan(codes, filters.cycle, reminders.today(),
                           instrument=filters.instrument)
    notes = []
    if found.delivered:
        notes.append(f"{_names(found.delivered)}: intussen aangeleverd, geen herinnering.")
    if found.already:
        first = found.already[0]
        notes.append(f"{len(found.already)} "
                     f"{'aanmelder kreeg' if len(found.already) == 1 else 'aanmelders kregen'}"
                     f" vandaag al een herinnering (door {first.actor}, "
                     f"{datetime_nl(first.created_at)}) en krijgen geen tweede.")
    if found.nobody:
        notes.append(f"{_names(found.nobody)}: niemand aangemeld, dus niemand om te "
                     "herinneren.")
    if not found.people:
        status = 409 if found.delivered or found.already else 400
        return _overview_page(request, user, filters, {
            "herinnering": "Er is niets verstuurd. " + " ".join(notes)}, status=status)
    queued = reminders.queue(found, user)
    message = (f"Herinnering verstuurd aan {queued} "
               f"{'aanmelder' if queued == 1 else 'aanmelders'} van "
               f"{len(found.municipalities)} "
               f"{'gemeente' if len(found.municipalities) == 1 else 'gemeenten'}. ")
    return _overview_page(request, user, filters, {}, message=message + " ".join(notes))
