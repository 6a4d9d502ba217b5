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
