"""pynamodb models, one per table (the held table holds two kinds of item, each with its own
model). The tables themselves are defined once, in infra/resources.yaml; tests/infra/test_infra.py
keeps the two in step.

Table names are read at import from real environment variables (the Lambda runtime, the local
runner and the test suite all set them before importing the app).

Every model and every transaction use the process's one pynamodb Connection, so the Lambda
container builds one botocore client for DynamoDB, once: building one parses the service and
endpoint models and costs about 100 ms (tests/platform/test_clients.py counts them).
"""
from __future__ import annotations

import os
import re
import threading
from enum import Enum, StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection, TableConnection
from pynamodb.constants import STRING
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactGet

from . import instruments
from .municipalities import CODE_PATTERN

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-central-1"


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The process's DynamoDB connection: transactions and every model use it."""
    return Connection(region=REGION)


_BINDING = threading.Lock()


class TableModel(Model):
    """A pynamodb model bound to the shared connection instead of one of its own (pynamodb
    gives each model class its own Connection, hence its own botocore client)."""

    @classmethod
    def _get_connection(cls) -> TableConnection:
        table = super()._get_connection()
        if table.connection is connection():
            return table
        with _BINDING:  # the local runner serves on threads: bind each model exactly once
            table = super()._get_connection()
            shared = connection()
            if table.connection is not shared:
                if cls.Meta.table_name not in shared._tables:
                    shared.add_meta_table(table.get_meta_table())
                else:  # models sharing a table: each adds the indexes it declares
                    _add_indexes(shared._tables[cls.Meta.table_name], table.get_meta_table())
                table.connection = shared
        return table


def _add_indexes(shared: Any, own: Any) -> None:
    for part in ("GlobalSecondaryIndexes", "AttributeDefinitions"):
        name = "IndexName" if part == "GlobalSecondaryIndexes" else "AttributeName"
        known = {entry[name] for entry in shared.data.get(part) or []}
        shared.data[part] = [*(shared.data.get(part) or []),
                             *(entry for entry in own.data.get(part) or []
                               if entry[name] not in known)]


def get_together(*keys: tuple[type[Model], Any, Any]) -> list[Any]:
    """The items at (model, hash key, range key or None), in one strongly consistent request
    (TransactGetItems) instead of one round trip each; None where an item does not exist."""
    with TransactGet(connection=connection()) as transaction:
        futures = [transaction.get(model, hash_key, range_key)
                   for model, hash_key, range_key in keys]
    found: list[Any] = []
    for future in futures:
        try:
            found.append(future.get())
        except DoesNotExist:
            found.append(None)
    return found


def table_name(variable: str, suffix: str) -> str:
    return os.environ.get(variable) or f"ceo-local-{suffix}"


_SCOPE = re.compile(f"^({CODE_PATTERN})#([0-9]{{4}})(?:#([a-z]{{1,20}}))?$")


def scope_key(municipality: str, cycle: int, instrument: str = instruments.WMO) -> str:
    """The key of one (municipality, cycle, instrument): drafts, deliveries and their state
    share it. Wmo's is "GM0014#2026" (as before there was a second instrument), another's
    "GM0014#2026#jeugd"."""
    slug = instruments.get(instrument).slug
    return f"{municipality}#{cycle}#{slug}" if slug else f"{municipality}#{cycle}"


def parse_scope(key: object) -> tuple[str, int, str] | None:
    """(municipality, cycle, instrument) of a well-formed scope key, else None."""
    match = _SCOPE.match(key) if isinstance(key, str) else None
    if not match:
        return None
    found = instruments.by_slug(match[3]) if match[3] else instruments.get(instruments.WMO)
    return (match[1], int(match[2]), found.id) if found else None


class DraftStatus(StrEnum):
    CONCEPT = "concept"
    SENT = "verzonden"


class DeliveryStatus(StrEnum):
    VALID = "valid"
    WITHDRAWN = "withdrawn"
    PENDING = "pending"  # four-eyes: waits for a coordinator's approval, counts only after it
    RETURNED = "returned"  # four-eyes: sent back with a reason, never counts


