"""The routes of web/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from . import assets

routes = Blueprint(__name__)


@routes.route("/assets/{name}", methods=["GET"])
def asset(name: str) -> Response:
    return assets.serve(name)
