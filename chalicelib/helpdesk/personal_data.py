"""The helpdesk's handling of personal data (AVG): correcting a registrant's name, e-mail and
phone, and erasing a registrant, each with its audit entries in the same transaction. Audit
entries name the fields that changed and the personal code (the pseudonym deliveries keep),
never a name, address or number, so an erased person is nowhere in the tables.

The retention rules (accounts/retention.py) are applied every night by the `apply_retention`
schedule (app.py; RETENTION_SCHEDULE: apply, dry-run or off) and by hand with the CLI
(`retention --apply`). Each registrant is erased on its own, audited as any erasure with the
rule as the reason, and only if it did not change since the rules looked at it. A run that
found anyone leaves one entry in the "bewaartermijn" trail (the helpdesk's start page) saying
what it found and erased. A nightly run that finds more than RETENTION_MAX_PER_RUN erases none
of them (metric RetentionHeldBack, alarmed): so many at once — a misconfigured rule, or the
first night after a season closed — wants a person to look (`retention`, then `--apply`)."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from ..accounts import personal_data, registrants, retention
from ..accounts.contact_fields import clean_email, clean_phone
from ..accounts.registration_form import MAX_NAME_LENGTH
from ..platform import audit, config
from ..platform.logs import logger
from ..platform.metrics import for_service
from ..platform.models import Registrant
from ..platform.records import Record, field
from ..platform.text_input import clean_line
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
    entries = audit.writes(actor, "gegevens gecorrigeerd",
                                [audit.subject_registrant(registrant.id)], form.reason.strip(),
                                {"gewijzigd": ", ".join(changed)})
    try:
        fresh = personal_data.correct(registrant, seen_version, form.cleaned,
                                      extra=entries)
    except personal_data.Stale as stale:
        raise ActionRefused(STALE) from stale
    except personal_data.AddressTaken as taken:
        owner = f" (persoonlijke code {taken.personal_code})" if taken.personal_code else ""
        raise ActionRefused(f"Dit e-mailadres hoort al bij een andere aanmelder{owner}. Een "
                            "adres kan maar bij één aanmelder horen.") from taken
    return fresh, changed


def erase(actor: str, registrant: Registrant, reason: str, seen_version: str | None = None,
          unchanged: bool = False) -> None:
    """Erases the registrant; its deliveries stay under its personal code. With
    `seen_version` (a page) or `unchanged` (the retention rules), a registrant changed since
    it was read is refused rather than erased."""
    if not reason.strip():
        raise ActionRefused("Geef een reden op; die komt in het logboek.")
    if seen_version is not None and seen_version != personal_data.version_of(registrant):
        raise ActionRefused(STALE)
    codes = sorted(set(registrant.municipalities or ()) |
                   set(registrant.held_municipalities or ()))
    # under the registrant and each of its municipalities (up to a number that leaves room in
    # the transaction for what is erased; the registrant's own entry names them all)
    entries = audit.writes(
        actor, "aanmelder verwijderd (persoonsgegevens gewist)",
        [audit.subject_registrant(registrant.id),
         *(audit.subject_municipality(code) for code in codes[:MAX_MUNICIPALITY_ENTRIES])],
        reason.strip()[:1000], {"persoonlijke_code": registrant.personal_code,
                                "gemeenten": ", ".join(codes) or "geen"})
    try:
        personal_data.erase(registrant, extra=entries,
                            unchanged=unchanged or seen_version is not None)
    except personal_data.Stale as stale:
        if seen_version is not None and registrants.get(registrant.id) is not None:
            raise ActionRefused(STALE) from stale  # changed since the page was shown
        raise ActionRefused("Deze aanmelder is al verwijderd; iemand anders was u voor.") \
            from stale


# --- retention -------------------------------------------------------------------------------

RETENTION_ACTOR = "bewaartermijn (automatisch)"  # the nightly run, in the audit trail
RETENTION_SUBJECT = audit.SUBJECT_RETENTION  # the trail of the runs (helpdesk start page)
MAX_CODES_IN_ENTRY = 200  # personal codes named in a run's entry (the rest counted)


class RetentionRun:
    """What one run of the retention rules found and did."""

    __slots__ = ("due", "erased", "held_back", "mode")

    def __init__(self, mode: str, due: list[retention.Due], erased: list[retention.Due],
                 held_back: bool) -> None:
        self.mode, self.due, self.erased, self.held_back = mode, due, erased, held_back

    def summary(self) -> dict[str, Any]:
        return {"mode": self.mode, "due": len(self.due), "erased": len(self.erased),
                "held_back": self.held_back,
                "reasons": dict(Counter(item.reason for item in self.due))}


def run_retention(actor: str, mode: str, limit: int | None = None,
                  now: datetime | None = None) -> RetentionRun:
    """Applies the retention rules: "apply" erases whom they name (unless more than `limit`
    are due: then none), "dry-run" only reports them. Leaves an entry in the retention trail
    when anyone was due."""
    found = retention.due(now)
    held_back = mode == "apply" and limit is not None and len(found) > limit
    erased = []
    if mode == "apply" and not held_back:
        for item in found:
            try:
                erase(actor, item.registrant, f"Bewaartermijn verstreken: {item.reason}",
                      unchanged=True)
            except ActionRefused:  # erased meanwhile, or active again since the rules looked
                continue
            erased.append(item)
    done = RetentionRun(mode, found, erased, held_back)
    if found:
        _audit_run(actor, done, limit)
    return done


def _audit_run(actor: str, done: RetentionRun, limit: int | None) -> None:
    named = done.erased if done.mode == "apply" and not done.held_back else done.due
    codes = [item.registrant.personal_code for item in named]
    details: dict[str, Any] = {
        "gevonden": len(done.due), "verwijderd": len(done.erased),
        "regels": ", ".join(f"{reason}: {count}" for reason, count
                            in sorted(done.summary()["reasons"].items())),
        "persoonlijke_codes": ", ".join(codes[:MAX_CODES_IN_ENTRY])
        + (f" en {len(codes) - MAX_CODES_IN_ENTRY} meer" if len(codes) > MAX_CODES_IN_ENTRY
           else "")}
    if done.held_back:
        action = (f"bewaartermijn tegengehouden: {len(done.due)} aanmelders te verwijderen, "
                  f"meer dan {limit} in één nacht; niemand verwijderd")
    elif done.mode == "apply":
        action = f"bewaartermijn toegepast: {len(done.erased)} aanmelder(s) verwijderd"
    else:
        action = f"bewaartermijn (proefdraai): {len(done.due)} aanmelder(s) te verwijderen"
    audit.record(actor, action, [RETENTION_SUBJECT], details=details)


def scheduled_retention(now: datetime | None = None) -> dict[str, Any]:
    """The nightly `apply_retention` schedule, as RETENTION_SCHEDULE says."""
    mode = config.retention_schedule()
    if mode == "off":
        logger.info("retention schedule off")
        return {"mode": "off", "due": 0, "erased": 0, "held_back": False, "reasons": {}}
    limit = config.retention_max_per_run()
    done = run_retention(RETENTION_ACTOR, mode, limit, now)
    metrics = for_service("retention")
    metrics.add_metric(name="RetentionDue", unit="Count", value=len(done.due))
    metrics.add_metric(name="RegistrantsErased", unit="Count", value=len(done.erased))
    metrics.add_metric(name="RetentionHeldBack", unit="Count", value=int(done.held_back))
    metrics.flush_metrics()
    summary = done.summary()
    if done.held_back:
        logger.error("retention held back: more registrants due than RETENTION_MAX_PER_RUN",
                     extra={**summary, "limit": limit})
    else:
        logger.info("retention applied" if mode == "apply" else "retention dry run",
                    extra=summary)
    return summary
