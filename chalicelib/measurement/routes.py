"""The routes of measurement/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from ..web import FORM_CONTENT_TYPES as FORM
from ..web import errors
from ..web.forms import UPLOAD_CONTENT_TYPES as UPLOAD
from . import client_pages, inviter_pages, manage_pages, results_pages, upload_pages, use_pages

routes = Blueprint(__name__)
# a client's errors on their own plain pages, never the staff's (with the helpdesk's address)
errors.own_error_pages(("/a/", "/m/", "/code", "/antwoorden", "/tablet"), client_pages.error_page)


@routes.route("/gemeente/{code}/metingen", methods=["GET"])
def measurement_list(code: str) -> Response:
    return manage_pages.list_page(routes.current_request, code)


@routes.route("/gemeente/{code}/metingen", methods=["POST"], content_types=FORM)
def measurement_create(code: str) -> Response:
    return manage_pages.create(routes.current_request, code)


@routes.route("/gemeente/{code}/metingen/{mid}", methods=["GET"])
def measurement_overview(code: str, mid: str) -> Response:
    return manage_pages.overview(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/resultaten", methods=["GET"])
def measurement_results(code: str, mid: str) -> Response:
    return results_pages.municipality(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/resultaten/dag", methods=["POST"],
              content_types=FORM)
def measurement_results_day(code: str, mid: str) -> Response:
    return results_pages.exclude_day(routes.current_request, code, mid)


@routes.route("/uitnodiger/resultaten", methods=["GET"])
def inviter_results() -> Response:
    return results_pages.inviter(routes.current_request)


@routes.route("/gemeente/{code}/metingen/{mid}/resultaten/teksten", methods=["GET"])
def measurement_written_answers(code: str, mid: str) -> Response:
    return results_pages.municipality_written(routes.current_request, code, mid)
@routes.route("/gemeente/{code}/metingen/{mid}/wijzigen", methods=["GET"])
def measurement_edit_form(code: str, mid: str) -> Response:
    return manage_pages.edit_form(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/wijzigen", methods=["POST"], content_types=FORM)
def measurement_edit_save(code: str, mid: str) -> Response:
    return manage_pages.edit_save(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/sluiten", methods=["POST"], content_types=FORM)
def measurement_close(code: str, mid: str) -> Response:
    return manage_pages.close(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/uitnodigers", methods=["POST"], content_types=FORM)
def measurement_invite_inviter(code: str, mid: str) -> Response:
    return manage_pages.invite_inviter(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/poster.pdf", methods=["GET"])
def measurement_poster(code: str, mid: str) -> Response:
    return manage_pages.poster(routes.current_request, code, mid, "poster")


@routes.route("/gemeente/{code}/metingen/{mid}/flyer.pdf", methods=["GET"])
def measurement_flyer(code: str, mid: str) -> Response:
    return manage_pages.poster(routes.current_request, code, mid, "flyer")


@routes.route("/gemeente/{code}/metingen/{mid}/brieven", methods=["POST"], content_types=FORM)
def measurement_letters(code: str, mid: str) -> Response:
    return manage_pages.letters(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/databestand", methods=["GET"])
def measurement_data_file(code: str, mid: str) -> Response:
    return use_pages.download(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/vrije-tekst", methods=["POST"], content_types=FORM)
def measurement_free_text_reviewed(code: str, mid: str) -> Response:
    return use_pages.review_free_text(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/aanlevering", methods=["GET"])
def measurement_use_form(code: str, mid: str) -> Response:
    return use_pages.use_form(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/aanlevering", methods=["POST"], content_types=FORM)
def measurement_use(code: str, mid: str) -> Response:
    return use_pages.use(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/contacten", methods=["GET"])
def measurement_upload_form(code: str, mid: str) -> Response:
    return upload_pages.municipality_form(routes.current_request, code, mid)


@routes.route("/gemeente/{code}/metingen/{mid}/contacten", methods=["POST"],
              content_types=UPLOAD)
def measurement_upload(code: str, mid: str) -> Response:
    return upload_pages.municipality_upload(routes.current_request, code, mid)


@routes.route("/uitnodiger/contacten", methods=["GET"])
def inviter_upload_form() -> Response:
    return upload_pages.inviter_form(routes.current_request)


@routes.route("/uitnodiger/contacten", methods=["POST"], content_types=UPLOAD)
def inviter_upload() -> Response:
    return upload_pages.inviter_upload(routes.current_request)


@routes.route("/uitnodiger/link/{token}", methods=["GET"])
def inviter_link(token: str) -> Response:
    return inviter_pages.follow_link(routes.current_request, token)


@routes.route("/uitnodiger", methods=["GET"])
def inviter_home() -> Response:
    return inviter_pages.home(routes.current_request)


@routes.route("/uitnodiger/uitnodigen", methods=["POST"], content_types=FORM)
def inviter_invite() -> Response:
    return inviter_pages.invite(routes.current_request)


@routes.route("/uitnodiger/link", methods=["POST"], content_types=FORM)
def inviter_copy_link() -> Response:
    return inviter_pages.copy_link(routes.current_request)


@routes.route("/uitnodiger/tablet", methods=["POST"], content_types=FORM)
def inviter_start_tablet() -> Response:
    return inviter_pages.start_tablet(routes.current_request)


@routes.route("/uitnodiger/papier", methods=["GET"])
def inviter_paper_form() -> Response:
    return inviter_pages.paper_form(routes.current_request)


@routes.route("/uitnodiger/papier", methods=["POST"], content_types=FORM)
def inviter_paper_save() -> Response:
    return inviter_pages.paper_save(routes.current_request)


@routes.route("/a/{token}", methods=["GET"])
def client_token(token: str) -> Response:
    return client_pages.open_token(routes.current_request, token)


@routes.route("/m/{code}/{mid}", methods=["GET"])
def client_generic(code: str, mid: str) -> Response:
    return client_pages.open_generic(routes.current_request, code, mid)


@routes.route("/m/{code}/{mid}/{team}", methods=["GET"])
def client_generic_team(code: str, mid: str, team: str) -> Response:
    return client_pages.open_generic(routes.current_request, code, mid, team)


@routes.route("/code", methods=["GET"])
def client_code_form() -> Response:
    return client_pages.code_form(routes.current_request)


@routes.route("/code", methods=["POST"], content_types=FORM)
def client_code_enter() -> Response:
    return client_pages.code_enter(routes.current_request)


@routes.route("/antwoorden", methods=["GET"])
def client_intro() -> Response:
    return client_pages.intro(routes.current_request)


@routes.route("/antwoorden/controleren", methods=["GET"])
def client_check() -> Response:
    return client_pages.check(routes.current_request)


@routes.route("/antwoorden/versturen", methods=["POST"], content_types=FORM)
def client_submit() -> Response:
    return client_pages.submit(routes.current_request)


@routes.route("/antwoorden/taal", methods=["POST"], content_types=FORM)
def client_language() -> Response:
    return client_pages.language(routes.current_request)


@routes.route("/antwoorden/{topic}", methods=["GET"])
def client_topic(topic: str) -> Response:
    return client_pages.topic(routes.current_request, topic)


@routes.route("/antwoorden/{topic}", methods=["POST"], content_types=FORM)
def client_save_topic(topic: str) -> Response:
    return client_pages.save_topic(routes.current_request, topic)


@routes.route("/tablet", methods=["GET"])
def tablet() -> Response:
    return client_pages.tablet(routes.current_request)


@routes.route("/tablet/beginnen", methods=["POST"], content_types=FORM)
def tablet_begin() -> Response:
    return client_pages.tablet_begin(routes.current_request)


@routes.route("/tablet/stoppen", methods=["POST"], content_types=FORM)
def tablet_stop() -> Response:
    return inviter_pages.stop_tablet(routes.current_request)
