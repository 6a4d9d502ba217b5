"""Finding a registrant by what a caller says: a name (any part of it, from its start, without
case or accents), an e-mail address (or its start) or a phone number (as typed, normalised) —
never by scanning.

Every registrant has search entries in the lookups table, written in the same transaction as
the registrant itself and rewritten (or deleted) in the same transaction as any change to its
name, e-mail or phone. An entry's `bucket` and `term` are the keys of the table's `search`
index: "naam#<first letter>" with each tail of the folded name ("anna de vries", "de vries",
"vries"), "email#<first character>" with the address, "telefoon" with the E.164 number. A
search is one Query on that index (begins_with on the term) and one BatchGetItem of the
registrants found. The index is eventually consistent: a registrant is findable within a
second of being stored, the e-mail and personal-code look-ups at once."""
from __future__ import annotations

import re
import unicodedata

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from ..platform.models import Lookup, Registrant, connection
from ..platform.records import Record, field
from . import registrants
from .contact_fields import clean_phone

MAX_NAME_PARTS = 6  # tails of the name that get an entry: "a b c d e f g" → 6 entries
MAX_TERM = 100
LIMIT = 50  # entries read per search; more means "type more of the name"
MIN_NAME_QUERY = 2

# Letters that Unicode does not decompose into a base letter and an accent.
_LOOSE = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
                        "þ": "th", "ı": "i"})


def fold(text: str) -> str:
    """How people type a name: no case, accents or punctuation; letters of any script stay
    ("Súdwest-Fryslân", "SUDWEST fryslan" and "sudwest-fryslân" fold alike)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LOOSE))
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())


def name_terms(name: str) -> list[str]:
    """Each tail of the folded name, longest first: a search matches from the start of any
    part ("vries", "de vr", "anna de")."""
    parts = fold(name).split()
    terms = [" ".join(parts[i:])[:MAX_TERM] for i in range(min(len(parts), MAX_NAME_PARTS))]
    return list(dict.fromkeys(term for term in terms if term))


def entries(registrant: Registrant) -> list[Lookup]:
    """The registrant's search entries (to write in its transaction)."""
    found = [Lookup(f"zoek#naam#{term}#{registrant.id}", registrant_id=registrant.id,
                    bucket=f"naam#{term[0]}", term=term)
             for term in name_terms(registrant.name)]
    email = registrant.email.lower()
    found.append(Lookup(f"zoek#email#{email}#{registrant.id}", registrant_id=registrant.id,
                        bucket=f"email#{email[0]}", term=email))
    if registrant.phone:
        number, error = clean_phone(registrant.phone)  # stored as E.164 by the forms already
        number = registrant.phone if error else number
        found.append(Lookup(f"zoek#telefoon#{number}#{registrant.id}",
                            registrant_id=registrant.id, bucket="telefoon", term=number))
    return found


def entry_keys(registrant: Registrant) -> set[str]:
    return {entry.key for entry in entries(registrant)}


class Matches(Record):
    registrants: list[Registrant] = field(default_factory=list)
    more: bool = False  # more entries matched than one search reads


def _search(bucket: str, term: str, exact: bool = False) -> Matches:
    condition = Lookup.term == term if exact else Lookup.term.startswith(term)
    ids: list[str] = []
    read = 0
    for entry in Lookup.search.query(bucket, condition, limit=LIMIT + 1):
        read += 1
        if read > LIMIT:
            break
        if entry.registrant_id not in ids:
            ids.append(entry.registrant_id)
    return Matches(registrants=registrants.by_ids(ids), more=read > LIMIT)


def by_name(text: str) -> Matches:
    folded = fold(text)[:MAX_TERM]
    if len(folded) < MIN_NAME_QUERY:
        return Matches()
    return _search(f"naam#{folded[0]}", folded)


def by_email(text: str) -> Matches:
    """An address, or the start of one ("a.devries@" or "a.devries")."""
    typed = text.strip().lower()[:254]
    if len(typed) < MIN_NAME_QUERY:
        return Matches()
    return _search(f"email#{typed[0]}", typed)


_PHONE = re.compile(r"^\+?[0-9 ()./-]{6,32}$")


def looks_like_phone(text: str) -> bool:
    return bool(_PHONE.match(text.strip())) and sum(c.isdigit() for c in text) >= 6


def by_phone(text: str) -> Matches:
    """The number as it would have been stored (Dutch numbers without +31 too)."""
    number, error = clean_phone(text)
    if error:
        return Matches()
    return _search("telefoon", number, exact=True)


def reindex() -> tuple[int, int]:
    """Writes every registrant's search entries (once, after the update that brought people
    search to a stack that held registrants; harmless to repeat). An operator's command: it
    scans the registrants table. Each registrant's entries go in one transaction on the
    condition that it is still as scanned: one corrected or erased meanwhile has its entries
    written (or deleted) by that change, and an old name must not come back. Returns
    (written, skipped because changed meanwhile)."""
    written = skipped = 0
    for registrant in Registrant.scan():
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.condition_check(
                    Registrant, registrant.id,
                    condition=Registrant.updated_at == registrant.updated_at)
                for entry in entries(registrant):
                    transaction.save(entry)
        except TransactWriteError as error:
            if not any(reason is not None and reason.code == "ConditionalCheckFailed"
                       for reason in (error.cancellation_reasons or [])):
                raise
            skipped += 1
            continue
        written += 1
    return written, skipped
