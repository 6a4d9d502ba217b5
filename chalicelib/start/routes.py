"""The routes of start/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from ..web import FORM_CONTENT_TYPES as FORM
from . import copy_pages, pages

routes = Blueprint(__name__)


@routes.route("/start", methods=["GET"])
def start_page() -> Response:
    return pages.show(routes.current_request)


@routes.route("/gemeente/{code}/overnemen-van", methods=["GET"])
def copy_from_municipality(code: str) -> Response:
    return copy_pages.show(routes.current_request, code)


@routes.route("/gemeente/{code}/overnemen-van", methods=["POST"], content_types=FORM)
def copy_from_municipality_post(code: str) -> Response:
    return copy_pages.copy(routes.current_request, code)
