"""The routes of helpdesk/: one line each from a URL to its page, as a Chalice blueprint
that app.py registers."""
from chalice import Blueprint, Response

from ..web import FORM_CONTENT_TYPES as FORM
from . import (
    delivery_pages,
    domain_pages,
    municipality_pages,
    onboarding_pages,
    people_pages,
    registrant_pages,
    search_pages,
    season_pages,
    signin_pages,
)

routes = Blueprint(__name__)


@routes.route("/helpdesk/inloggen", methods=["GET"])
def helpdesk_sign_in_form() -> Response:
    return signin_pages.sign_in_form(routes.current_request)


@routes.route("/helpdesk/inloggen", methods=["POST"], content_types=FORM)
def helpdesk_sign_in() -> Response:
    return signin_pages.sign_in(routes.current_request)


@routes.route("/helpdesk/code", methods=["GET"])
def helpdesk_mfa_form() -> Response:
    return signin_pages.mfa_form(routes.current_request)


@routes.route("/helpdesk/code", methods=["POST"], content_types=FORM)
def helpdesk_mfa() -> Response:
    return signin_pages.mfa(routes.current_request)


@routes.route("/helpdesk/nieuw-wachtwoord", methods=["GET"])
def helpdesk_new_password_form() -> Response:
    return onboarding_pages.new_password_form(routes.current_request)


@routes.route("/helpdesk/nieuw-wachtwoord", methods=["POST"], content_types=FORM)
def helpdesk_new_password() -> Response:
    return onboarding_pages.new_password(routes.current_request)


@routes.route("/helpdesk/authenticator", methods=["GET"])
def helpdesk_authenticator_form() -> Response:
    return onboarding_pages.authenticator_form(routes.current_request)


@routes.route("/helpdesk/authenticator", methods=["POST"], content_types=FORM)
def helpdesk_authenticator() -> Response:
    return onboarding_pages.authenticator(routes.current_request)


@routes.route("/helpdesk/uitloggen", methods=["POST"], content_types=FORM)
def helpdesk_sign_out() -> Response:
    return signin_pages.sign_out(routes.current_request)


@routes.route("/helpdesk/domeinen", methods=["GET"])
def helpdesk_trusted_domains() -> Response:
    return domain_pages.overview(routes.current_request)


@routes.route("/helpdesk/gemeente/{code}/domein-vertrouwen", methods=["POST"], content_types=FORM)
def helpdesk_trust_domain(code: str) -> Response:
    return domain_pages.trust(routes.current_request, code)


@routes.route("/helpdesk/gemeente/{code}/domein-verwijderen", methods=["POST"], content_types=FORM)
def helpdesk_remove_domain(code: str) -> Response:
    return domain_pages.remove(routes.current_request, code)


@routes.route("/helpdesk/registrant/{registrant_id}/gegevens", methods=["GET"])
def helpdesk_correction_form(registrant_id: str) -> Response:
    return people_pages.correction_form(routes.current_request, registrant_id)


@routes.route("/helpdesk/registrant/{registrant_id}/gegevens", methods=["POST"],
           content_types=FORM)
def helpdesk_correct(registrant_id: str) -> Response:
    return people_pages.correct(routes.current_request, registrant_id)


@routes.route("/helpdesk/registrant/{registrant_id}/verwijderen", methods=["GET"])
def helpdesk_confirm_erase(registrant_id: str) -> Response:
    return people_pages.confirm_erase(routes.current_request, registrant_id)


@routes.route("/helpdesk/registrant/{registrant_id}/verwijderen", methods=["POST"],
           content_types=FORM)
def helpdesk_erase(registrant_id: str) -> Response:
    return people_pages.erase(routes.current_request, registrant_id)


@routes.route("/helpdesk", methods=["GET"])
def helpdesk_search() -> Response:
    return search_pages.search(routes.current_request)


@routes.route("/helpdesk/aanmeldingen/afwijzen", methods=["POST"], content_types=FORM)
def helpdesk_reject_requests() -> Response:
    return search_pages.reject_requests(routes.current_request)


@routes.route("/helpdesk/registrant/{registrant_id}", methods=["GET"])
def helpdesk_registrant(registrant_id: str) -> Response:
    return registrant_pages.registrant_page(routes.current_request, registrant_id)


@routes.route("/helpdesk/registrant/{registrant_id}/link-opnieuw", methods=["POST"],
           content_types=FORM)
def helpdesk_resend_link(registrant_id: str) -> Response:
    return registrant_pages.resend_link(routes.current_request, registrant_id)


@routes.route("/helpdesk/registrant/{registrant_id}/link-intrekken", methods=["POST"],
           content_types=FORM)
def helpdesk_revoke_link(registrant_id: str) -> Response:
    return registrant_pages.revoke_link(routes.current_request, registrant_id)


@routes.route("/helpdesk/registrant/{registrant_id}/goedkeuren", methods=["POST"],
           content_types=FORM)
def helpdesk_approve(registrant_id: str) -> Response:
    return registrant_pages.membership_action(routes.current_request, registrant_id, "goedkeuren")


@routes.route("/helpdesk/registrant/{registrant_id}/afwijzen", methods=["POST"],
           content_types=FORM)
