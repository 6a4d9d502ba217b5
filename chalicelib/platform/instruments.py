"""The instruments a municipality delivers: CEO Wmo (the first) and CEO Jeugd. Each has its
own questionnaire definitions (questionnaire/data/<id>/), sending window (data/cycles.json),
scopes, delivery numbers, paths and feed (`<id>/<cycle>/…`); a delivery for one never touches
the other's. Wmo's keys and numbers are those from before Jeugd existed, so nothing stored
moves."""
from __future__ import annotations

from .records import Record


class Instrument(Record, frozen=True):
    id: str  # "ceo-wmo": in the feed's paths and documents
    slug: str  # "jeugd": in URLs and scope keys ("" for Wmo: its keys predate Jeugd)
    name: str  # "CEO Wmo": how people call it
    subject: str  # "cliëntervaringsonderzoek Wmo": in sentences
    law: str  # what the survey is about, for the site's and pages' first lines
    number_prefix: str  # before the sequence in a delivery number: GM0014-2026-J3

    @property
    def short(self) -> str:
        """"Wmo", "Jeugd": after "Cliëntervaring" in the report's title."""
        return self.name.removeprefix("CEO ")

    @property
    def title(self) -> str:
        """"Cliëntervaringsonderzoek Wmo": a heading."""
        return self.subject[0].upper() + self.subject[1:]


WMO = "ceo-wmo"
JEUGD = "ceo-jeugd"

ALL: tuple[Instrument, ...] = (
    Instrument(WMO, "", "CEO Wmo", "cliëntervaringsonderzoek Wmo",
               "de ondersteuning (Wmo)", ""),
    Instrument(JEUGD, "jeugd", "CEO Jeugd", "cliëntervaringsonderzoek Jeugd",
               "de jeugdhulp (Jeugdwet)", "J"),
)
IDS = tuple(instrument.id for instrument in ALL)
_BY_ID = {instrument.id: instrument for instrument in ALL}
_BY_SLUG = {instrument.slug: instrument for instrument in ALL if instrument.slug}
_BY_PREFIX = {instrument.number_prefix: instrument for instrument in ALL}


def get(instrument_id: str) -> Instrument:
    """The instrument with this id; KeyError for an unknown one (data that names it is wrong)."""
    return _BY_ID[instrument_id]


def by_slug(slug: str) -> Instrument | None:
    """The instrument a URL or scope key names ("jeugd"), None for an unknown one."""
    return _BY_SLUG.get(slug)


def chosen(slug: str) -> Instrument | None:
    """The instrument a form or query's `onderzoek` names: "" or "wmo" CEO Wmo (what every page
    meant before Jeugd), "jeugd" CEO Jeugd; None for anything else (tell the user)."""
    slug = slug.strip().lower()
    return get(WMO) if slug in ("", "wmo") else _BY_SLUG.get(slug)


def by_prefix(prefix: str) -> Instrument | None:
    """The instrument of a delivery number's sequence prefix ("" Wmo, "J" Jeugd)."""
    return _BY_PREFIX.get(prefix.upper())


def base_path(code: str, instrument_id: str = WMO) -> str:
    """Where one municipality's questionnaire of this instrument lives: /gemeente/GM0014 for
    Wmo (as before Jeugd), /gemeente/GM0014/jeugd for Jeugd."""
    slug = get(instrument_id).slug
    return f"/gemeente/{code}/{slug}" if slug else f"/gemeente/{code}"
