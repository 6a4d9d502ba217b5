"""The routes of accounts/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from ..web import FORM_CONTENT_TYPES as FORM
from . import pages, statement_pages

routes = Blueprint(__name__)


@routes.route("/", methods=["GET"])
def registration_form() -> Response:
    return pages.show_registration(routes.current_request)


@routes.route("/", methods=["POST"], content_types=FORM)
def registration_submit() -> Response:
    return pages.submit_registration(routes.current_request)


@routes.route("/aangemeld", methods=["GET"])
def registration_received() -> Response:
    return pages.registered(routes.current_request)


@routes.route("/nieuwe-link", methods=["GET"])
def new_link_form() -> Response:
    return pages.show_new_link(routes.current_request)


@routes.route("/nieuwe-link", methods=["POST"], content_types=FORM)
def new_link_submit() -> Response:
    return pages.submit_new_link(routes.current_request)


@routes.route("/link-aangevraagd", methods=["GET"])
def new_link_received() -> Response:
    return pages.new_link_requested(routes.current_request)


@routes.route("/link/{token}", methods=["GET"])
def follow_link(token: str) -> Response:
    return pages.follow_link(routes.current_request, token)


@routes.route("/uitloggen", methods=["POST"], content_types=FORM)
def sign_out() -> Response:
    return pages.sign_out(routes.current_request)


@routes.route("/gemeenten-toevoegen", methods=["GET"])
def add_municipalities_form() -> Response:
    return pages.show_add_municipalities(routes.current_request)


@routes.route("/gemeenten-toevoegen", methods=["POST"], content_types=FORM)
def add_municipalities() -> Response:
    return pages.add_municipalities(routes.current_request)


@routes.route("/overal-uitloggen", methods=["POST"], content_types=FORM)
def sign_out_everywhere() -> Response:
    return pages.sign_out_everywhere(routes.current_request)


@routes.route("/uitgelogd", methods=["GET"])
def signed_out() -> Response:
    return pages.signed_out(routes.current_request)


@routes.route("/privacyverklaring", methods=["GET"])
def privacy_statement() -> Response:
    return statement_pages.privacy(routes.current_request)


@routes.route("/veelgestelde-vragen", methods=["GET"])
def frequently_asked() -> Response:
    return statement_pages.questions(routes.current_request)


@routes.route("/toegankelijkheidsverklaring", methods=["GET"])
def accessibility_statement() -> Response:
    return statement_pages.accessibility(routes.current_request)
