"""moto's Query on a table's own key made to read one partition, as DynamoDB does.

moto 5.2.5 answers a Query on a table's key by sorting every item of the table and keeping
those of the asked partition key, so a Query costs as much as the whole table: the counter
(measurement/counting.py) reads a measurement's counters after each batch from a table that
also holds one marker per counted response, so at 10,000 responses in `./dev bench --results`
each of its Queries sorted tens of thousands of items. `query_one_partition()` lets moto's own
Query (its conditions, order, paging, filters and answers) see only the partition it asked
for. Queries on an index stay moto's own."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_INSTALLED = "_one_partition"
_INDEX_NAME = 6  # index_name's place among Table.query's arguments after hash_key


def query_one_partition() -> Callable[[], None]:
    """Installs it in the embedded moto; returns the undo."""
    from moto.dynamodb.models.table import Table

    real = Table.query
    if getattr(real, _INSTALLED, False):
        return lambda: None

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[_INDEX_NAME] if len(args) > _INDEX_NAME else \
            kwargs.get("index_name")
        if index_name or hash_key is None:
            return real(self, hash_key, *args, **kwargs)
        partition = self.items.get(hash_key)
        if partition is None:
            found: list[Any] = []
        elif self.range_key_attr:
            found = list(partition.values())
        else:
            found = [partition]
        self.all_items = lambda: found  # read by moto's Query only, for this request
        try:
            return real(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    setattr(query, _INSTALLED, True)
    Table.query = query  # type: ignore[method-assign]

    def restore() -> None:
        Table.query = real  # type: ignore[method-assign]

    return restore
