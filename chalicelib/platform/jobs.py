"""The kinds of queued job (platform/outbox.py) and who does each. Domains register their
handlers at wiring time (app.py), so the mail worker runs every kind without importing the
domains above it."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .mail import MailNotSent

#: a handler gets the job and the queue's message id (stable across retries)
Handler = Callable[[dict[str, Any], str], object]

_handlers: dict[str, Handler] = {}


class AddressNotSent(MailNotSent):
    """A job's mail to `address` could not be handed to SES; the job is retried, and on its
    last attempt the worker marks the address as unreachable."""

    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.address = address


def register(kind: str, handler: Handler) -> None:
    if _handlers.get(kind, handler) is not handler:
        raise ValueError(f"job kind {kind!r} already has a handler")
    _handlers[kind] = handler


def handler_of(kind: object) -> Handler | None:
    return _handlers.get(kind) if isinstance(kind, str) else None
