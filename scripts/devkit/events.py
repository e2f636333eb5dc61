"""What reaches the function: CI360's bulk request, API Gateway's proxy event, and the answer back."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from devkit.paths import SAMPLES_DIR

API_KEY = "EXAMPLEKEYEXAMPLEKEYEXAMPLEKEY0123456789"  # the key in the sample proxy event


def sample_bytes(name: str) -> bytes:
    """A sample file CI360 stages or sends (copies of the connector contract's fixtures)."""
    return (SAMPLES_DIR / name).read_bytes()


def bulk_request(
    data_url: str, metadata_url: str | None, s3_filename: str = "exports/churn.csv", **extra: Any
) -> dict[str, Any]:
    """The JSON document a CI360 bulk Custom Task Type POSTs (the sample's task and occurrence ids);
    ``extra`` overrides top-level fields."""
    document: dict[str, Any] = json.loads(sample_bytes("ci360_bulk_request.json"))
    document["presignedUrls"] = {"dataFile": data_url}
    if metadata_url is not None:
        document["presignedUrls"]["metadataFile"] = metadata_url
    document["sendParameters"] = {"s3_filename": s3_filename, **extra.pop("send_parameters", {})}
    document.update(extra)
    return document


def proxy_event(
    body: Any, *, raw: bool = False, headers: dict[str, str] | None = None, source_ip: str | None = None
) -> dict[str, Any]:
    """An API Gateway REST proxy event (payload 1.0) carrying ``body``: JSON-encoded unless ``raw``.

    ``raw`` bytes that are not UTF-8 arrive base64-encoded, as API Gateway sends them.
    """
    event: dict[str, Any] = json.loads(sample_bytes("apigw_proxy_event.json"))
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    if headers is not None:
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    if source_ip is not None:
        event["requestContext"]["identity"]["sourceIp"] = source_ip
    if not raw:
        event["body"] = json.dumps(body)
    elif isinstance(body, bytes):
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"] = body
    return event


def new_occurrence() -> dict[str, str]:
    """Fields that make a request a new run of a new task, for ``bulk_request(**new_occurrence())``."""
    return {"taskId": str(uuid.uuid4()), "occurrenceId": str(uuid.uuid4())}


def answer(response: dict[str, Any]) -> dict[str, Any]:
    """The answer's JSON body; every answer is JSON."""
    assert response["headers"]["Content-Type"] == "application/json"
    body: dict[str, Any] = json.loads(response["body"])
    return body
