"""Lambda's Invoke API for the function's hand-off to itself, on a loopback port of its own.

The deployed function hands a large export to itself with ``lambda:InvokeFunction``
(``InvocationType=Event``); locally its Lambda client is pointed here (``AWS_ENDPOINT_URL_LAMBDA``).
This is not the webhook's port: API Gateway never serves Lambda's Invoke path, so the local
stand-in of the stage does not either (a hand-off event POSTed to the webhook is API Gateway's
``Missing Authentication Token``). The endpoint binds 127.0.0.1 only, like every local server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from devkit.local.loopback import LoopbackServer

INVOKE_PATH = re.compile(r"/2015-03-31/functions/[^/]+/invocations")


class LambdaInvokeEndpoint(LoopbackServer):
    """``POST /2015-03-31/functions/<name>/invocations`` with ``X-Amz-Invocation-Type: Event``: the
    payload goes to ``handoff`` and the answer is Lambda's 202; anything else is refused."""

    def __init__(self, handoff: Callable[[dict[str, Any]], None], port: int = 0) -> None:
        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = answer(self.path, dict(self.headers.items()), body, handoff)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        super().__init__(RequestHandler, port)


def answer(
    path: str, headers: dict[str, str], body: bytes, handoff: Callable[[dict[str, Any]], None]
) -> tuple[int, bytes]:
    """Lambda's answer to one Invoke call (only ``InvocationType=Event`` is served)."""
    if not INVOKE_PATH.fullmatch(path.split("?", 1)[0]):
        return 404, b'{"message": "not Lambda\'s Invoke path"}'
    kind = next((v for k, v in headers.items() if k.lower() == "x-amz-invocation-type"), "RequestResponse")
    if kind != "Event":
        return 400, b'{"message": "only InvocationType=Event is served"}'
    handoff(json.loads(body))
    return 202, b""
