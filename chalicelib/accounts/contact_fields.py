"""Validation of contact details (e-mail, phone) shared by every form that asks for them."""
from __future__ import annotations

MAX_EMAIL_LENGTH = 254
MAX_PHONE_LENGTH = 32


def clean_email(value: str) -> tuple[str, str | None]:
    """Returns (address as stored, error). Stored addresses are ASCII and lower case, so one
    mailbox is one account however it is typed; no DNS look-up is made."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    if not text:
        return text, "Vul uw e-mailadres in"
    if len(text) > MAX_EMAIL_LENGTH:
        return text, f"Een e-mailadres mag maximaal {MAX_EMAIL_LENGTH} tekens lang zijn"
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return text, "Vul een geldig e-mailadres in, zoals naam@gemeente.nl"
    return (result.ascii_email or result.normalized).lower(), None


def mailbox(address: str) -> str:
    """The mailbox an address delivers to, which is what identifies a person: lower case and
    without a `+tag` after the local part (`Coord1+alt@Stadskanaal.nl` is
    `coord1@stadskanaal.nl`). The one place that decides whether two addresses are one
    person: registration's unique look-up, finding an account, and four-eyes (an approval by
    the sender's own mailbox is refused as one by the sender's own account)."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return address.strip().lower()
    return f"{local.split('+', 1)[0] or local}@{domain}"


def clean_phone(value: str) -> tuple[str, str | None]:
    """Returns (E.164 number, error). Dutch numbers may be typed without country code."""
    import phonenumbers

    text = value.strip()
    if not text:
        return text, "Vul uw telefoonnummer in"
    if len(text) > MAX_PHONE_LENGTH:
        return text, f"Een telefoonnummer mag maximaal {MAX_PHONE_LENGTH} tekens lang zijn"
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return text, "Vul een geldig telefoonnummer in, zoals 070 123 45 67 of +49 30 12345678"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None

