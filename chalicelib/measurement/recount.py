"""Counting again what the counter gave up on: the messages of its failure queue
(`ceo-<stage>-count-failures`, Lambda's on-failure destination for the responses stream) say
where and when the failed records were, never the records, and the stream keeps those only 24
hours while the queue keeps its messages 14 days. So nothing here reads the stream: the
responses of the days a message covers are read from the responses table and counted again.
Counting is idempotent (a marker per response, counting.py), so a response counted before adds
nothing and one the counter gave up on is counted now; the snapshots move as the stream would
have moved them. `./dev redrive <stage> count-failures` (the helpdesk CLI's
`recount-failures`) drives it."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..platform.models import ClientResponse
from ..platform.records import Record, field
from . import counting, responses

BATCH = 500  # as the stream's event source mapping hands them over (infra/stack.yaml)


class Recounted(Record):
    """What one recount found: responses read, per measurement (scope) None or the error that
    left it (partly) uncounted."""

    responses: int = 0
    outcomes: dict[str, str | None] = field(default_factory=dict)

    @property
    def failed(self) -> dict[str, str]:
        return {scope: error for scope, error in self.outcomes.items() if error}


def _answered(first: date, last: date) -> Iterator[counting.Counted]:
    """Every response answered on a day from `first` to `last` (one paged Scan: an operator's
    repair, not a page), as the stream would bring it."""
    found = ClientResponse.scan(ClientResponse.day.between(first.isoformat(), last.isoformat())
                                & (ClientResponse.id < responses.BURST), consistent_read=True)
    for response in found:
        yield counting.Counted(str(response.measurement), str(response.id),
                               str(response.period), str(response.team or counting.NO_TEAM),
                               str(response.day),
                               {str(q): str(a) for q, a in (response.answers or {}).items()})


def recount(first: date, last: date) -> Recounted:
    """Counts the responses of these days again, measurement by measurement in batches of
    BATCH (in order of day): what was counted stays counted once."""
    per_scope: dict[str, list[counting.Counted]] = {}
    for response in _answered(first, last):
        per_scope.setdefault(response.scope, []).append(response)
    result = Recounted(sum(map(len, per_scope.values())))
    for scope, found in sorted(per_scope.items()):
        found.sort(key=lambda r: (r.day, r.id))
        for start in range(0, len(found), BATCH):
            error = counting.count_all(found[start:start + BATCH]).get(scope)
            if error is not None:
                result.outcomes[scope] = f"{type(error).__name__}: {error}"
                break
        else:
            result.outcomes[scope] = None
    return result
