"""Routes and event handlers only; everything they do lives in chalicelib/."""
from chalice import Chalice, Cron, Response

from chalicelib import web
from chalicelib.accounts import bounces, mail_worker, statement_pages
from chalicelib.accounts import pages as account_pages
from chalicelib.delivery import four_eyes_pages
from chalicelib.delivery import pages as delivery_pages
from chalicelib.delivery import view_pages as delivery_view_pages
from chalicelib.helpdesk import delivery_pages as helpdesk_delivery_pages
from chalicelib.helpdesk import domain_pages as helpdesk_domain_pages
from chalicelib.helpdesk import onboarding_pages as helpdesk_onboarding_pages
from chalicelib.helpdesk import pages as helpdesk_pages
from chalicelib.helpdesk import people_pages as helpdesk_people_pages
from chalicelib.helpdesk import personal_data as helpdesk_personal_data
from chalicelib.helpdesk import reminders, season_pages
from chalicelib.platform import startup
from chalicelib.publication import forwarding, reconcile
from chalicelib.questionnaire import pages as questionnaire_pages
from chalicelib.questionnaire.definitions import all_definitions
from chalicelib.web import assets, errors, responses

startup.require()  # prod refuses to start with placeholder contact details, no site name, ...
all_definitions()  # a broken questionnaire definition fails here, at start-up
app = Chalice(app_name="aanlevermodule-ceo")
FORM = web.FORM_CONTENT_TYPES
# The real stream ARN is set by infra/ (Fn::GetAtt); the local runner reads the table name
# from the part after "table/" (a stack output of infra/resources.yaml).
DELIVERIES_STREAM = ("arn:aws:dynamodb:eu-central-1:123456789012:table/DeliveriesTableName/"
                     "stream/2026-01-01T00:00:00.000")
MAIL_EVENTS_TOPIC = "arn:aws:sns:eu-central-1:123456789012:ceo-mail-events"  # infra/ sets it
# Likewise the mail queue: infra/ sets the real ARN; the local runner reads the stack output
# named by the last part.
MAIL_QUEUE = "arn:aws:sqs:eu-central-1:123456789012:MailQueueName"
# The reconcile queue, likewise: an EventBridge rule queues a request every 15 minutes
# (infra/stack.yaml), the helpdesk's buttons queue one for a municipality or a cycle.
RECONCILE_QUEUE = "arn:aws:sqs:eu-central-1:123456789012:ReconcileQueueName"


@app.middleware("http")
def public_address(event, get_response):
    return responses.with_public_address(event, get_response)


@app.middleware("http")
def dutch_errors_and_security_headers(event, get_response):
    return errors.handle(event, get_response)


@app.route("/", methods=["GET"])
def registration_form() -> Response:
    return account_pages.show_registration(app.current_request)


@app.route("/", methods=["POST"], content_types=FORM)
def registration_submit() -> Response:
    return account_pages.submit_registration(app.current_request)


@app.route("/aangemeld", methods=["GET"])
def registration_received() -> Response:
    return account_pages.registered(app.current_request)


@app.route("/nieuwe-link", methods=["GET"])
def new_link_form() -> Response:
    return account_pages.show_new_link(app.current_request)


@app.route("/nieuwe-link", methods=["POST"], content_types=FORM)
def new_link_submit() -> Response:
    return account_pages.submit_new_link(app.current_request)


@app.route("/link-aangevraagd", methods=["GET"])
def new_link_received() -> Response:
    return account_pages.new_link_requested(app.current_request)


@app.route("/link/{token}", methods=["GET"])
def follow_link(token: str) -> Response:
    return account_pages.follow_link(app.current_request, token)


@app.route("/start", methods=["GET"])
def start_page() -> Response:
    return account_pages.start(app.current_request)


@app.route("/uitloggen", methods=["POST"], content_types=FORM)
def sign_out() -> Response:
    return account_pages.sign_out(app.current_request)


@app.route("/gemeenten-toevoegen", methods=["GET"])
def add_municipalities_form() -> Response:
    return account_pages.show_add_municipalities(app.current_request)


@app.route("/gemeenten-toevoegen", methods=["POST"], content_types=FORM)
def add_municipalities() -> Response:
    return account_pages.add_municipalities(app.current_request)


@app.route("/overal-uitloggen", methods=["POST"], content_types=FORM)
def sign_out_everywhere() -> Response:
    return account_pages.sign_out_everywhere(app.current_request)


@app.route("/uitgelogd", methods=["GET"])
def signed_out() -> Response:
    return account_pages.signed_out(app.current_request)


@app.route("/assets/{name}", methods=["GET"])
def asset(name: str) -> Response:
    return assets.serve(name)


@app.route("/vragenlijst", methods=["GET"])
def questionnaire_overview() -> Response:
    return questionnaire_pages.overview(app.current_request)


