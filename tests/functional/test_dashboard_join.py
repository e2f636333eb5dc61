"""The dashboard and the function meet in CloudWatch: every metric and dimension set the dashboard's
widgets query must be one the function emits when it runs with the environment Terraform writes.

Both sides are read, not retyped: the environment from the connector module's ``environment``
block, the queries from the dashboard module's widgets (``devkit.terraform.values``). Each
scenario runs in an interpreter of its own started with that environment, as Lambda starts one,
so Powertools reads it at import exactly as it does in a deployed function.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import pytest

from devkit.events import bulk_request, proxy_event, sample_bytes
from devkit.local import emf
from devkit.local.api import LocalApi
from devkit.local.loopback import LOOPBACK
from devkit.local.moto_server import aws_environment
from devkit.local.staging import Behaviour
from devkit.packaging.artifact import BOOTSTRAP, invoke_together
from devkit.terraform.values import dashboard_queries, function_environment

INPUTS = {"name": "ci360-s3-joined", "metrics_namespace": "CI360JoinTest", "s3_key_prefix": ""}
HEADER = sample_bytes("metadata_header.csv")
DATA = sample_bytes("data.csv")


class HandOffs:
    """Lambda's Invoke API for the function's hand-off to itself: accepted, kept, not run."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("only hand-offs come here")

    def handoff(self, payload: dict[str, Any]) -> None:
        self.payloads.append(payload)

    def close(self) -> None:
        pass


def emitted(documents: list[dict[str, Any]]) -> set[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """(namespace, metric, dimensions with values) for every metric in every EMF document."""
    found = set()
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimension_set in directive["Dimensions"]:
                dimensions = tuple(sorted((name, str(document[name])) for name in dimension_set))
                for metric in directive["Metrics"]:
                    found.add((directive["Namespace"], metric["Name"], dimensions))
    return found


@pytest.fixture
def run_with_terraform_environment(moto_endpoint, bucket, staging):
    handoffs = LocalApi(HandOffs()).start()

    def run(document: Any, **inputs: Any) -> tuple[dict[str, Any], str]:
        bucket_name = inputs.pop("bucket", bucket)
        environment = function_environment({**INPUTS, **inputs}, bucket_name=bucket_name)
        environment["source_host_allowlist"] = f"{LOOPBACK}:{staging.port}"  # the staging stand-in
        env = {
            "PATH": os.environ["PATH"],
            **aws_environment(moto_endpoint),
            "AWS_ENDPOINT_URL_LAMBDA": handoffs.lambda_endpoint,
            **environment,
        }
        event = document if "ci360S3BulkUploadHandoff" in json.dumps(document) else proxy_event(document)
        (invocation,) = invoke_together([sys.executable, str(BOOTSTRAP)], [event], env)
        return invocation.answer, invocation.logs

    yield run
    handoffs.stop()


def test_every_metric_the_dashboard_queries_is_emitted_under_its_dimensions(
    run_with_terraform_environment, staging, s3, bucket
):
    run = run_with_terraform_environment
    urls = staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER)
    logs = []
    # A delivery whose event cannot be published (no such bus) and whose table cannot be written (no
    # such database), then the same occurrence again.
    answer, text = run(
        bulk_request(*urls, occurrenceId="one"),
        delivery_event_bus_name="no-such-bus",
        glue_database_name="no_such_database",
    )
    assert json.loads(answer["body"])["catalog"] == "failed", answer
    assert answer["statusCode"] == 200, answer
    logs.append(text)
    answer, text = run(bulk_request(*urls, occurrenceId="one"))
    assert json.loads(answer["body"])["duplicate"] is True
    logs.append(text)
    # A hand-off, and one failure of each status the dashboard shows.
    answer, text = run(bulk_request(*urls, "exports/async.csv", occurrenceId="two"), delivery_mode="async")
    assert answer["statusCode"] == 202, answer
    logs.append(text)
    failures: list[tuple[Any, dict[str, Any], int]] = [
        ({"presignedUrls": {"dataFile": "https://evil.example\\.amazonaws.com/x"}, "sendParameters": {}}, {}, 400),
        (bulk_request(*urls, occurrenceId="three"), {"overwrite": False}, 409),
        (bulk_request(staging.put("/gone.csv", DATA, Behaviour(status=403)), urls[1], "x.csv"), {}, 502),
        (bulk_request(*urls, "y.csv"), {"bucket": "no-such-bucket"}, 500),
    ]
    for document, inputs, status in failures:
        answer, text = run(document, **inputs)
        assert answer["statusCode"] == status, answer
        logs.append(text)

    found = emitted(emf.documents("\n".join(logs)))
    queries = dashboard_queries(INPUTS)
    assert queries, "the dashboard queries none of the function's metrics"
    missing = [q for q in queries if (q.namespace, q.metric, tuple(sorted(q.dimensions))) not in found]
    assert missing == [], f"the dashboard asks for metrics the function never emits: {missing}\nemitted: {found}"
