"""DynamoDB applies each request (a conditional update, a transaction) as one step. moto
in-process checks a transaction's conditions and then writes item by item, so two threads can
both pass a condition only one should (toolchain notes: moto's transactions are not isolated).
Tests that run writers in threads make each request one at a time, as DynamoDB would; a
writer's read and its write are still two requests, so a read-then-write race stays open."""
from __future__ import annotations

import threading


def one_request_at_a_time(monkeypatch) -> None:
    from pynamodb.connection.base import Connection

    real = Connection._make_api_call
    lock = threading.Lock()

    def atomic(connection, *args, **kwargs):
        with lock:
            return real(connection, *args, **kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", atomic)


def between_read_and_write(monkeypatch, owner, name: str, other_writer) -> None:
    """The next call of `owner.name` (a read) returns what it read, but only after
    `other_writer` ran to its end: the other write lands between this writer's read and its
    write — the interleaving a read-modify-write loses an update to."""
    real = getattr(owner, name)
    state = {"done": False}

    def read(*args, **kwargs):
        found = real(*args, **kwargs)
        if not state["done"]:
            state["done"] = True
            other_writer()
        return found

    monkeypatch.setattr(owner, name, read)