E = TypeVar("E", bound=Enum)


class EnumAttribute(Attribute[E]):
    """A string attribute holding an Enum's value; reads back as the Enum member."""

    attr_type = STRING

    def __init__(self, enum: type[E], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum = enum

    def serialize(self, value: E) -> str:
        return str(self.enum(value).value)

    def deserialize(self, value: str) -> E:
        return self.enum(value)


class Registrant(TableModel):
    """A municipal representative. The id is opaque; `personal_code` is what people quote."""

    class Meta:
        table_name = table_name("REGISTRANTS_TABLE", "registrants")
        region = REGION

    id = UnicodeAttribute(hash_key=True)
    email = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute()
    municipalities = UnicodeSetAttribute(default=set)
    held_municipalities = UnicodeSetAttribute(null=True)  # waiting for helpdesk approval
    personal_code = UnicodeAttribute()
    # SHA-256 of each personal link still valid, newest first (a new link adds; revoke empties)
    link_hashes = JSONAttribute(default=list)
    link_issued_at = UTCDateTimeAttribute(null=True)
    link_expires_at = UTCDateTimeAttribute(null=True)
    # Sessions: "sign out everywhere" and the helpdesk's revoke raise the epoch; a single
    # sign-out records "<ended at, epoch seconds>:<session id>" until the session would expire
    session_epoch = NumberAttribute(default=0)
    ended_sessions = UnicodeSetAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    mail_problem = UnicodeAttribute(null=True)  # "bounce" | "complaint", from SES events
    mail_problem_at = UTCDateTimeAttribute(null=True)
    # ids of the input kept for this registrant after a session ended (PendingInput), so that
    # erasing the registrant erases it too
    kept_inputs = UnicodeSetAttribute(null=True)

    @property
    def has_link(self) -> bool:
        return bool(self.link_hashes)


class SearchIndex(GlobalSecondaryIndex["Lookup"]):
    """The helpdesk's search on people: bucket ("naam#a", "email#a", "telefoon") and a term
    to match from its start (accounts/people.py). Only search entries have these keys."""

    class Meta:
        index_name = "search"
        projection = IncludeProjection(["registrant_id"])

    bucket = UnicodeAttribute(hash_key=True)
    term = UnicodeAttribute(range_key=True)


class Lookup(TableModel):
    """Unique keys pointing at a registrant: `email#<address>` and `code#<personal code>`.

    Written in the same transaction as the registrant with attribute_not_exists, which is what
    makes e-mail addresses and personal codes unique; read with strong consistency, unlike a GSI.
    Beside them, the registrant's search entries (`zoek#…`, with `bucket` and `term`), found
    through the `search` index.
    """

    class Meta:
        table_name = table_name("LOOKUPS_TABLE", "lookups")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    registrant_id = UnicodeAttribute()
    bucket = UnicodeAttribute(null=True)
    term = UnicodeAttribute(null=True)
    search = SearchIndex()


class RateCounter(TableModel):
    """Requests per (scope, hashed subject, time window); DynamoDB's TTL removes old windows."""

    class Meta:
        table_name = table_name("RATE_LIMITS_TABLE", "rate-limits")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()


class Draft(TableModel):
    """One questionnaire in progress per (municipality, cycle), shared by every representative
    of that municipality: the researcher fills in the results while the policy officer writes
    the follow-up.

    `answers` holds every field exactly as typed (invalid input included); `section_versions`
    counts saves per section, so a stale page is detected per section and two people editing
    different sections never conflict; `section_editors` says who saved each section last and
    when. `version` guards each write (pynamodb adds the condition), so a save between our read
    and our write is caught, and retried when it touched another section. `based_on` is the
    sequence of the municipality's newest delivery this draft knows of (0: none).
    """

    class Meta:
        table_name = table_name("DRAFTS_TABLE", "drafts")
        region = REGION

    key = UnicodeAttribute(hash_key=True)  # "<CBS code>#<cycle>"
    municipality = UnicodeAttribute()
    cycle = NumberAttribute()
    instrument = UnicodeAttribute()
    answers = JSONAttribute(default=dict)
    section_versions = JSONAttribute(default=dict)
    section_editors = JSONAttribute(default=dict)  # {section id: {"by": registrant id, "at"}}
    based_on = NumberAttribute(default=0)
    status = EnumAttribute(DraftStatus, default=DraftStatus.CONCEPT)
    sent_sequence = NumberAttribute(null=True)  # the delivery this version became, once sent
    # Fields a measurement filled ("uit de meting", questionnaire/measured.py): per question (or
    # score row) the raw inputs it wrote and the counts used. A mark holds only while the
    # draft still has exactly those inputs: a colleague's edit of the field ends it.
    measured = JSONAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    version = VersionAttribute()


class PendingInput(TableModel):
    """A questionnaire page posted after the session expired, kept until the user signs in
    again through their link and saves it (DynamoDB's TTL removes forgotten ones)."""

    class Meta:
        table_name = table_name("PENDING_INPUT_TABLE", "pending-input")
        region = REGION

    id = UnicodeAttribute(hash_key=True)
    registrant_id = UnicodeAttribute()
    municipality = UnicodeAttribute()
    section = UnicodeAttribute()
    fields = JSONAttribute()
    seen_version = NumberAttribute()
    instrument = UnicodeAttribute(null=True)  # None: CEO Wmo (kept before Jeugd existed)
    expires_at = TTLAttribute()


class Membership(TableModel):
    """Who represents a municipality: for notices to colleagues and the helpdesk's look-up."""

    class Meta:
        table_name = table_name("MEMBERSHIPS_TABLE", "memberships")
        region = REGION

    municipality = UnicodeAttribute(hash_key=True)
    registrant_id = UnicodeAttribute(range_key=True)
    coordinator = BooleanAttribute(null=True)  # may approve colleagues' deliveries (four-eyes)


class Delivery(TableModel):
    """An immutable sent questionnaire. Only `status`, the withdrawal fields and (four-eyes)
    the approval fields and the revision its approval made ever change, and `publish_at`
    until that moment passes; no code path edits answers. The table's stream drives
    forwarding."""

    class Meta:
        table_name = table_name("DELIVERIES_TABLE", "deliveries")
        region = REGION

    scope = UnicodeAttribute(hash_key=True)  # "<CBS code>#<cycle>"
    sequence = NumberAttribute(range_key=True)
    delivery_id = UnicodeAttribute()  # "GM0014-2026-3", what people quote
    municipality = UnicodeAttribute()
    municipality_name = UnicodeAttribute()
    cycle = NumberAttribute()
    registrant_id = UnicodeAttribute()
    personal_code = UnicodeAttribute()
    instrument = UnicodeAttribute()
    definition_version = UnicodeAttribute()
    snapshot = JSONAttribute()  # questions with labels, typed values and display texts
    raw = JSONAttribute()  # the answers as typed, to start a correction from
    consent = BooleanAttribute()
    sent_at = UTCDateTimeAttribute()
    late = BooleanAttribute(default=False)
    revision = NumberAttribute()  # the scope's revision this delivery created
    status = EnumAttribute(DeliveryStatus, default=DeliveryStatus.VALID)
    status_changed_at = UTCDateTimeAttribute(null=True)
    status_changed_by = UnicodeAttribute(null=True)
    status_reason = UnicodeAttribute(null=True)
    approved_by = UnicodeAttribute(null=True)  # four-eyes: the coordinator's registrant id
    approved_at = UTCDateTimeAttribute(null=True)
    # "Publiceren vanaf": the moment chosen by the sender (with four-eyes the approving
    # coordinator) before which the feed does not publish it (None: at once). It counts for
    # everything else at once. Changeable or cancelled until the moment passes; publication
    # happens when the reconciler releases it (ScopeState.released_until).
    publish_at = UTCDateTimeAttribute(null=True)


class ScopeState(TableModel):
    """Per (municipality, cycle): the last sequence number and a revision that increases with
    every change that affects which delivery counts (send, withdraw, restore).

    `counting_sequence` (0: none counts), `counting_late` and `counting_survey_held` say which
    delivery counts and what kind it is, set in the same transaction as each of those changes
    (delivery/history.counting_state), so the season overview reads one small item per
    municipality instead of its deliveries."""

    class Meta:
        table_name = table_name("SCOPE_STATE_TABLE", "scope-state")
        region = REGION

    scope = UnicodeAttribute(hash_key=True)
    last_sequence = NumberAttribute(default=0)
    revision = NumberAttribute(default=0)
    forwarded_revision = NumberAttribute(null=True)
    counting_sequence = NumberAttribute(null=True)  # None: written before it was recorded
    counting_late = BooleanAttribute(null=True)
    # Four-eyes: the delivery waiting for a coordinator's approval (0/None: none waits). Only
    # the newest delivery can wait; a newer send replaces the wait.
    waiting_sequence = NumberAttribute(null=True)
    # False: the delivery that counts says no survey was held; None: written before it was kept
    counting_survey_held = BooleanAttribute(null=True)
    # The helpdesk's exception: this municipality may still send until `allowed_until`
    # (ISO date) after the window closed; who allowed it, when and why (also in the audit trail)
    allowed_until = UnicodeAttribute(null=True)
    allowed_reason = UnicodeAttribute(null=True)
    allowed_by = UnicodeAttribute(null=True)
    allowed_at = UTCDateTimeAttribute(null=True)
    # Publication at a chosen moment (delivery/publishing.py): the moments of deliveries that
    # may still have to be released (ISO UTC; added with the delivery's moment, removed by the
    # reconciler once passed), and the moment up to which the reconciler released them: the
    # feed publishes a delivery with a moment only once that moment <= `released_until`.
    publication_moments = UnicodeSetAttribute(null=True)
    released_until = UTCDateTimeAttribute(null=True)


class AuditEntry(TableModel):
    """Append-only record of a helpdesk action, stored under every subject it concerns
    ("gemeente#GM0014", "registrant#<id>") so each can be listed with one query."""

    class Meta:
        table_name = table_name("AUDIT_TABLE", "audit")
        region = REGION

    subject = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)  # "<ISO time>#<random>": sorts by time
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    details = JSONAttribute(default=dict)