@app.route("/privacyverklaring", methods=["GET"])
def privacy_statement() -> Response:
    return statement_pages.privacy(app.current_request)


@app.route("/toegankelijkheidsverklaring", methods=["GET"])
def accessibility_statement() -> Response:
    return statement_pages.accessibility(app.current_request)


@app.route("/gemeente/{code}/vragen/{section}", methods=["GET"])
def questionnaire_page(code: str, section: str) -> Response:
    return questionnaire_pages.show_section(app.current_request, code, section)


@app.route("/gemeente/{code}/vragen/{section}", methods=["POST"], content_types=FORM)
def questionnaire_save(code: str, section: str) -> Response:
    return questionnaire_pages.save_section(app.current_request, code, section)


@app.route("/gemeente/{code}/controleren", methods=["GET"])
def questionnaire_review(code: str) -> Response:
    return delivery_pages.review(app.current_request, code)


@app.route("/gemeente/{code}/verwijderen", methods=["GET"])
def questionnaire_reset_confirm(code: str) -> Response:
    return questionnaire_pages.confirm_reset(app.current_request, code)


@app.route("/gemeente/{code}/verwijderen", methods=["POST"], content_types=FORM)
def questionnaire_reset(code: str) -> Response:
    return questionnaire_pages.reset(app.current_request, code)


@app.route("/gemeente/{code}/verzenden", methods=["POST"], content_types=FORM)
def send_delivery(code: str) -> Response:
    return delivery_pages.send(app.current_request, code)


@app.route("/gemeente/{code}/verzonden/{sequence}", methods=["GET"])
def delivery_confirmation(code: str, sequence: str) -> Response:
    return delivery_pages.confirmation(app.current_request, code, sequence)


@app.route("/gemeente/{code}/overnemen", methods=["POST"], content_types=FORM)
def start_from_delivery(code: str) -> Response:
    return delivery_pages.start_from_delivery(app.current_request, code)


@app.route("/gemeente/{code}/aanlevering/{number}", methods=["GET"])
def delivery_view(code: str, number: str) -> Response:
    return delivery_view_pages.show(app.current_request, code, number)


@app.route("/gemeente/{code}/aanlevering/{number}/{kind}", methods=["GET"])
def delivery_file(code: str, number: str, kind: str) -> Response:
    return delivery_view_pages.file(app.current_request, code, number, kind)


@app.route("/gemeente/{code}/aanlevering/{number}/{kind}", methods=["POST"],
           content_types=FORM)
def delivery_decision(code: str, number: str, kind: str) -> Response:
    return delivery_view_pages.decide(app.current_request, code, number, kind)


@app.route("/gemeente/{code}/vier-ogen", methods=["GET"])
def four_eyes_settings(code: str) -> Response:
    return four_eyes_pages.show(app.current_request, code)


@app.route("/gemeente/{code}/vier-ogen", methods=["POST"], content_types=FORM)
def four_eyes_change(code: str) -> Response:
    return four_eyes_pages.change(app.current_request, code)


@app.on_sqs_message(queue_arn=MAIL_QUEUE, batch_size=10)
def deliver_mail(event):
    return mail_worker.handle(event.to_dict(), event.context)


@app.schedule(Cron(0, 5, "*", "*", "?", "*"), name="send_reminders")  # 06:00/07:00 in NL
def send_reminders(event):
    return reminders.scheduled()


# The retention rules (helpdesk/personal_data.py), every night; RETENTION_SCHEDULE per stage.
@app.schedule(Cron(30, 2, "*", "*", "?", "*"), name="apply_retention")  # 03:30/04:30 in NL
def apply_retention(event):
    return helpdesk_personal_data.scheduled_retention()


@app.on_sns_message(topic=MAIL_EVENTS_TOPIC)
def handle_mail_events(event):
    return bounces.handle(event.message)


@app.on_dynamodb_record(stream_arn=DELIVERIES_STREAM, batch_size=100,
                        starting_position="TRIM_HORIZON")
def forward_deliveries(event):
    return forwarding.handle(event.to_dict(), event.context)


@app.on_sqs_message(queue_arn=RECONCILE_QUEUE, batch_size=1)
def reconcile_feed(event):
    return reconcile.handle(event.to_dict(), event.context)


@app.route("/helpdesk/inloggen", methods=["GET"])
def helpdesk_sign_in_form() -> Response:
    return helpdesk_pages.sign_in_form(app.current_request)


@app.route("/helpdesk/inloggen", methods=["POST"], content_types=FORM)
def helpdesk_sign_in() -> Response:
    return helpdesk_pages.sign_in(app.current_request)


