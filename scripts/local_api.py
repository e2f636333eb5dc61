#!/usr/bin/env python3
"""A local stand-in for the deployed API Gateway stage: POST /upload with an API key, in front
of the real ``lambda_handler``.

What it does like API Gateway (REST API, Lambda proxy integration, API key required): refuses a
missing or wrong ``x-api-key`` with 403, rejects bodies without ``presignedUrls`` or
``sendParameters`` with 400 (the request validator), builds a payload-1.0 proxy event and
returns the function's answer. An asynchronous hand-off (``InvocationType=Event``) runs the
function again in a background thread, as Lambda would.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"
FUNCTION_ARN = "arn:aws:lambda:local:000000000000:function:ci360-s3-bulk-upload-local"


@dataclass
class LocalContext:
    """The parts of the Lambda context the connector reads."""

    timeout_seconds: float = 900.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = FUNCTION_ARN
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000)


class LocalLambdaClient:
    """Runs ``InvocationType=Event`` invocations of the function in a thread."""

    def __init__(self) -> None:
        self.runs: list[threading.Thread] = []
        self.failures: list[str] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        from s3_bulk_upload.handler import lambda_handler

        def run() -> None:
            try:
                lambda_handler(json.loads(Payload), LocalContext())
            except Exception as exc:  # Lambda would retry, then send it to the failure destination
                self.failures.append(str(exc))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.runs.append(thread)
        return {"StatusCode": 202}

    def wait(self, seconds: float = 60.0) -> None:
        for thread in self.runs:
            thread.join(seconds)


def proxy_event(method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str) -> dict[str, Any]:
    """An API Gateway REST proxy event, payload format 1.0."""
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    request_id = str(uuid.uuid4())
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/local{path}",
            "stage": "local",
            "requestId": request_id,
            "identity": {"sourceIp": source_ip, "apiKeyId": "local"},
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def _gateway_error(status: int, kind: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"status": kind, "request_id": str(uuid.uuid4()), "message": message}).encode()
    return status, {"Content-Type": "application/json"}, body


def _validates(body: bytes) -> bool:
    """The API's request model: an object with object-valued presignedUrls and sendParameters."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return (
        isinstance(document, dict)
        and isinstance(document.get("presignedUrls"), dict)
        and isinstance(document["presignedUrls"].get("dataFile"), str)
        and isinstance(document.get("sendParameters"), dict)
        and isinstance(document["sendParameters"].get("s3_filename"), str)
    )


class LocalApi:
    def __init__(self, api_key: str | None = None, port: int = 0) -> None:
        self.api_key = api_key or secrets.token_urlsafe(30)
        self.lambda_client = LocalLambdaClient()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, payload = api.handle(
                    "POST", self.path, dict(self.headers.items()), body, self.client_address[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                status, _, payload = _gateway_error(403, "Forbidden", "missing authentication token")
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer((LOOPBACK, port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self._httpd.server_address[1]}/upload"

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        if path.split("?", 1)[0] != "/upload" or method != "POST":
            return _gateway_error(403, "Forbidden", "missing authentication token")
        given = next((v for k, v in headers.items() if k.lower() == "x-api-key"), "")
        if not secrets.compare_digest(given.encode(), self.api_key.encode()):
            return _gateway_error(403, "Forbidden", "missing or invalid x-api-key")
        if not _validates(body):
            return _gateway_error(400, "BadRequest", "Invalid request body")
        from s3_bulk_upload import handler

        handler._lambda_client = lambda: self.lambda_client  # the local Lambda service
        answer = handler.lambda_handler(proxy_event(method, path, headers, body, source_ip), LocalContext())
        return int(answer["statusCode"]), dict(answer.get("headers") or {}), str(answer["body"]).encode()

    def start(self) -> LocalApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