class HeldRequest(TableModel):
    """What a registrant asked for whose e-mail domain did not match: the helpdesk's work queue
    (one query on queue="open"). One request per registrant, however many registrations it
    took, holding the municipalities still waiting (at most MAX_HELD of them, changed with set
    ADD/DELETE in the registrant's transactions); removed when the last one is approved or
    rejected."""

    class Meta:
        table_name = table_name("HELD_TABLE", "held")
        region = REGION

    queue = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # the registrant id ("<id>#<code>" before #25)
    registrant_id = UnicodeAttribute()
    municipalities = UnicodeSetAttribute(null=True)
    municipality = UnicodeAttribute(null=True)  # the one-per-municipality rows before #25
    email_domain = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    @property
    def codes(self) -> list[str]:
        """The municipalities waiting, sorted (either shape)."""
        return sorted(set(self.municipalities or ()) |
                      ({self.municipality} if self.municipality else set()))


class Reminder(TableModel):
    """A reminder to one person for one day: written with attribute_not_exists before the mail
    goes out, so nobody gets two for the same day, whoever or whatever sends them. `job` is
    the queue message that claimed it (a retry of that message may still send); TTL removes
    it after a season."""

    class Meta:
        table_name = table_name("REMINDERS_TABLE", "reminders")
        region = REGION

    key = UnicodeAttribute(hash_key=True)  # "<cycle>#<day, ISO>#<registrant id>"
    registrant_id = UnicodeAttribute()
    cycle = NumberAttribute()
    day = UnicodeAttribute()
    municipalities = UnicodeSetAttribute()
    actor = UnicodeAttribute()
    job = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    sent_at = UTCDateTimeAttribute(null=True)
    expires_at = TTLAttribute()


