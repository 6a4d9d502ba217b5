"""The registration form: what was typed, kept for re-display, and once every field is valid
the cleaned values to register with."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..platform.municipalities import municipalities
from ..platform.records import Record, field
from ..platform.text_input import clean_line
from .contact_fields import clean_email, clean_phone

MAX_NAME_LENGTH = 100
MAX_MUNICIPALITIES = 40


class NewRegistration(Record, frozen=True):
    name: str
    email: str
    phone: str
    municipalities: tuple[str, ...]


class RegistrationForm(Record):
    """What the user typed (kept for re-display) and, once valid, the cleaned values."""

    name: str = ""
    email: str = ""
    phone: str = ""
    municipalities: list[str] = field(default_factory=list)
    on_behalf: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    cleaned: NewRegistration | None = None


def validate_registration(fields: Mapping[str, Sequence[str]], year: int) -> RegistrationForm:
    """Checks every field; errors are keyed by field name in the order the form shows them."""

    def first(name: str) -> str:
        values = fields.get(name) or [""]
        return values[0]

    chosen = list(dict.fromkeys(fields.get("gemeente") or []))
    form = RegistrationForm(name=first("naam"), email=first("email"), phone=first("telefoon"),
                            municipalities=chosen, on_behalf=first("namens") == "ja")

    name, error = clean_line(form.name, "uw naam", MAX_NAME_LENGTH, min_length=2)
    if error:
        form.errors["naam"] = error
    email, error = clean_email(form.email)
    if error:
        form.errors["email"] = error
    phone, error = clean_phone(form.phone)
    if error:
        form.errors["telefoon"] = error

    known = municipalities(year)
    if not chosen:
        form.errors["gemeente"] = "Kies minstens één gemeente"
    elif len(chosen) > MAX_MUNICIPALITIES:
        form.errors["gemeente"] = f"Kies maximaal {MAX_MUNICIPALITIES} gemeenten"
    elif any(code not in known for code in chosen):
        form.errors["gemeente"] = "Kies gemeenten uit de lijst"
        form.municipalities = [code for code in chosen if code in known]

    if not form.on_behalf:
        form.errors["namens"] = ("Bevestig dat u zich aanmeldt namens de gemeente of gemeenten "
                                 "die u kiest")
    if not form.errors:
        form.cleaned = NewRegistration(name, email, phone, tuple(chosen))
    return form
