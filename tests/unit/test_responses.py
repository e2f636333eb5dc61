"""Answers: always JSON with status and request id; each failure class maps to one row of the contract."""

from __future__ import annotations

import json

import pytest

from s3_bulk_upload import responses
from s3_bulk_upload.errors import (
    BadRequest,
    ConfigError,
    Conflict,
    DeadlineExceeded,
    DestinationError,
    UpstreamError,
)


def test_every_answer_is_json_with_status_and_request_id():
    response = responses.respond(200, "OK", "req-1", bytes=3)
    assert response["headers"] == {"Content-Type": "application/json"}
    assert response["isBase64Encoded"] is False
    assert json.loads(response["body"]) == {"status": "OK", "request_id": "req-1", "bytes": 3}


@pytest.mark.parametrize(
    ("error", "status_code", "status"),
    [
        (BadRequest("x"), 400, "BadRequest"),
        (Conflict("x"), 409, "Conflict"),
        (UpstreamError("x"), 502, "UpstreamError"),
        (DestinationError("x"), 500, "Error"),
        (ConfigError("x"), 500, "Error"),
        (DeadlineExceeded("x"), 500, "Error"),
    ],
)
def test_failures_map_to_the_contract_table(error, status_code, status):
    response = responses.failure(error, "req-1")
    assert response["statusCode"] == status_code
    assert json.loads(response["body"]) == {"status": status, "request_id": "req-1", "message": "x"}


def test_internal_error_points_to_the_logs_without_detail():
    body = json.loads(responses.internal_error("req-9")["body"])
    assert body["status"] == "Error" and "req-9" in body["message"]
