"""moto's TransactWriteItems rolled back item by item instead of by copying whole tables.

moto 5.2.5 backs up every table a transaction touches with `copy.deepcopy` (once per item of
the transaction, the table's stream records included) and, when the transaction is cancelled,
puts the copy in place of the live table object (toolchain-notes: "moto's DynamoDB
transactions are not isolated"). The copy makes every transaction cost as much as the tables
it touches — 1,000 counted responses took 7 minutes in `./dev bench --results`, 10,000 did not
finish — and the swap drops a concurrent write and orphans stream iterators.

`roll_back_item_by_item()` keeps moto's own transaction code (its answers, its cancellation
reasons, its order of checks) but notes, before it runs, only the items the transaction names
and each touched table's stream length; moto's table copy is left out. When moto cancels or
refuses the transaction, those items and the stream are put back as they were, in the same
table object. Under `devtools.local.serialise_dynamodb` (the local runner, the bench) nobody
sees the items in between, as nobody sees a DynamoDB transaction half done."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

_INSTALLED = "_rolled_back_item_by_item"


def _target(backend: Any, item: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(table, hash key, range key) of the item one transaction item writes; raises for an item
    moto refuses before writing it."""
    op_type, op = next(iter(item.items()))
    table = backend.get_table(op["TableName"])
    if op_type == "Put":
        key = {name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr)
               if name is not None}
    else:
        key = op["Key"]
    return (table, *backend.get_keys_value(table, key))


class _Undo:
    """The items a transaction is about to write, and each table's stream length, as they were."""

    def __init__(self, backend: Any, transact_items: list[dict[str, Any]]) -> None:
        self.items: list[tuple[Any, Any, Any, Any]] = []
        self.streams: dict[int, tuple[Any, int]] = {}
        for item in transact_items:
            try:
                table, hash_key, range_key = _target(backend, item)
            except Exception:  # moto refuses this item before it writes it
                continue
            self.items.append((table, hash_key, range_key,
                               copy.deepcopy(table.get_item(hash_key, range_key))))
            shard = table.stream_shard
            if shard is not None:
                self.streams.setdefault(id(shard), (shard, len(shard.items)))

    def apply(self) -> None:
        for table, hash_key, range_key, before in reversed(self.items):
            if range_key is not None:
                if before is None:
                    table.items[hash_key].pop(range_key, None)
                    if not table.items[hash_key]:
                        del table.items[hash_key]
                else:
                    table.items[hash_key][range_key] = before
            elif before is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = before
        for shard, length in self.streams.values():
            del shard.items[length:]


def roll_back_item_by_item() -> Callable[[], None]:
    """Installs it in the embedded moto; returns the undo."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    backend_class = models.DynamoDBBackend
    if getattr(backend_class.transact_write_items, _INSTALLED, False):
        return lambda: None
    real = backend_class.transact_write_items
    module_copy = models.copy

    class _NoTableCopy:
        """moto's `copy` inside its transaction: every table 'copy' is the live table, so its
        own rollback changes nothing (the undo above does it, item by item)."""

        @staticmethod
        def deepcopy(thing: Any, memo: Any = None) -> Any:
            return thing if isinstance(thing, Table) else copy.deepcopy(thing, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        undo = _Undo(self, transact_items)
        try:
            real(self, transact_items)
        except Exception:
            undo.apply()
            raise

    setattr(transact_write_items, _INSTALLED, True)
    backend_class.transact_write_items = transact_write_items
    models.copy = _NoTableCopy  # type: ignore[assignment]

    def restore() -> None:
        backend_class.transact_write_items = real
        models.copy = module_copy

    return restore
