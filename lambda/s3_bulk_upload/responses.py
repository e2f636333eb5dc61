"""API Gateway proxy answers: always JSON with ``status`` and ``request_id``."""

from __future__ import annotations

import json
from typing import Any

from .errors import ConnectorError


def respond(status_code: int, status: str, request_id: str, **fields: Any) -> dict[str, Any]:
    body = {"status": status, "request_id": request_id, **fields}
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def failure(error: ConnectorError, request_id: str) -> dict[str, Any]:
    return respond(error.status_code, error.status, request_id, message=error.message)


def internal_error(request_id: str) -> dict[str, Any]:
    return respond(
        500,
        "Error",
        request_id,
        message=f"internal error; the function's logs hold the details under request id {request_id}",
    )
