"""The one place that wires: each package's routes (a Chalice blueprint per domain), the jobs
each domain does in the mail worker, and the event handlers. Everything they do lives in
chalicelib/."""
from chalice import Chalice, Cron

from chalicelib.accounts import bounces, mail_worker
from chalicelib.accounts import routes as accounts
from chalicelib.delivery import routes as delivery
from chalicelib.helpdesk import personal_data as helpdesk_personal_data
from chalicelib.helpdesk import reminders
from chalicelib.helpdesk import routes as helpdesk
from chalicelib.measurement import contacts as measurement_contacts
from chalicelib.measurement import counting as measurement_counting
from chalicelib.measurement import invitations as measurement_invitations
from chalicelib.measurement import reminder_run as measurement_reminders
from chalicelib.measurement import routes as measurement
from chalicelib.platform import jobs, startup
from chalicelib.publication import forwarding, reconcile
from chalicelib.questionnaire import routes as questionnaire
from chalicelib.questionnaire.definitions import all_definitions
from chalicelib.start import routes as start
from chalicelib.web import errors, responses
from chalicelib.web import routes as web

startup.require()  # prod refuses to start with placeholder contact details, no site name, ...
all_definitions()  # a broken questionnaire definition fails here, at start-up
# the queued jobs each domain does (the mail worker's own kind is "mail")
jobs.register("register", mail_worker.registration_job)
jobs.register("new-link", mail_worker.new_link_job)
jobs.register("reminder", reminders.perform)
jobs.register(measurement_invitations.JOB_KIND, measurement_invitations.perform)  # sms, e-mail
jobs.register(measurement_contacts.FAN_OUT_KIND, measurement_contacts.fan_out)  # contact lists
app = Chalice(app_name="aanlevermodule-ceo")
app.api.binary_types.append("application/pdf")  # posters and letters (measurement/)
app.api.binary_types.append("multipart/form-data")  # contact lists, byte for byte
# the pages, domain by domain (each package's routes.py: URL -> page, one line each)
app.register_blueprint(web.routes)  # static assets
app.register_blueprint(accounts.routes)  # registration, personal links, sign-out, statements
app.register_blueprint(start.routes)  # the start page
app.register_blueprint(questionnaire.routes)  # one section per page, overview, reset
app.register_blueprint(delivery.routes)  # review, send, a sent delivery, four-eyes
app.register_blueprint(measurement.routes)  # measurements, inviters, clients' answers
app.register_blueprint(helpdesk.routes)  # everything under /helpdesk
# The real stream ARN is set by infra/ (Fn::GetAtt); the local runner reads the table name
# from the part after "table/" (a stack output of infra/resources.yaml).
DELIVERIES_STREAM = ("arn:aws:dynamodb:eu-central-1:123456789012:table/DeliveriesTableName/"
                     "stream/2026-01-01T00:00:00.000")
# The responses table's stream (clients' answers), counted into the results (measurement/).
RESPONSES_STREAM = ("arn:aws:dynamodb:eu-central-1:123456789012:table/ResponsesTableName/"
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


@app.on_sqs_message(queue_arn=MAIL_QUEUE, batch_size=10)
def deliver_mail(event):
    return mail_worker.handle(event.to_dict(), event.context)


@app.schedule(Cron(0, 5, "*", "*", "?", "*"), name="send_reminders")  # 06:00/07:00 in NL
def send_reminders(event):
    return reminders.scheduled()


# Clients' single reminders (measurement/reminder_run.py), mid-morning: not at dawn by sms.
@app.schedule(Cron(0, 8, "*", "*", "?", "*"), name="send_client_reminders")  # 09:00/10:00 NL
def send_client_reminders(event):
    return measurement_reminders.scheduled()


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


@app.on_dynamodb_record(stream_arn=RESPONSES_STREAM, batch_size=500,
                        starting_position="TRIM_HORIZON")
def count_responses(event):
    return measurement_counting.handle(event.to_dict(), event.context)


@app.on_sqs_message(queue_arn=RECONCILE_QUEUE, batch_size=1)
def reconcile_feed(event):
    return reconcile.handle(event.to_dict(), event.context)


errors.translate_domain_errors(app)
