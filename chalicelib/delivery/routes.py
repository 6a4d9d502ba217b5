"""The routes of delivery/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers. CEO Jeugd's questionnaire pages live under /gemeente/<code>/jeugd/;
a delivery's own pages are found by its number, which names the instrument."""
from chalice import Blueprint, Response

from ..platform.instruments import JEUGD
from ..web import FORM_CONTENT_TYPES as FORM
from . import four_eyes_pages, pages, view_pages

routes = Blueprint(__name__)


@routes.route("/gemeente/{code}/controleren", methods=["GET"])
def questionnaire_review(code: str) -> Response:
    return pages.review(routes.current_request, code)


@routes.route("/gemeente/{code}/verzenden", methods=["POST"], content_types=FORM)
def send_delivery(code: str) -> Response:
    return pages.send(routes.current_request, code)


@routes.route("/gemeente/{code}/verzonden/{sequence}", methods=["GET"])
def delivery_confirmation(code: str, sequence: str) -> Response:
    return pages.confirmation(routes.current_request, code, sequence)


@routes.route("/gemeente/{code}/overnemen", methods=["POST"], content_types=FORM)
def start_from_delivery(code: str) -> Response:
    return pages.start_from_delivery(routes.current_request, code)


@routes.route("/gemeente/{code}/jeugd/controleren", methods=["GET"])
def questionnaire_review_jeugd(code: str) -> Response:
    return pages.review(routes.current_request, code, JEUGD)


@routes.route("/gemeente/{code}/jeugd/verzenden", methods=["POST"], content_types=FORM)
def send_delivery_jeugd(code: str) -> Response:
    return pages.send(routes.current_request, code, JEUGD)


@routes.route("/gemeente/{code}/jeugd/verzonden/{sequence}", methods=["GET"])
def delivery_confirmation_jeugd(code: str, sequence: str) -> Response:
    return pages.confirmation(routes.current_request, code, sequence, JEUGD)


@routes.route("/gemeente/{code}/jeugd/overnemen", methods=["POST"], content_types=FORM)
def start_from_delivery_jeugd(code: str) -> Response:
    return pages.start_from_delivery(routes.current_request, code, JEUGD)


@routes.route("/gemeente/{code}/na-intrekking", methods=["POST"], content_types=FORM)
def after_withdrawal(code: str) -> Response:
    return pages.after_withdrawal(routes.current_request, code)


@routes.route("/gemeente/{code}/jeugd/na-intrekking", methods=["POST"], content_types=FORM)
def after_withdrawal_jeugd(code: str) -> Response:
    return pages.after_withdrawal(routes.current_request, code, JEUGD)


@routes.route("/gemeente/{code}/aanlevering/{number}", methods=["GET"])
def delivery_view(code: str, number: str) -> Response:
    return view_pages.show(routes.current_request, code, number)


@routes.route("/gemeente/{code}/aanlevering/{number}/{kind}", methods=["GET"])
def delivery_file(code: str, number: str, kind: str) -> Response:
    return view_pages.file(routes.current_request, code, number, kind)


@routes.route("/gemeente/{code}/aanlevering/{number}/{kind}", methods=["POST"],
           content_types=FORM)
def delivery_decision(code: str, number: str, kind: str) -> Response:
    return view_pages.decide(routes.current_request, code, number, kind)


@routes.route("/gemeente/{code}/vier-ogen", methods=["GET"])
def four_eyes_settings(code: str) -> Response:
    return four_eyes_pages.show(routes.current_request, code)


@routes.route("/gemeente/{code}/vier-ogen", methods=["POST"], content_types=FORM)
def four_eyes_change(code: str) -> Response:
    return four_eyes_pages.change(routes.current_request, code)
