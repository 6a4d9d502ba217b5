"""Personal codes: short, readable over the phone, no look-alike characters (0, O, 1, I, L, 2,
Z, 5, S, 8, B and G are left out; 6 stays, since its look-alike G is gone)."""
from __future__ import annotations

import re
import secrets

ALPHABET = "ACDEFHJKMNPQRTUVWXY34679"
LENGTH = 8
_STRIP = re.compile(r"[\s\-.]")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise(value: str) -> str | None:
    """The canonical form of a typed code, or None when it cannot be one."""
    raw = _STRIP.sub("", value).upper()
    if len(raw) != LENGTH or any(char not in ALPHABET for char in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"
