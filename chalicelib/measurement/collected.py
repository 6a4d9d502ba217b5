"""A measurement's responses as the on-request readers take them (the anonymised data file, the
step into the delivery): read from the responses table itself, so the counts are exact and the
first and last day known, with the days the municipality excluded (a burst) left out — the same
set the results honour (`Measurement.excluded_days`)."""
from __future__ import annotations

from ..platform.models import ClientResponse, Measurement
from . import measurements, responses


def kept(measurement: Measurement) -> list[ClientResponse]:
    """Every response of the measurement except those of excluded days (one Query, paged)."""
    excluded = set(measurement.excluded_days or ())
    found = ClientResponse.query(measurements.scope_key(measurement),
                                 range_key_condition=ClientResponse.id < responses.BURST,
                                 consistent_read=True)
    return [response for response in found if response.day not in excluded]
