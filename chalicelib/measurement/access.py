"""Who may see a measurement's pages: a representative of its municipality (accounts' session),
or one of its inviters (their own signed cookie, from their personal link); and the frame of
those pages."""
from __future__ import annotations

from chalice.app import Request

from ..accounts import access as accounts_access
from ..platform.models import Inviter, Measurement, Registrant
from ..web.cookies import SignedCookie
from ..web.errors import HttpError
from . import inviters, measurements

INVITER_NOT_SIGNED_IN = ("U bent niet ingelogd als uitnodiger. Open de persoonlijke link uit de "
                         "e-mail waarmee de gemeente u uitnodigde.")


def representative(request: Request, code: str,
                   measurement_id: str) -> tuple[Registrant, Measurement]:
    """401 without a session, 404 for a municipality not theirs or a measurement that is not
    the municipality's."""
    registrant = accounts_access.representative(request, code)
    try:
        return registrant, measurements.get(code, measurement_id)
    except measurements.NotFound:
        raise HttpError(404) from None


def inviter_cookie() -> SignedCookie:
    return SignedCookie("ceo-uitnodiger", 30 * 24 * 3600)


def inviter(request: Request) -> tuple[Inviter, Measurement]:
    data = inviter_cookie().read(request)
    found = inviters.get(data["v"]) if data and isinstance(data.get("v"), str) else None
    if found is None:
        raise HttpError(401, INVITER_NOT_SIGNED_IN)
    try:
        return found, measurements.get(found.municipality, found.measurement_id)
    except measurements.NotFound:
        raise HttpError(404) from None