class TrustedDomain(TableModel):
    """A mail domain the helpdesk trusts for one municipality (on approving a held
    registration, or by hand): addresses at exactly that domain pass the registration check
    for that municipality. Kept in the held table under queue="vertrouwd", so one Query lists
    them all (or one municipality's) and one BatchGetItem checks a registration."""

    class Meta:
        table_name = table_name("HELD_TABLE", "held")
        region = REGION

    queue = UnicodeAttribute(hash_key=True)  # always "vertrouwd"
    key = UnicodeAttribute(range_key=True)  # "<CBS code>#<domain>"
    municipality = UnicodeAttribute()
    domain = UnicodeAttribute()
    trusted_by = UnicodeAttribute()
    trusted_at = UTCDateTimeAttribute()


class MunicipalitySettings(TableModel):
    """What a municipality chose for itself: four-eyes ("vier ogen": a delivery counts only
    after a coordinator other than its sender approved it). Kept in the held table under
    queue="instellingen", beside the trusted domains: one small item per municipality that
    chose anything."""

    class Meta:
        table_name = table_name("HELD_TABLE", "held")
        region = REGION

    queue = UnicodeAttribute(hash_key=True)  # always "instellingen"
    key = UnicodeAttribute(range_key=True)  # the CBS code
    four_eyes = BooleanAttribute(default=False)
    changed_by = UnicodeAttribute(null=True)
    changed_at = UTCDateTimeAttribute(null=True)


