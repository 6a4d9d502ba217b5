"""Every AWS request the code makes while a test runs (through botocore, so pynamodb's and
powertools' requests too): for tests that count requests per user action, or check that the
IAM policies allow exactly what the code asks for."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest


class AwsCall(NamedTuple):
    service: str  # botocore's name: "dynamodb", "s3", "sesv2", ...
    operation: str  # "BatchGetItem", "PutObject", ...
    params: dict[str, Any]


def record(monkeypatch: pytest.MonkeyPatch,
           observe: Callable[[AwsCall], None] | None = None) -> list[AwsCall]:
    """The list each request is appended to (and handed to `observe`) until `monkeypatch`
    is undone."""
    from botocore.client import BaseClient

    calls: list[AwsCall] = []
    real = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        call = AwsCall(client.meta.service_model.service_name, operation, params)
        calls.append(call)
        if observe is not None:
            observe(call)
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls
