"""CloudWatch metrics in embedded metric format (EMF), written with Powertools' Metrics.

One ``Metrics()`` for the process, as Powertools' docs use it: the namespace and the ``service``
dimension come from ``POWERTOOLS_METRICS_NAMESPACE`` and ``POWERTOOLS_SERVICE_NAME``, which
Terraform writes and the dashboard queries. (An explicit argument would win over the environment:
the dashboard would stay empty.) Metrics are added during a request and written once, when it
ends (``flush``). Dimensions are the service and, for failures, the status code: never a key,
URL or task name (cardinality and privacy).
"""

from __future__ import annotations

import logging

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, SchemaValidationError

log = logging.getLogger(__name__)
metrics = Metrics()


def delivered(*, bytes_delivered: int, rows: int, seconds: float, event_failed: bool, catalog_failed: bool) -> None:
    metrics.add_metric(name="Deliveries", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="BytesDelivered", unit=MetricUnit.Bytes, value=bytes_delivered)
    metrics.add_metric(name="Rows", unit=MetricUnit.Count, value=rows)
    metrics.add_metric(name="TransferSeconds", unit=MetricUnit.Seconds, value=round(seconds, 3))
    metrics.add_metric(
        name="Throughput", unit=MetricUnit.BytesPerSecond, value=round(bytes_delivered / max(seconds, 1e-3))
    )
    if event_failed:
        metrics.add_metric(name="DeliveryEventFailures", unit=MetricUnit.Count, value=1)
    if catalog_failed:
        metrics.add_metric(name="CatalogFailures", unit=MetricUnit.Count, value=1)


def counted(name: str) -> None:
    """One occurrence of ``name``: Duplicates, HandOffs."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def failed(status_code: int) -> None:
    """A failed request, by the status it answered (400, 409, 502, 500)."""
    metrics.add_dimension(name="status_code", value=str(status_code))
    metrics.add_metric(name="Failures", unit=MetricUnit.Count, value=1)


def flush() -> None:
    """Write the request's metrics (one EMF document) and clear them for the next request."""
    try:
        metrics.flush_metrics()
    except SchemaValidationError as error:  # no namespace in the environment: say so, answer anyway
        log.warning("metrics not written: %s (set POWERTOOLS_METRICS_NAMESPACE)", error)
        metrics.clear_metrics()