class HelpdeskSession(TableModel):
    """A signed-in helpdesk session, held server-side: signing out deletes it (a copied cookie
    is refused), and its user is checked with Cognito again every 15 minutes."""

    class Meta:
        table_name = table_name("HELPDESK_SESSIONS_TABLE", "helpdesk-sessions")
        region = REGION

    id = UnicodeAttribute(hash_key=True)
    user = UnicodeAttribute()
    checked_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


class Measurement(TableModel):
    """A measurement of a municipality (measurement/): the client questionnaire's version, its
    periods, teams, channels and dates. Kept per municipality, so one Query lists them."""

    class Meta:
        table_name = table_name("MEASUREMENTS_TABLE", "measurements")
        region = REGION

    municipality = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)  # 8 characters, also in the public (generic) link
    name = UnicodeAttribute()
    instrument = UnicodeAttribute()
    questionnaire_version = UnicodeAttribute()
    mode = UnicodeAttribute()  # "eenmalig" | "continu" (quarters)
    opens = UnicodeAttribute()  # ISO dates
    closes = UnicodeAttribute()
    teams = JSONAttribute(default=list)  # [{"id": "t1", "name": "Sociaal team Noord"}]
    channels = UnicodeSetAttribute(default=set)
    extra_questions = JSONAttribute(default=list)  # [{"id": "x1", "text": ..., "kind": ...}]
    inviter_ids = UnicodeSetAttribute(null=True)
    upload_ids = UnicodeSetAttribute(null=True)
    # Days (ISO) the municipality left out of the results and of what flows into the delivery
    # (a burst through a generic link): every reader of the responses honours the same set.
    excluded_days = UnicodeSetAttribute(null=True)
    threshold = NumberAttribute(null=True)  # results' minimum; measurement/threshold.py
    # When a representative marked the free-text answers reviewed: only then does the
    # anonymised data file (measurement/data_file.py) hold them.
    free_text_reviewed_at = UTCDateTimeAttribute(null=True)
    letters_made = NumberAttribute(null=True)  # letters printed: approached by post
    created_by = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()
    # Editing (measurement/editing.py): custom periods of a continuous measurement (else
    # quarters), closing early, and the last edits (version, who, when, which fields) that a
    # refused save names.
    periods = JSONAttribute(null=True)  # [{"id": ..., "label": ..., "first": ..., "last": ...}]
    closed_at = UTCDateTimeAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    edits = JSONAttribute(null=True)  # [{"v": 2, "by": "registrant#…", "at": ISO, "fields": […]}]


