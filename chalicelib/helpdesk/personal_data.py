"""The helpdesk's handling of personal data (AVG): correcting a registrant's name, e-mail and
phone, and erasing a registrant, each with its audit entries in the same transaction. Audit
entries name the fields that changed and the personal code (the pseudonym deliveries keep),
never a name, address or number, so an erased person is nowhere in the tables."""
from __future__ import annotations

from datetime import datetime

from ..accounts import personal_data, retention
from ..accounts.contact_fields import clean_email, clean_phone
from ..accounts.registration_form import MAX_NAME_LENGTH
from ..platform.models import Registrant
from ..platform.records import Record, field
from ..platform.text_input import clean_line
from . import audit
from .actions import ActionRefused

MAX_MUNICIPALITY_ENTRIES = 20
STALE = ("Iemand anders heeft deze aanmelder intussen gewijzigd of verwijderd. Bekijk de "
         "gegevens opnieuw; er is niets opgeslagen.")


class CorrectionForm(Record):
    """What the helpdesk typed (kept for re-display) and the Dutch errors, per field."""

    name: str = ""
    email: str = ""
    phone: str = ""
    reason: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    cleaned: personal_data.Correction | None = None


def validate(name: str, email: str, phone: str, reason: str) -> CorrectionForm:
    form = CorrectionForm(name=name[:300], email=email[:300], phone=phone[:100],
                          reason=reason[:1000])
    clean_name, error = clean_line(name, "de naam", MAX_NAME_LENGTH, min_length=2)
    if error:
        form.errors["naam"] = error
    clean_address, error = clean_email(email)
    if error:
        form.errors["email"] = error.replace("uw e-mailadres", "het e-mailadres")
    clean_number, error = clean_phone(phone)
    if error:
        form.errors["telefoon"] = error.replace("uw telefoonnummer", "het telefoonnummer")
    if not reason.strip():
        form.errors["reden"] = "Geef een reden op; die komt in het logboek"
    if not form.errors:
        form.cleaned = personal_data.Correction(clean_name, clean_address, clean_number)
    return form


def correct(actor: str, registrant: Registrant, seen_version: str,
            form: CorrectionForm) -> tuple[Registrant, list[str]]:
    """Returns the corrected registrant and the Dutch names of what changed."""
    if form.cleaned is None:
        raise ActionRefused("Het formulier bevat fouten.")
    changed = form.cleaned.changed_fields(registrant)
    if not changed:
        raise ActionRefused("Er is niets gewijzigd: de gegevens waren al zo.")
    entries = audit.entries_for(actor, "gegevens gecorrigeerd",
                                [audit.subject_registrant(registrant.id)], form.reason.strip(),
                                {"gewijzigd": ", ".join(changed)})
    try:
        fresh = personal_data.correct(registrant, seen_version, form.cleaned,
                                      extra=audit.writes(entries))
    except personal_data.Stale as stale:
        raise ActionRefused(STALE) from stale
    except personal_data.AddressTaken as taken:
        owner = f" (persoonlijke code {taken.personal_code})" if taken.personal_code else ""
        raise ActionRefused(f"Dit e-mailadres hoort al bij een andere aanmelder{owner}. Een "
                            "adres kan maar bij één aanmelder horen.") from taken
    return fresh, changed


def erase(actor: str, registrant: Registrant, reason: str, seen_version: str | None = None
          ) -> None:
    """Erases the registrant; its deliveries stay under its personal code. With
    `seen_version` (a page), a registrant changed since is refused rather than erased."""
    if not reason.strip():
        raise ActionRefused("Geef een reden op; die komt in het logboek.")
    if seen_version is not None and seen_version != personal_data.version_of(registrant):
        raise ActionRefused(STALE)
    codes = sorted(set(registrant.municipalities or ()) |
                   set(registrant.held_municipalities or ()))
    # under the registrant and each of its municipalities (up to a number that leaves room in
    # the transaction for what is erased; the registrant's own entry names them all)
    entries = audit.entries_for(
        actor, "aanmelder verwijderd (persoonsgegevens gewist)",
        [audit.subject_registrant(registrant.id),
         *(audit.subject_municipality(code) for code in codes[:MAX_MUNICIPALITY_ENTRIES])],
        reason.strip()[:1000], {"persoonlijke_code": registrant.personal_code,
                                "gemeenten": ", ".join(codes) or "geen"})
    try:
        personal_data.erase(registrant, extra=audit.writes(entries))
    except personal_data.Stale as stale:
        raise ActionRefused("Deze aanmelder is al verwijderd; iemand anders was u voor.") \
            from stale


def apply_retention(actor: str, apply: bool = False, now: datetime | None = None
                    ) -> list[retention.Due]:
    """Who the retention rules say to erase now; with `apply`, erases them (each on its own,
    audited as any erasure, the rule as the reason)."""
    found = retention.due(now)
    if apply:
        for item in found:
            try:
                erase(actor, item.registrant, f"Bewaartermijn verstreken: {item.reason}")
            except ActionRefused:  # erased meanwhile by someone else
                continue
    return found