@app.route("/helpdesk/code", methods=["GET"])
def helpdesk_mfa_form() -> Response:
    return helpdesk_pages.mfa_form(app.current_request)


@app.route("/helpdesk/code", methods=["POST"], content_types=FORM)
def helpdesk_mfa() -> Response:
    return helpdesk_pages.mfa(app.current_request)


@app.route("/helpdesk/nieuw-wachtwoord", methods=["GET"])
def helpdesk_new_password_form() -> Response:
    return helpdesk_onboarding_pages.new_password_form(app.current_request)


@app.route("/helpdesk/nieuw-wachtwoord", methods=["POST"], content_types=FORM)
def helpdesk_new_password() -> Response:
    return helpdesk_onboarding_pages.new_password(app.current_request)


@app.route("/helpdesk/authenticator", methods=["GET"])
def helpdesk_authenticator_form() -> Response:
    return helpdesk_onboarding_pages.authenticator_form(app.current_request)


@app.route("/helpdesk/authenticator", methods=["POST"], content_types=FORM)
def helpdesk_authenticator() -> Response:
    return helpdesk_onboarding_pages.authenticator(app.current_request)


@app.route("/helpdesk/uitloggen", methods=["POST"], content_types=FORM)
def helpdesk_sign_out() -> Response:
    return helpdesk_pages.sign_out(app.current_request)


@app.route("/helpdesk/domeinen", methods=["GET"])
def helpdesk_trusted_domains() -> Response:
    return helpdesk_domain_pages.overview(app.current_request)


@app.route("/helpdesk/gemeente/{code}/domein-vertrouwen", methods=["POST"], content_types=FORM)
def helpdesk_trust_domain(code: str) -> Response:
    return helpdesk_domain_pages.trust(app.current_request, code)


@app.route("/helpdesk/gemeente/{code}/domein-verwijderen", methods=["POST"], content_types=FORM)
def helpdesk_remove_domain(code: str) -> Response:
    return helpdesk_domain_pages.remove(app.current_request, code)


@app.route("/helpdesk/registrant/{registrant_id}/gegevens", methods=["GET"])
def helpdesk_correction_form(registrant_id: str) -> Response:
    return helpdesk_people_pages.correction_form(app.current_request, registrant_id)


@app.route("/helpdesk/registrant/{registrant_id}/gegevens", methods=["POST"],
           content_types=FORM)
def helpdesk_correct(registrant_id: str) -> Response:
    return helpdesk_people_pages.correct(app.current_request, registrant_id)


@app.route("/helpdesk/registrant/{registrant_id}/verwijderen", methods=["GET"])
def helpdesk_confirm_erase(registrant_id: str) -> Response:
    return helpdesk_people_pages.confirm_erase(app.current_request, registrant_id)


@app.route("/helpdesk/registrant/{registrant_id}/verwijderen", methods=["POST"],
           content_types=FORM)
def helpdesk_erase(registrant_id: str) -> Response:
    return helpdesk_people_pages.erase(app.current_request, registrant_id)


@app.route("/helpdesk", methods=["GET"])
def helpdesk_search() -> Response:
    return helpdesk_pages.search(app.current_request)


@app.route("/helpdesk/registrant/{registrant_id}", methods=["GET"])
def helpdesk_registrant(registrant_id: str) -> Response:
    return helpdesk_pages.registrant_page(app.current_request, registrant_id)


@app.route("/helpdesk/registrant/{registrant_id}/link-opnieuw", methods=["POST"],
           content_types=FORM)
def helpdesk_resend_link(registrant_id: str) -> Response:
    return helpdesk_pages.resend_link(app.current_request, registrant_id)


@app.route("/helpdesk/registrant/{registrant_id}/link-intrekken", methods=["POST"],
           content_types=FORM)
def helpdesk_revoke_link(registrant_id: str) -> Response:
    return helpdesk_pages.revoke_link(app.current_request, registrant_id)


@app.route("/helpdesk/registrant/{registrant_id}/goedkeuren", methods=["POST"],
           content_types=FORM)
def helpdesk_approve(registrant_id: str) -> Response:
    return helpdesk_pages.membership_action(app.current_request, registrant_id, "goedkeuren")


@app.route("/helpdesk/registrant/{registrant_id}/afwijzen", methods=["POST"],
           content_types=FORM)
def helpdesk_reject(registrant_id: str) -> Response:
    return helpdesk_pages.membership_action(app.current_request, registrant_id, "afwijzen")


@app.route("/helpdesk/registrant/{registrant_id}/gemeente-toevoegen", methods=["POST"],
           content_types=FORM)
def helpdesk_add_municipality(registrant_id: str) -> Response:
    return helpdesk_pages.membership_action(app.current_request, registrant_id,
                                            "gemeente-toevoegen")