class Inviter(TableModel):
    """An inviter ("uitnodiger") of one measurement (optionally one team): staff, signed in by
    a personal link (only its hash is kept); `sent` and `answered` are their own counts."""

    class Meta:
        table_name = table_name("INVITERS_TABLE", "inviters")
        region = REGION

    id = UnicodeAttribute(hash_key=True)
    municipality = UnicodeAttribute()
    measurement_id = UnicodeAttribute()
    team = UnicodeAttribute(null=True)
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    link_hash = UnicodeAttribute()
    sent = NumberAttribute(default=0)
    answered = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()


class Invitation(TableModel):
    """A client's single-use invitation, keyed by the SHA-256 of its token (the token itself is
    never stored). It holds the channel, team and day sent — never a phone number or address —
    and whether it was spent; it expires (TTL) a week after its period ends."""

    class Meta:
        table_name = table_name("INVITATIONS_TABLE", "invitations")
        region = REGION

    key = UnicodeAttribute(hash_key=True)  # "t#<sha-256 of the token>"
    municipality = UnicodeAttribute()
    measurement_id = UnicodeAttribute()
    period = UnicodeAttribute()
    channel = UnicodeAttribute()
    team = UnicodeAttribute(null=True)
    day = UnicodeAttribute()
    inviter_id = UnicodeAttribute(null=True)
    spent = BooleanAttribute(default=False)
    valid_until = UnicodeAttribute()  # the period's last day (ISO)
    expires_at = TTLAttribute(null=True)
    reminder = BooleanAttribute(null=True)  # a ClientReminder waits: answering deletes it


class ReminderDueIndex(GlobalSecondaryIndex["ClientReminder"]):
    """The reminders due on a day (keys only: the contact stays in the one item)."""

    class Meta:
        index_name = "reminders-due"
        projection = KeysOnlyProjection()

    remind_on = UnicodeAttribute(hash_key=True)


class ClientReminder(TableModel):
    """The one reminder to a client who has not answered (measurement/client_reminders.py),
    kept beside the invitations as "r#<sha-256 of the token>": the only place a phone number
    or address rests, and only until the reminder is sent, the client answers, or (TTL) the
    day after it was due."""

    class Meta:
        table_name = table_name("INVITATIONS_TABLE", "invitations")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    remind_on = UnicodeAttribute()  # ISO day
    due = ReminderDueIndex()
    channel = UnicodeAttribute()
    to = UnicodeAttribute()
    link = UnicodeAttribute()
    expires_at = TTLAttribute()


class KioskDevice(TableModel):
    """A tablet's device session ("kiosk"), kept beside the invitations: started by an
    inviter, it ends at the end of its day or when ended."""

    class Meta:
        table_name = table_name("INVITATIONS_TABLE", "invitations")
        region = REGION

    key = UnicodeAttribute(hash_key=True)  # "kiosk#<id>"
    municipality = UnicodeAttribute()
    measurement_id = UnicodeAttribute()
    team = UnicodeAttribute(null=True)
    inviter_id = UnicodeAttribute()
    day = UnicodeAttribute()
    ended = BooleanAttribute(default=False)
    expires_at = TTLAttribute(null=True)


class ShortCode(TableModel):
    """A letter's short code to type (`c#<sha-256 of the code>`), kept beside the invitations:
    it points at the letter's invitation (by the hash of its token) and expires with it."""

    class Meta:
        table_name = table_name("INVITATIONS_TABLE", "invitations")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    invitation_key = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


class ContactUpload(TableModel):
    """One uploaded contact list (`upload#<id>`), kept beside the invitations: how many
    invitations it queued and how many were sent or could not be — never a contact."""

    class Meta:
        table_name = table_name("INVITATIONS_TABLE", "invitations")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    municipality = UnicodeAttribute()
    measurement_id = UnicodeAttribute()
    day = UnicodeAttribute()
    queued = NumberAttribute(default=0)
    sent = NumberAttribute(default=0)
    failed = NumberAttribute(default=0)
    inviter_id = UnicodeAttribute(null=True)  # an inviter's upload counts in their `sent` too
    expires_at = TTLAttribute(null=True)  # its counts are kept for 400 days


