"""Contact lists: a CSV (one mobile number or e-mail address per line, optionally a team)
exported from Excel in UTF-8 or Windows-1252, up to 100,000 lines. Read line by line from
memory and never stored; every line checked (phonenumbers, email-validator) with a Dutch error
naming its line; duplicates removed. Queuing puts one job per contact on the queue, ten per
request; the worker makes each invitation and sends it."""
from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pynamodb.transactions import TransactWrite

from ..platform import audit, config, outbox
from ..platform.models import ContactChunk, ContactUpload, Measurement, connection
from ..platform.records import Record, field
from . import invitations, measurements

MAX_LINES = 100_000
MAX_BYTES = 5 * 1024 * 1024  # below Lambda's 6 MB request limit
SHOWN_ERRORS = 50
PARALLEL = 8  # SendMessageBatch requests in flight at once
CHUNK = 2_000  # contacts per stored chunk (~100 kB) and per fan-out job
FAN_OUT_KIND = "meting-contactlijst"


class Contact(Record):
    channel: str  # "sms" | "email"
    to: str
    team: str | None


class Checked(Record):
    """What a file holds: counts, the first errors per line, and (for queuing) the contacts
    as an iterator that reads the file again."""

    lines: int = 0
    phones: int = 0
    emails: int = 0
    duplicates: int = 0
    empty: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    too_many: bool = False

    @property
    def valid(self) -> int:
        return self.phones + self.emails


