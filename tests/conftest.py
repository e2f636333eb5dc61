from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from staging_server import StagingServer

FIXTURES = Path(__file__).parent / "fixtures"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:ci360-s3-bulk-upload-test"
API_KEY = "EXAMPLEKEYEXAMPLEKEYEXAMPLEKEY0123456789"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass
class FakeContext:
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = FUNCTION_ARN
    remaining_ms: int = 900_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> None:
    """Every boto3 client in a test talks to the local moto server, never to AWS."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def s3(aws_env: None) -> Any:
    return boto3.client("s3")


@pytest.fixture
def bucket(s3: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"ci360-test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    monkeypatch.setenv("s3_bucket_name", name)
    monkeypatch.setenv("source_host_allowlist", "127.0.0.1")
    monkeypatch.setenv("source_backoff_seconds", "0")
    return name


@pytest.fixture
def staging() -> Iterator[StagingServer]:
    server = StagingServer().start()
    yield server
    server.stop()


def bulk_request(
    data_url: str, metadata_url: str | None, s3_filename: str = "exports/churn.csv", **extra: Any
) -> dict[str, Any]:
    document = json.loads(fixture_bytes("ci360_bulk_request.json"))
    document["presignedUrls"] = {"dataFile": data_url}
    if metadata_url is not None:
        document["presignedUrls"]["metadataFile"] = metadata_url
    document["sendParameters"] = {"s3_filename": s3_filename, **extra.pop("send_parameters", {})}
    document.update(extra)
    return document


def proxy_event(body: Any, *, raw: bool = False) -> dict[str, Any]:
    event = json.loads(fixture_bytes("apigw_proxy_event.json"))
    event["body"] = body if raw else json.dumps(body)
    return event


def answer(response: dict[str, Any]) -> dict[str, Any]:
    assert response["headers"]["Content-Type"] == "application/json"
    return json.loads(response["body"])


@pytest.fixture
def json_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captured logs formatted exactly as the function writes them (one JSON event per line)."""
    from s3_bulk_upload.logs import JsonFormatter

    caplog.handler.setFormatter(JsonFormatter())
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture
def head_of_missing_key_is_forbidden(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """S3 under a prefix-scoped role: HeadObject of a missing key answers 403, not 404.

    Patches the moto server's S3 responses (it runs in this process); returns the HEADs seen.
    """
    from moto.s3.responses import S3Response

    original = S3Response.head_object
    heads: list[tuple[str, int]] = []

    def head_object(self: S3Response, bucket_name: str, query: Any, key_name: str, headers: Any) -> Any:
        status, response_headers, body = original(self, bucket_name, query, key_name, headers)
        status = 403 if status == 404 else status
        heads.append((key_name, status))
        return status, response_headers, body

    monkeypatch.setattr(S3Response, "head_object", head_object)
    return heads
