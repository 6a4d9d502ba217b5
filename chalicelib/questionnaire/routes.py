"""The routes of questionnaire/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers. CEO Wmo's pages live at /gemeente/<code>/…, CEO Jeugd's at
/gemeente/<code>/jeugd/… (platform/instruments.py)."""
from chalice import Blueprint, Response

from ..platform.instruments import JEUGD
from ..web import FORM_CONTENT_TYPES as FORM
from . import pages

routes = Blueprint(__name__)


@routes.route("/vragenlijst", methods=["GET"])
def questionnaire_overview() -> Response:
    return pages.overview(routes.current_request)


@routes.route("/vragenlijst/jeugd", methods=["GET"])
def questionnaire_overview_jeugd() -> Response:
    return pages.overview(routes.current_request, JEUGD)


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


@routes.route("/gemeente/{code}/jeugd/vragen/{section}", methods=["GET"])
def questionnaire_page_jeugd(code: str, section: str) -> Response:
    return pages.show_section(routes.current_request, code, section, JEUGD)


@routes.route("/gemeente/{code}/jeugd/vragen/{section}", methods=["POST"], content_types=FORM)
def questionnaire_save_jeugd(code: str, section: str) -> Response:
    return pages.save_section(routes.current_request, code, section, JEUGD)


@routes.route("/gemeente/{code}/jeugd/vragen/{section}/bewaren", methods=["POST"],
              content_types=FORM)
def questionnaire_keep_typed_jeugd(code: str, section: str) -> Response:
    return pages.keep_typed(routes.current_request, code, section, JEUGD)


@routes.route("/gemeente/{code}/jeugd/verwijderen", methods=["GET"])
def questionnaire_reset_confirm_jeugd(code: str) -> Response:
    return pages.confirm_reset(routes.current_request, code, JEUGD)


@routes.route("/gemeente/{code}/jeugd/verwijderen", methods=["POST"], content_types=FORM)
def questionnaire_reset_jeugd(code: str) -> Response:
    return pages.reset(routes.current_request, code, JEUGD)