class ContactChunk(TableModel):
    """Part of a checked contact list waiting to be fanned out (`list#<upload id>#<n>`, up to
    CHUNK contacts as [channel, to, team, ref]), beside the invitations: deleted as soon as its
    invitations' jobs are queued, else by TTL a day later (measurement/contacts.py)."""

    class Meta:
        table_name = table_name("INVITATIONS_TABLE", "invitations")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    contacts = JSONAttribute()
    expires_at = TTLAttribute()


class ClientResponse(TableModel):
    """One client's answers: the measurement, period, channel, team, the day of answering and
    the answers — nothing else (no token, address, IP, user agent or finer time)."""

    class Meta:
        table_name = table_name("RESPONSES_TABLE", "responses")
        region = REGION

    measurement = UnicodeAttribute(hash_key=True)  # "<municipality>#<measurement id>"
    id = UnicodeAttribute(range_key=True)  # random, says nothing
    period = UnicodeAttribute()
    channel = UnicodeAttribute()
    team = UnicodeAttribute(null=True)
    day = UnicodeAttribute()
    answers = JSONAttribute(default=dict)



class BurstRecord(TableModel):
    """How many responses through a generic link were refused on one day because one network
    address sent too many (`~burst#<day>`, kept beside the responses, sorting after them): the
    follow-up's results show such bursts and let the municipality exclude one."""

    class Meta:
        table_name = table_name("RESPONSES_TABLE", "responses")
        region = REGION

    measurement = UnicodeAttribute(hash_key=True)
    id = UnicodeAttribute(range_key=True)
    day = UnicodeAttribute(null=True)
    refused = NumberAttribute(default=0)


class ResultCounter(TableModel):
    """One count of the results (measurement/counting.py), kept in the results table under a
    write shard of a measurement (`<municipality>#<id>#<shard>`): `r#<response id>` marks a
    response as counted (written once, on the condition that it does not exist), `n#...` and
    `a#...` count responses and answers per period, team and day (`n` raised with ADD)."""

    class Meta:
        table_name = table_name("RESULTS_TABLE", "results")
        region = REGION

    key = UnicodeAttribute(hash_key=True)
    item = UnicodeAttribute(range_key=True)
    n = NumberAttribute(default=0)


class ResultSnapshot(TableModel):
    """What the results pages show of one group (period or all, team or all) of a measurement,
    under the measurement's own key (one Query reads them all): the figures at the moment the
    group's count reached a step of the threshold (measurement/threshold.py). `kind` "shown"
    or, for a period that had closed when late responses came in, "correction". Signals sent
    are kept beside them (`signal#<period>#<question>`)."""

    class Meta:
        table_name = table_name("RESULTS_TABLE", "results")
        region = REGION

    key = UnicodeAttribute(hash_key=True)  # "<municipality>#<measurement id>"
    item = UnicodeAttribute(range_key=True)  # "s#<kind>#<period or *>#<team or *>"
    responses = NumberAttribute(default=0)  # the step the figures stand for
    counts = JSONAttribute(default=dict)  # {question: {answer: n}}
    late = NumberAttribute(null=True)  # responses counted after the period closed
    written_at = UnicodeAttribute(null=True)


ALL_MODELS: tuple[type[Model], ...] = (Registrant, Lookup, RateCounter, Draft, PendingInput,
                                       Membership, Delivery, ScopeState, AuditEntry, HeldRequest,
                                       HelpdeskSession, Reminder,
                                       TrustedDomain, MunicipalitySettings,
                                       Measurement, Inviter, Invitation, KioskDevice, ShortCode,
                                       ContactUpload, BurstRecord,
                                       ClientResponse, ResultCounter, ResultSnapshot,
                                       ClientReminder, ContactChunk)
