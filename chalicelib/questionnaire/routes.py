"""The routes of questionnaire/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from ..web import FORM_CONTENT_TYPES as FORM
from . import pages

routes = Blueprint(__name__)


@routes.route("/vragenlijst", methods=["GET"])
def questionnaire_overview() -> Response:
    return pages.overview(routes.current_request)


@routes.route("/gemeente/{code}/vragen/{section}", methods=["GET"])
def questionnaire_page(code: str, section: str) -> Response:
    return pages.show_section(routes.current_request, code, section)


@routes.route("/gemeente/{code}/vragen/{section}", methods=["POST"], content_types=FORM)
def questionnaire_save(code: str, section: str) -> Response:
    return pages.save_section(routes.current_request, code, section)


@routes.route("/gemeente/{code}/vragen/{section}/bewaren", methods=["POST"],
              content_types=FORM)
def questionnaire_keep_typed(code: str, section: str) -> Response:
    return pages.keep_typed(routes.current_request, code, section)


@routes.route("/gemeente/{code}/verwijderen", methods=["GET"])
def questionnaire_reset_confirm(code: str) -> Response:
    return pages.confirm_reset(routes.current_request, code)


@routes.route("/gemeente/{code}/verwijderen", methods=["POST"], content_types=FORM)
def questionnaire_reset(code: str) -> Response:
    return pages.reset(routes.current_request, code)
