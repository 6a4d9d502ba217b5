"""Cleaning of free text typed by people: one place that decides what characters we accept."""
from __future__ import annotations

import unicodedata

# Invisible characters that reorder or hide text (e.g. U+202E) are a spoofing tool in names and
# e-mail subjects; joiners stay allowed because some scripts and emoji need them.
_ALLOWED_FORMAT_CHARS = {"\u200c", "\u200d"}
_ALLOWED_CONTROL_CHARS = {"\n", "\t"}


def normalise(value: str) -> str:
    """NFC-normalise and turn Windows/old-Mac line ends into \n."""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))


def has_forbidden_characters(value: str, multiline: bool = False) -> bool:
    allowed_controls = _ALLOWED_CONTROL_CHARS if multiline else set()
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and char not in allowed_controls:
            return True
        if category == "Cf" and char not in _ALLOWED_FORMAT_CHARS:
            return True
        if category in ("Cs", "Co", "Cn"):
            return True
    return False


def clean_line(value: str, label: str, max_length: int, required: bool = True,
               min_length: int = 1) -> tuple[str, str | None]:
    """A single-line text field: returns the cleaned text and a Dutch error, or None."""
    text = " ".join(normalise(value).split())
    if not text:
        return text, f"Vul {label} in" if required else None
    if has_forbidden_characters(text):
        return text, f"{label[0].upper()}{label[1:]} bevat tekens die wij niet kunnen verwerken"
    if len(text) > max_length:
        return text, f"{label[0].upper()}{label[1:]} mag maximaal {max_length} tekens lang zijn"
    if len(text) < min_length:
        return text, f"{label[0].upper()}{label[1:]} moet minimaal {min_length} tekens lang zijn"
    return text, None
