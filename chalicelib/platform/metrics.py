"""CloudWatch metrics (embedded metric format through powertools), one Metrics object per
service and process."""
from __future__ import annotations

from functools import cache
from typing import Any

NAMESPACE = "AanlevermoduleCEO"


@cache
def for_service(service: str) -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=NAMESPACE, service=service)
