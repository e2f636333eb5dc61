"""Fixtures over the local toolkit (``devkit``): every AWS call goes to a moto server on loopback.

Tests are marked by folder: ``unit`` (pure, no servers), ``functional`` (moto + staging server,
end to end), ``infra`` (Terraform, packaging, Makefile, docs); ``pytest -m unit`` runs one kind.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import settings

from devkit.local import moto_server
from devkit.local.loopback import LOOPBACK
from devkit.local.staging import StagingServer

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

TESTS = Path(__file__).resolve().parent

# Speed is measured by `make bench`, not by tests: Hypothesis's per-example deadline (200 ms) fails a
# property test whenever the machine is busy, and `make test` runs the apply suite beside pytest.
settings.register_profile("ci360", deadline=None)
settings.load_profile("ci360")


def pytest_report_header() -> list[str]:
    """Which way the artifact tests run the zip on this machine (the emulator, or the fallback), and
    which reader the catalog tests read the delivered objects with (Trino's, or the port)."""
    from devkit.local import trino_reader
    from devkit.packaging import artifact

    return [
        "artifact runner: " + artifact.runner_description(artifact.lambda_runtime()),
        "table reader: " + trino_reader.description(),
    ]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        kind = Path(str(item.fspath)).relative_to(TESTS).parts[0]
        item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_server.moto_server(in_process=True) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> None:
    """Every boto3 client in a test talks to the local moto server, never to AWS."""
    for name, value in moto_server.aws_environment(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3(aws_env: None) -> S3Client:
    return boto3.client("s3")


@pytest.fixture
def bucket(s3: S3Client, monkeypatch: pytest.MonkeyPatch) -> str:
    name = moto_server.create_bucket(s3, f"ci360-test-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("s3_bucket_name", name)
    monkeypatch.setenv("source_backoff_seconds", "0")
    return name


@pytest.fixture
def staging(monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingServer]:
    """A CI360 staging stand-in; the function may fetch from it (and only from it: host and port)."""
    with StagingServer() as server:
        monkeypatch.setenv("source_host_allowlist", f"{LOOPBACK}:{server.port}")
        yield server


@pytest.fixture
def staged_on_moto(
    s3: S3Client, bucket: str, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., str]:
    """Stage files as CI360 does, in an S3 bucket (moto), behind pre-signed GET URLs; the function may
    fetch from that endpoint only. ``stage(key, body, **put_object_args)`` returns the URL."""
    staging_bucket = moto_server.create_bucket(s3, f"{bucket}-staging")
    monkeypatch.setenv("source_host_allowlist", moto_endpoint.removeprefix("http://"))

    def stage(key: str, body: bytes, **extra: Any) -> str:
        s3.put_object(Bucket=staging_bucket, Key=key, Body=body, **extra)
        return s3.generate_presigned_url("get_object", Params={"Bucket": staging_bucket, "Key": key}, ExpiresIn=600)

    return stage


@pytest.fixture
def stubbed_client() -> Iterator[Callable[[str], tuple[Any, Stubber]]]:
    """``stubbed_client("s3")``: a boto3 client whose answers come from botocore's Stubber (queued by the
    test); every queued answer must have been asked for by the end of the test."""
    stubbers: list[Stubber] = []

    def make(service: str) -> tuple[Any, Stubber]:
        client = boto3.client(service, region_name="eu-west-1")  # type: ignore[call-overload]
        stubber = Stubber(client)
        stubber.activate()
        stubbers.append(stubber)
        return client, stubber

    yield make
    for stubber in stubbers:
        stubber.deactivate()
        stubber.assert_no_pending_responses()


@dataclass(frozen=True)
class DeliveryBus:
    sqs: Any  # an SQS client
    queue_url: str

    def received(self) -> list[dict[str, Any]]:
        """The delivery events that reached the queue since the last call."""
        answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


@pytest.fixture
def delivery_bus(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> DeliveryBus:
    """A bus (the function's ``delivery_event_bus``) with a rule that sends this connector's events to SQS."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    name = f"ci360-{uuid.uuid4().hex[:8]}"
    events.create_event_bus(Name=name)
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(
        Name="exports-landed",
        EventBusName=name,
        EventPattern=json.dumps({"source": ["ci360.s3-bulk-connector"], "detail-type": ["CI360 Export Delivered"]}),
    )
    events.put_targets(Rule="exports-landed", EventBusName=name, Targets=[{"Id": "queue", "Arn": queue_arn}])
    monkeypatch.setenv("delivery_event_bus", name)
    return DeliveryBus(sqs, queue_url)


class SentToS3:
    """Every request the function's S3 client sends, in order: ``(operation, request, time.monotonic())``
    just before it goes out. ``client`` is for ``Handler(s3_client=...)``: a client of its own,
    configured as the function's."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, float]] = []

    def client(self, pool: int) -> S3Client:
        from s3_bulk_upload.handler import aws_s3_client

        client = aws_s3_client.__wrapped__(pool)
        client.meta.events.register("before-send.s3", self._record)
        return client

    def _record(self, request: Any, event_name: str, **_: Any) -> None:  # an answer returned would replace S3's
        self.sent.append((event_name.rsplit(".", 1)[-1], request, time.monotonic()))

    def first(self, operation: str) -> float:
        """When ``operation`` was first sent."""
        return next(at for name, _, at in self.sent if name == operation)


@pytest.fixture
def sent_to_s3() -> SentToS3:
    return SentToS3()


@pytest.fixture
def glue_database(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """A Glue database (moto), set as the function's ``glue_database``."""
    name = f"ci360_{uuid.uuid4().hex[:8]}"
    boto3.client("glue").create_database(DatabaseInput={"Name": name})
    monkeypatch.setenv("glue_database", name)
    return name


@pytest.fixture(scope="session")
def table_reader() -> Any:
    """Reads delivered objects as Athena reads the Glue table: Trino's own reader (built once, see
    ``devkit.local.trino_reader``), or the port where Java 25 or Maven is missing."""
    from devkit.local import trino_reader

    return trino_reader.table_reader()


@pytest.fixture
def head_of_missing_key_is_forbidden() -> Iterator[list[tuple[str, int]]]:
    """S3 under a prefix-scoped role: HeadObject of a missing key answers 403; yields the HEADs seen."""
    with moto_server.head_of_missing_key_is_forbidden() as heads:
        yield heads


@pytest.fixture(autouse=True)
def captured_function_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """The function logs through Powertools' handler, which does not propagate to the root logger:
    hand its records to pytest's capture as well."""
    from s3_bulk_upload.logs import PACKAGE, logger

    logger.addHandler(caplog.handler)  # copied to the package's logger on each setup_logging
    logging.getLogger(PACKAGE).addHandler(caplog.handler)  # for code that logs before any setup
    yield
    logging.getLogger(logger.name).removeHandler(caplog.handler)
    logging.getLogger(PACKAGE).removeHandler(caplog.handler)


@pytest.fixture
def json_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captured logs formatted exactly as the function writes them (one JSON event per line)."""
    from s3_bulk_upload.logs import formatter

    caplog.handler.setFormatter(formatter)
    caplog.set_level(logging.DEBUG)
    return caplog
