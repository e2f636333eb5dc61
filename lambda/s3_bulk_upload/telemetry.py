"""CloudWatch metrics in embedded metric format (EMF), written with Powertools' Metrics.

One ``Metrics()`` for the process, as Powertools' docs use it: the namespace and the ``service``
dimension come from ``POWERTOOLS_METRICS_NAMESPACE`` and ``POWERTOOLS_SERVICE_NAME``, which
Terraform writes and the dashboard queries. Without the namespace in the environment (the zip run
by hand, ``make serve`` without Terraform's environment) the contract's default,
``CI360S3BulkConnector`` (Terraform's default too), is used, so metrics are written whatever the
environment; the environment is read at every flush and wins. Metrics are added during a request
and written once, when it ends (``flush``). Dimensions are the service and, for failures, the status code: never a key,
URL or task name (cardinality and privacy).
"""

from __future__ import annotations

import logging
import os

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, SchemaValidationError

log = logging.getLogger(__name__)
NAMESPACE_VARIABLE = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_NAMESPACE = "CI360S3BulkConnector"
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
    """Write the request's metrics (one EMF document) and clear them for the next request. An
    invocation that added none (a distributed plan or part step) writes nothing: Powertools would
    print a ``UserWarning`` to the function's log at every one of them."""
    metrics.namespace = os.environ.get(NAMESPACE_VARIABLE) or DEFAULT_NAMESPACE
    if not metrics.metric_set:
        metrics.clear_metrics()
        return
    try:
        metrics.flush_metrics()
    except SchemaValidationError as error:  # a metric Powertools refuses: say so, answer anyway
        log.warning("metrics not written: %s", error)
        metrics.clear_metrics()