def _text(data: bytes) -> io.TextIOBase:
    """The file as text: UTF-8 (with or without Excel's BOM), else Windows-1252."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")


def _dialect(first: str) -> str:
    return ";" if first.count(";") > first.count(",") else ","


def read(data: bytes, measurement: Measurement,
         fixed_team: str | None = None) -> Iterator[tuple[int, Contact | str | None]]:
    """(line number, contact | Dutch error | None for an empty or header line), line by line."""
    stream = _text(data)
    first = stream.readline()
    stream.seek(0)
    names = {t["name"].lower(): t["id"] for t in measurement.teams}
    for number, row in enumerate(csv.reader(stream, delimiter=_dialect(first)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            yield number, None
            continue
        value = cells[0]
        if number == 1 and value.lower() in ("telefoon", "telefoonnummer", "mobiel", "e-mail",
                                             "email", "e-mailadres", "contact", "nummer"):
            yield number, None
            continue
        team = fixed_team
        if fixed_team is None and len(cells) > 1 and cells[1]:
            team = names.get(cells[1].lower())
            if team is None:
                yield number, (f"Regel {number}: het team ‘{cells[1][:40]}’ bestaat niet in "
                               "deze meting")
                continue
        channel, contact, error = invitations.clean_contact(value)
        if error:
            yield number, f"Regel {number}: {error}"
        else:
            yield number, Contact(channel, contact, team)


def _fingerprint(contact: Contact) -> bytes:
    return hashlib.sha256(f"{contact.channel}:{contact.to}".encode()).digest()[:16]


def check(data: bytes, measurement: Measurement, fixed_team: str | None = None) -> Checked:
    checked = Checked()
    seen: set[bytes] = set()
    for number, found in read(data, measurement, fixed_team):
        checked.lines = number
        if number > MAX_LINES:
            checked.too_many = True
            break
        if found is None:
            checked.empty += 1
        elif isinstance(found, str):
            checked.error_count += 1
            if len(checked.errors) < SHOWN_ERRORS:
                checked.errors.append(found)
        elif _fingerprint(found) in seen:
            checked.duplicates += 1
        else:
            seen.add(_fingerprint(found))
            if found.channel == "sms":
                checked.phones += 1
            else:
                checked.emails += 1
    return checked


def unique(data: bytes, measurement: Measurement,
           fixed_team: str | None = None) -> Iterator[Contact]:
    seen: set[bytes] = set()
    for number, found in read(data, measurement, fixed_team):
        if number > MAX_LINES:
            return
        if isinstance(found, Contact) and _fingerprint(found) not in seen:
            seen.add(_fingerprint(found))
            yield found


def seal(data: bytes, team: str | None) -> str:
    """What the preview hands to the confirmation: proof that the same file is sent again."""
    digest = hashlib.sha256(data).hexdigest()
    return hmac.new(config.secret_key().encode(), f"contactlijst#{digest}#{team}".encode(),
                    hashlib.sha256).hexdigest()


def queue(data: bytes, measurement: Measurement, fixed_team: str | None, actor: str,
          inviter_id: str | None = None, channels: set[str] | None = None,
          remind: bool = False) -> ContactUpload:
    """Records the upload (counts only) with its audit entry, then queues one job per unique
    contact, ten per SendMessageBatch, a few batches at a time."""
    upload = ContactUpload(f"upload#{secrets.token_hex(8)}", municipality=measurement.municipality,
                           measurement_id=measurement.id,
                           day=measurements.today().isoformat(), queued=0, sent=0, failed=0,
                           inviter_id=inviter_id,
                           expires_at=datetime.now(UTC) + timedelta(days=400))
    now = datetime.now(UTC)
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(upload, condition=ContactUpload.key.does_not_exist())
        transaction.update(measurement, actions=[Measurement.upload_ids.add({upload.key})],
                           condition=Measurement.id.exists())
        audit.save_in(transaction, audit.writes(
            actor, "contactlijst verstuurd", [audit.subject_municipality(measurement.municipality)],
            details={"meting": measurement.id, "upload": upload.key}, now=now))
    allowed = channels if channels is not None else set(measurement.channels)
    total, chunks, chunk = 0, 0, []
    gone = datetime.now(UTC) + timedelta(days=1)
    with ContactChunk.batch_write() as batch:  # 25 items a request, the file read once
        for contact in unique(data, measurement, fixed_team):
            if contact.channel not in allowed:
                continue
            chunk.append([contact.channel, contact.to, contact.team, secrets.token_hex(16)])
            total += 1
            if len(chunk) == CHUNK:
                batch.save(ContactChunk(f"list#{upload.key}#{chunks}", contacts=chunk,
                                        expires_at=gone))
                chunks, chunk = chunks + 1, []
        if chunk:
            batch.save(ContactChunk(f"list#{upload.key}#{chunks}", contacts=chunk,
                                    expires_at=gone))
            chunks += 1
    upload.update(actions=[ContactUpload.queued.set(total)])
    outbox.enqueue({"kind": FAN_OUT_KIND, "upload": upload.key, "chunks": chunks,
                    "municipality": measurement.municipality, "measurement": measurement.id,
                    "inviter": inviter_id, **({"remind": True} if remind else {})},
                   queue=outbox.contact_list_queue_url())
    return upload


def fan_out(job: dict, job_id: str) -> None:
    """The mail worker's handler of the contact-list queue: the upload's one job becomes a
    job per chunk (queued on the same queue); a chunk becomes one invitation job per contact
    on the mail queue, ten per SendMessageBatch, a few requests in flight; then the chunk is
    deleted. A chunk already gone (a retry after its delete) queues nothing again."""
    if "chunk" not in job:
        outbox.enqueue_many([{**job, "chunk": n} for n in range(int(job["chunks"]))],
                            queue=outbox.contact_list_queue_url())
        return
    key = f"list#{job['upload']}#{int(job['chunk'])}"
    try:
        chunk = ContactChunk.get(key, consistent_read=True)
    except ContactChunk.DoesNotExist:
        return
    jobs = [{"kind": invitations.JOB_KIND, "channel": channel, "to": to, "team": team,
             "upload": job["upload"], "municipality": job["municipality"],
             "measurement": job["measurement"], "inviter": job.get("inviter"), "ref": ref,
             **({"remind": True} if job.get("remind") else {})}
            for channel, to, team, ref in chunk.contacts]
    batches = [jobs[start:start + 10] for start in range(0, len(jobs), 10)]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        list(pool.map(outbox.enqueue_many, batches))
    chunk.delete()


def of_measurement(measurement: Measurement) -> list[ContactUpload]:
    keys = sorted(measurement.upload_ids or ())
    return sorted(ContactUpload.batch_get(keys), key=lambda u: u.key) if keys else []