def helpdesk_reject(registrant_id: str) -> Response:
    return registrant_pages.membership_action(routes.current_request, registrant_id, "afwijzen")


@routes.route("/helpdesk/registrant/{registrant_id}/gemeente-toevoegen", methods=["POST"],
           content_types=FORM)
def helpdesk_add_municipality(registrant_id: str) -> Response:
    return registrant_pages.membership_action(routes.current_request, registrant_id,
                                            "gemeente-toevoegen")


@routes.route("/helpdesk/registrant/{registrant_id}/gemeente-verwijderen", methods=["POST"],
           content_types=FORM)
def helpdesk_remove_municipality(registrant_id: str) -> Response:
    return registrant_pages.membership_action(routes.current_request, registrant_id,
                                            "gemeente-verwijderen")


@routes.route("/helpdesk/gemeente/{code}", methods=["GET"])
def helpdesk_municipality(code: str) -> Response:
    return municipality_pages.municipality_page(routes.current_request, code)


@routes.route("/helpdesk/gemeente/{code}/aanlevering/{number}", methods=["GET"])
def helpdesk_delivery(code: str, number: str) -> Response:
    return delivery_pages.show(routes.current_request, code, number)


@routes.route("/helpdesk/gemeente/{code}/aanlevering/{number}/{kind}", methods=["GET"])
def helpdesk_delivery_file(code: str, number: str, kind: str) -> Response:
    return delivery_pages.file(routes.current_request, code, number, kind)


@routes.route("/helpdesk/gemeente/{code}/vergelijken", methods=["GET"])
def helpdesk_compare(code: str) -> Response:
    return delivery_pages.compare(routes.current_request, code)


@routes.route("/helpdesk/gemeente/{code}/uitzondering", methods=["POST"], content_types=FORM)
def helpdesk_allow(code: str) -> Response:
    return delivery_pages.allow(routes.current_request, code)


@routes.route("/helpdesk/gemeente/{code}/uitzondering-intrekken", methods=["POST"],
           content_types=FORM)
def helpdesk_disallow(code: str) -> Response:
    return delivery_pages.disallow(routes.current_request, code)


@routes.route("/helpdesk/gemeente/{code}/intrekken/{delivery_id}", methods=["GET"])
def helpdesk_confirm_withdraw(code: str, delivery_id: str) -> Response:
    return delivery_pages.confirm_withdraw(routes.current_request, code, delivery_id)


@routes.route("/helpdesk/gemeente/{code}/intrekken/{delivery_id}", methods=["POST"],
           content_types=FORM)
def helpdesk_withdraw(code: str, delivery_id: str) -> Response:
    return delivery_pages.withdraw(routes.current_request, code, delivery_id)


@routes.route("/helpdesk/gemeente/{code}/herstellen/{delivery_id}", methods=["POST"],
           content_types=FORM)
def helpdesk_restore(code: str, delivery_id: str) -> Response:
    return delivery_pages.restore(routes.current_request, code, delivery_id)


@routes.route("/helpdesk/gemeente/{code}/terugsturen/{delivery_id}", methods=["POST"],
           content_types=FORM)
def helpdesk_send_back(code: str, delivery_id: str) -> Response:
    return delivery_pages.send_back(routes.current_request, code, delivery_id)


@routes.route("/helpdesk/gemeente/{code}/vier-ogen", methods=["POST"], content_types=FORM)
def helpdesk_four_eyes(code: str) -> Response:
    return municipality_pages.set_four_eyes(routes.current_request, code)


@routes.route("/helpdesk/gemeente/{code}/publicatie-controleren", methods=["POST"],
           content_types=FORM)
def helpdesk_reconcile_municipality(code: str) -> Response:
    return municipality_pages.reconcile_municipality(routes.current_request, code)


@routes.route("/helpdesk/publicatie-controleren", methods=["POST"], content_types=FORM)
def helpdesk_reconcile_cycle() -> Response:
    return search_pages.reconcile_cycle(routes.current_request)


@routes.route("/helpdesk/gemeente/{code}/logboek.csv", methods=["GET"])
def helpdesk_municipality_audit(code: str) -> Response:
    return municipality_pages.audit_csv(routes.current_request, "gemeente", code)


@routes.route("/helpdesk/registrant/{registrant_id}/logboek.csv", methods=["GET"])
def helpdesk_registrant_audit(registrant_id: str) -> Response:
    return municipality_pages.audit_csv(routes.current_request, "registrant", registrant_id)


@routes.route("/helpdesk/seizoen", methods=["GET"])
def helpdesk_season() -> Response:
    return season_pages.overview(routes.current_request)


@routes.route("/helpdesk/seizoen.csv", methods=["GET"])
def helpdesk_season_csv() -> Response:
    return season_pages.overview_csv(routes.current_request)


@routes.route("/helpdesk/seizoen/herinnering", methods=["POST"], content_types=FORM)
def helpdesk_remind() -> Response:
    return season_pages.remind(routes.current_request)


@routes.route("/helpdesk/export/{cycle}/{file_format}", methods=["GET"])
def helpdesk_export(cycle: str, file_format: str) -> Response:
    return search_pages.export_file(routes.current_request, cycle, file_format)
