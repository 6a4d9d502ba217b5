"""The municipality's four-eyes page: whether deliveries wait for a coordinator's approval
and who is coordinator. Everyone who represents the municipality reads it; a coordinator
changes it (the helpdesk does the same from its municipality page)."""
from __future__ import annotations

from chalice.app import Request, Response

from .. import web
from ..accounts import access, registrants
from ..platform import config
from ..platform.models import Registrant
from ..platform.municipalities import municipalities
from . import four_eyes

SWITCH_FIELD = "vier_ogen"  # the field names of templates/macros.html's four_eyes_fields
COORDINATOR_FIELD = "coordinator"


def _page(request: Request, registrant: Registrant, code: str, status: int = 200,
          error: str | None = None, notice: str | None = None,
          chosen: tuple[bool, set[str]] | None = None) -> Response:
    coordinators = four_eyes.coordinator_ids(code)
    switch = four_eyes.required(code)
    if chosen is not None:
        switch, coordinators = chosen
    may_change = registrant.id in four_eyes.coordinator_ids(code)
    return web.page(request, "four_eyes.html", status=status, title="Vier ogen",
                    personal_code=registrant.personal_code, code=code,
                    municipality_name=municipalities(config.municipality_year())[code].name,
                    colleagues=registrants.of_municipality(code), coordinators=coordinators,
                    switch=switch, may_change=may_change, me=registrant.id, error=error,
                    notice=notice)


def show(request: Request, code: str) -> Response:
    registrant = access.representative(request, code)
    notice = "Opgeslagen." if web.query(request).get("opgeslagen") else None
    return _page(request, registrant, code, notice=notice)


def change(request: Request, code: str) -> Response:
    form = web.posted(request)
    registrant = access.representative(request, code)
    switch = form.first(SWITCH_FIELD)
    chosen = set(form.fields.get(COORDINATOR_FIELD, [])[:500])
    if switch not in ("aan", "uit"):
        return _page(request, registrant, code, status=400,
                     error="Kies of vier ogen aan of uit staat.")
    if registrant.id not in four_eyes.coordinator_ids(code):
        return _page(request, registrant, code, status=403,
                     error="Alleen een coördinator van de gemeente kan dit wijzigen. Vraag "
                           "een coördinator of de helpdesk.")
    try:
        four_eyes.configure(code, four_eyes.actor_name(registrant), switch == "aan", chosen,
                            appointed_by=registrant.name)
    except four_eyes.Refused as refused:
        return _page(request, registrant, code, status=refused.status, error=str(refused),
                     chosen=(switch == "aan", chosen))
    return web.redirect(f"/gemeente/{code}/vier-ogen?opgeslagen=1")
