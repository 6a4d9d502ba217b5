"""Nothing typed is lost when a session expires mid-form: the posted page is kept, and after
following the link again the user is back on that page with their input, ready to save."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from ..platform.instruments import WMO, base_path
from ..platform.models import PendingInput, Registrant, connection

KEEP_FOR = timedelta(days=14)
# the browser's cookie names the kept input of this many pages typed on last (accounts/access.py)
NAMED_PER_BROWSER = 5


def keep(registrant_id: str, municipality: str, section: str,
         fields: Mapping[str, Sequence[str]], seen_version: int,
         csrf_field: str = "csrf_token", instrument: str = WMO) -> PendingInput | None:
    """Keeps the input for its owner, in one transaction with the registrant's list of kept
    input (which erasure removes), on condition that the registrant still exists and still
    represents the municipality: None, nothing stored, for an erased or removed registrant's
    cookie, or for a municipality they do not represent."""
    item = PendingInput(secrets.token_urlsafe(18), registrant_id=registrant_id,
                        municipality=municipality, section=section,
                        fields={k: list(v) for k, v in fields.items() if k != csrf_field},
                        seen_version=seen_version,
                        instrument=None if instrument == WMO else instrument,
                        expires_at=datetime.now(UTC) + KEEP_FOR)
    return _stored(item, PendingInput.id.does_not_exist())


TYPED_PREFIX = "getypt-"


def typed_id(registrant_id: str, municipality: str, section: str,
             instrument: str = WMO) -> str:
    """The one place a person's typed-not-saved input of one page is kept (autosave): each
    new keystroke pause replaces it, never adds. Only `find` with its owner reads it. Per
    instrument (Wmo's id as before Jeugd existed): typing on a Jeugd page never replaces what
    was kept on the Wmo page of the same name."""
    slug = "" if instrument == WMO else f"|{instrument}"
    digest = hashlib.sha256(f"{registrant_id}|{municipality}|{section}{slug}".encode()
                            ).hexdigest()
    return TYPED_PREFIX + digest[:40]


def keep_typed(registrant_id: str, municipality: str, section: str,
               fields: Mapping[str, Sequence[str]], seen_version: int,
               instrument: str = WMO) -> PendingInput | None:
    """Keeps what is being typed on a page of `instrument`, before it is saved (the page's
    script sends it after a pause and when the page is left): unsaved input beside the draft,
    offered back when that instrument's page or the link is opened again, never written into
    the shared draft. Same conditions as `keep` (the registrant exists and represents the
    municipality)."""
    item = PendingInput(typed_id(registrant_id, municipality, section, instrument),
                        registrant_id=registrant_id, municipality=municipality,
                        section=section, fields={k: list(v) for k, v in fields.items()},
                        seen_version=seen_version,
                        instrument=None if instrument == WMO else instrument,
                        expires_at=datetime.now(UTC) + KEEP_FOR)
    return _stored(item, PendingInput.id.does_not_exist()
                   | (PendingInput.registrant_id == registrant_id))


def _stored(item: PendingInput, condition: Condition) -> PendingInput | None:
    """Saves the kept input in one transaction with its owner's list of kept input (which
    erasure removes): None, nothing stored, when the owner is gone or no longer represents
    the municipality, or `condition` fails."""
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(item, condition=condition)
            transaction.update(Registrant(str(item.registrant_id)),
                               actions=[Registrant.kept_inputs.add({item.id})],
                               condition=Registrant.id.exists()
                               & Registrant.municipalities.contains(str(item.municipality)))
    except TransactWriteError as error:
        reasons = [r.code if r else None for r in (error.cancellation_reasons or [])]
        if "ConditionalCheckFailed" in reasons:
            return None
        raise
    return item


def find(pending_id: str, registrant_id: str) -> PendingInput | None:
    """The kept input, only for the registrant it belongs to."""
    if not pending_id or len(pending_id) > 64:
        return None
    try:
        item = PendingInput.get(pending_id, consistent_read=True)
    except DoesNotExist:
        return None
    if item.registrant_id != registrant_id or item.expires_at < datetime.now(UTC):
        return None
    return item


def forget(pending_id: str, registrant_id: str) -> None:
    """Removes kept input once its owner saved it: only the owner's (the delete is
    conditional on it), never someone else's by its id."""
    try:
        PendingInput(pending_id).delete(condition=PendingInput.registrant_id == registrant_id)
    except DeleteError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return  # not theirs, or gone already: nothing to do
        raise
    try:
        Registrant(registrant_id).update(actions=[Registrant.kept_inputs.delete({pending_id})],
                                         condition=Registrant.id.exists())
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def path_of(kept: PendingInput) -> str:
    """The page the input was typed on, showing it again (not yet saved)."""
    base = base_path(str(kept.municipality), str(kept.instrument or WMO))
    return f"{base}/vragen/{kept.section}?hersteld={kept.id}"


def page_tag(registrant_id: str, municipality: str, section: str,
             instrument: str = WMO) -> str:
    """A short tag of one person's page (municipality, instrument, section): the browser's
    cookie names each kept id with it, so a page picks its own id without reading the others.
    A hash, so the cookie shows no municipality or page."""
    return hashlib.sha256(f"tag|{registrant_id}|{municipality}|{instrument}|{section}".encode()
                          ).hexdigest()[:12]


def tag_of(kept: PendingInput) -> str:
    return page_tag(str(kept.registrant_id), str(kept.municipality), str(kept.section),
                    str(kept.instrument or WMO))


def restore_path(pending_ids: Sequence[str], registrant_id: str) -> str | None:
    """After signing in again: the page of the newest input kept for this person (when the
    session ended, or typed and not saved) that is still there."""
    for pending_id in pending_ids:
        kept = find(pending_id, registrant_id)
        if kept is not None:
            return path_of(kept)
    return None
