"""CloudWatch metrics in embedded metric format (EMF), written with Powertools' Metrics.

One document per finished request. Dimensions are the service and, for failures, the status
code: never a key, URL or task name (cardinality and privacy).
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from .logs import SERVICE

NAMESPACE = "CI360S3BulkConnector"


def namespace() -> str:
    return os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE


def _metrics() -> Metrics:
    return Metrics(namespace=namespace(), service=SERVICE)


def delivered(*, bytes_delivered: int, rows: int, seconds: float, event_failed: bool) -> None:
    metrics = _metrics()
    metrics.add_metric(name="Deliveries", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="BytesDelivered", unit=MetricUnit.Bytes, value=bytes_delivered)
    metrics.add_metric(name="Rows", unit=MetricUnit.Count, value=rows)
    metrics.add_metric(name="TransferSeconds", unit=MetricUnit.Seconds, value=round(seconds, 3))
    metrics.add_metric(
        name="Throughput", unit=MetricUnit.BytesPerSecond, value=round(bytes_delivered / max(seconds, 1e-3))
    )
    if event_failed:
        metrics.add_metric(name="DeliveryEventFailures", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def counted(name: str) -> None:
    """One occurrence of ``name``: Duplicates, HandOffs."""
    metrics = _metrics()
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def failed(status_code: int) -> None:
    """A failed request, by the status it answered (400, 409, 502, 500)."""
    with single_metric(
        name="Failures",
        unit=MetricUnit.Count,
        value=1,
        namespace=namespace(),
        default_dimensions={"service": SERVICE, "status_code": str(status_code)},
    ):
        pass
