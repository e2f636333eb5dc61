"""A local stand-in for the deployed API Gateway stage: POST /upload with an API key, in front
of the real function.

What it does like API Gateway (REST API, Lambda proxy integration, API key required): refuses a
missing or wrong ``x-api-key`` with 403, rejects bodies without ``presignedUrls`` or
``sendParameters`` with 400 (the request validator), builds a payload-1.0 proxy event and
returns the function's answer. An asynchronous hand-off (``InvocationType=Event``) runs the
function again in a background thread, as Lambda would.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, cast

from s3_bulk_upload.handler import Handler

from .events import proxy_event
from .lambda_context import LocalContext
from .loopback import LoopbackServer

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


class LocalLambdaClient:
    """Runs ``InvocationType=Event`` invocations of the function in a thread."""

    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.runs: list[threading.Thread] = []
        self.failures: list[str] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        handler = self.handler or Handler()

        def run() -> None:
            try:
                handler(json.loads(Payload), LocalContext())
            except Exception as exc:  # Lambda would retry, then send it to the failure destination
                self.failures.append(str(exc))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.runs.append(thread)
        return {"StatusCode": 202}

    def wait(self, seconds: float = 60.0) -> None:
        for thread in self.runs:
            thread.join(seconds)


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


class LocalApi(LoopbackServer):
    def __init__(self, api_key: str | None = None, port: int = 0) -> None:
        self.api_key = api_key or secrets.token_urlsafe(30)
        self.lambda_client = LocalLambdaClient()
        # The function with this stand-in as its Lambda service: a hand-off runs here, in a thread.
        self.handler = Handler(lambda_client=lambda: cast("LambdaClient", self.lambda_client))
        self.lambda_client.handler = self.handler
        api = self

        class RequestHandler(BaseHTTPRequestHandler):
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

        super().__init__(RequestHandler, port)

    @property
    def url(self) -> str:
        return f"{self.base_url}/upload"

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
        event = proxy_event(body, raw=True, headers=headers, source_ip=source_ip)
        answer = self.handler(event, LocalContext())
        return int(answer["statusCode"]), dict(answer.get("headers") or {}), str(answer["body"]).encode()