@app.route("/helpdesk/registrant/{registrant_id}/gemeente-verwijderen", methods=["POST"],
           content_types=FORM)
def helpdesk_remove_municipality(registrant_id: str) -> Response:
    return helpdesk_pages.membership_action(app.current_request, registrant_id,
                                            "gemeente-verwijderen")


@app.route("/helpdesk/gemeente/{code}", methods=["GET"])
def helpdesk_municipality(code: str) -> Response:
    return helpdesk_pages.municipality_page(app.current_request, code)


@app.route("/helpdesk/gemeente/{code}/aanlevering/{number}", methods=["GET"])
def helpdesk_delivery(code: str, number: str) -> Response:
    return helpdesk_delivery_pages.show(app.current_request, code, number)


@app.route("/helpdesk/gemeente/{code}/aanlevering/{number}/{kind}", methods=["GET"])
def helpdesk_delivery_file(code: str, number: str, kind: str) -> Response:
    return helpdesk_delivery_pages.file(app.current_request, code, number, kind)


@app.route("/helpdesk/gemeente/{code}/vergelijken", methods=["GET"])
def helpdesk_compare(code: str) -> Response:
    return helpdesk_delivery_pages.compare(app.current_request, code)


@app.route("/helpdesk/gemeente/{code}/uitzondering", methods=["POST"], content_types=FORM)
def helpdesk_allow(code: str) -> Response:
    return helpdesk_delivery_pages.allow(app.current_request, code)


@app.route("/helpdesk/gemeente/{code}/uitzondering-intrekken", methods=["POST"],
           content_types=FORM)
def helpdesk_disallow(code: str) -> Response:
    return helpdesk_delivery_pages.disallow(app.current_request, code)


@app.route("/helpdesk/gemeente/{code}/intrekken/{delivery_id}", methods=["GET"])
def helpdesk_confirm_withdraw(code: str, delivery_id: str) -> Response:
    return helpdesk_pages.confirm_withdraw(app.current_request, code, delivery_id)


@app.route("/helpdesk/gemeente/{code}/intrekken/{delivery_id}", methods=["POST"],
           content_types=FORM)
def helpdesk_withdraw(code: str, delivery_id: str) -> Response:
    return helpdesk_pages.withdraw(app.current_request, code, delivery_id)


@app.route("/helpdesk/gemeente/{code}/herstellen/{delivery_id}", methods=["POST"],
           content_types=FORM)
def helpdesk_restore(code: str, delivery_id: str) -> Response:
    return helpdesk_pages.restore(app.current_request, code, delivery_id)


@app.route("/helpdesk/gemeente/{code}/terugsturen/{delivery_id}", methods=["POST"],
           content_types=FORM)
def helpdesk_send_back(code: str, delivery_id: str) -> Response:
    return helpdesk_pages.send_back(app.current_request, code, delivery_id)


@app.route("/helpdesk/gemeente/{code}/vier-ogen", methods=["POST"], content_types=FORM)
def helpdesk_four_eyes(code: str) -> Response:
    return helpdesk_pages.set_four_eyes(app.current_request, code)


@app.route("/helpdesk/gemeente/{code}/publicatie-controleren", methods=["POST"],
           content_types=FORM)
def helpdesk_reconcile_municipality(code: str) -> Response:
    return helpdesk_pages.reconcile_municipality(app.current_request, code)


@app.route("/helpdesk/publicatie-controleren", methods=["POST"], content_types=FORM)
def helpdesk_reconcile_cycle() -> Response:
    return helpdesk_pages.reconcile_cycle(app.current_request)


@app.route("/helpdesk/gemeente/{code}/logboek.csv", methods=["GET"])
def helpdesk_municipality_audit(code: str) -> Response:
    return helpdesk_pages.audit_csv(app.current_request, "gemeente", code)


@app.route("/helpdesk/registrant/{registrant_id}/logboek.csv", methods=["GET"])
def helpdesk_registrant_audit(registrant_id: str) -> Response:
    return helpdesk_pages.audit_csv(app.current_request, "registrant", registrant_id)


@app.route("/helpdesk/seizoen", methods=["GET"])
def helpdesk_season() -> Response:
    return season_pages.overview(app.current_request)


@app.route("/helpdesk/seizoen.csv", methods=["GET"])
def helpdesk_season_csv() -> Response:
    return season_pages.overview_csv(app.current_request)


@app.route("/helpdesk/seizoen/herinnering", methods=["POST"], content_types=FORM)
def helpdesk_remind() -> Response:
    return season_pages.remind(app.current_request)


@app.route("/helpdesk/export/{cycle}/{file_format}", methods=["GET"])
def helpdesk_export(cycle: str, file_format: str) -> Response:
    return helpdesk_pages.export_file(app.current_request, cycle, file_format)


errors.translate_domain_errors(app)
