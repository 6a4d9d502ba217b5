"""The routes of start/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from . import pages

routes = Blueprint(__name__)


@routes.route("/start", methods=["GET"])
def start_page() -> Response:
    return pages.show(routes.current_request)
