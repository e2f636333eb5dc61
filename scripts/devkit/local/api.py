"""A local stand-in for the deployed API Gateway stage: POST /upload with an API key, in front of the
function, answering itself where API Gateway does.

Where API Gateway answers without the function, the stand-in answers as the deployed stage does:
the request model is the api module's own ``bulk_request.schema.json`` (validated here with
jsonschema), and the 400 and 403 bodies are the api module's gateway-response templates, read
from Terraform; an unknown path or method gets API Gateway's default ``Missing Authentication
Token``. Everything else becomes a payload-1.0 proxy event for the function.

The function runs one of two ways:

- ``EmulatedRunner``: the built zip under AWS's Runtime Interface Emulator (``make serve`` and
  ``make demo``). The function's own Lambda client is pointed at the stand-in's Invoke endpoint
  (``AWS_ENDPOINT_URL_LAMBDA`` = ``LocalApi.lambda_endpoint``, a loopback port of its own, never the
  webhook's): an ``InvocationType=Event`` hand-off is answered 202 and run next, as Lambda would.
- ``InProcessRunner``: the handler in this process, with injected clients (tests).
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
import uuid
from functools import cache
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any, Protocol, cast

import jsonschema

from devkit.events import proxy_event
from devkit.local.context import LocalContext
from devkit.local.lambda_invoke import LambdaInvokeEndpoint
from devkit.local.loopback import LoopbackServer
from devkit.paths import TERRAFORM_DIR

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from devkit.local.rie import EmulatedFunction
    from s3_bulk_upload.handler import Handler

SCHEMA = TERRAFORM_DIR / "modules" / "api" / "bulk_request.schema.json"
# API Gateway's own answer for a path or method the API does not have (not customised by the module).
MISSING_AUTHENTICATION_TOKEN = {"message": "Missing Authentication Token"}


@cache
def request_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text())
    return schema


@cache
def gateway_templates() -> dict[str, tuple[int, str]]:
    """The api module's gateway responses: response type → (status, application/json template)."""
    from devkit.terraform.config import module

    responses = module("modules/api")["resource"]["aws_api_gateway_gateway_response"]
    # python-hcl2 keeps the HCL string's escapes (\\"): JSON string rules undo them.
    return {
        r["response_type"]: (int(r["status_code"]), json.loads(f'"{r["response_templates"]["application/json"]}"'))
        for r in responses.values()
    }


def request_fields() -> str:
    """The request model as a Markdown table (the README's, rendered from the schema file)."""
    lines = ["| field | type | required |", "|---|---|---|"]

    def walk(node: dict[str, Any], path: str, required: bool) -> None:
        if path:
            extra = f", at least {node['minLength']} character" if node.get("minLength") else ""
            lines.append(f"| `{path}` | {node['type']}{extra} | {'yes' if required else 'no'} |")
        for name, child in node.get("properties", {}).items():
            walk(child, f"{path}.{name}" if path else name, name in node.get("required", []))

    walk(request_schema(), "", True)
    lines.append("")
    lines.append("Other fields are passed to the function, which ignores those it does not know.")
    return "\n".join(lines)


def validation_error(body: bytes) -> str | None:
    """Why the body fails the request model, or None (API Gateway's validationErrorString, in words)."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "Invalid request body"
    errors = sorted(jsonschema.Draft4Validator(request_schema()).iter_errors(document), key=str)
    return f"[{errors[0].message}]" if errors else None


def gateway_answer(response_type: str, request_id: str, error: str = "") -> tuple[int, dict[str, str], bytes]:
    """What the deployed stage answers itself for ``response_type`` (its template, rendered)."""
    status, template = gateway_templates()[response_type]
    rendered = template.replace("$context.requestId", request_id).replace(
        "$context.error.validationErrorString", error.replace('"', '\\"')
    )
    json.loads(rendered)  # a template that is not JSON would be a defect of the module
    return status, {"Content-Type": "application/json"}, rendered.encode()


class Runner(Protocol):
    def __call__(self, event: dict[str, Any]) -> dict[str, Any]: ...

    def close(self) -> None: ...


class LocalLambdaClient:
    """Runs ``InvocationType=Event`` invocations of the in-process function in a thread."""

    def __init__(self) -> None:
        self.handler: Handler | None = None
        self.runs: list[threading.Thread] = []
        self.failures: list[str] = []

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        handler = self.handler
        assert handler is not None

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


class InProcessRunner:
    """The handler in this process; its hand-offs run in threads (tests inject clients this way)."""

    def __init__(self) -> None:
        from s3_bulk_upload.handler import Handler

        self.lambda_client = LocalLambdaClient()
        self.handler = Handler(lambda_client=lambda: cast("LambdaClient", self.lambda_client))
        self.lambda_client.handler = self.handler

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        return self.handler(event, LocalContext())

    def close(self) -> None:
        self.lambda_client.wait()


class EmulatedRunner:
    """The built zip under the emulator; hand-offs sent to this stand-in run after the current invocation."""

    def __init__(self, function: EmulatedFunction) -> None:
        self.function = function
        self.handoffs: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.failures: list[str] = []
        self._worker = threading.Thread(target=self._run_handoffs, name="handoffs", daemon=True)
        self._worker.start()

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.function.invoke(event)
        return answer

    def handoff(self, payload: dict[str, Any]) -> None:
        self.handoffs.put(payload)

    def _run_handoffs(self) -> None:
        while (payload := self.handoffs.get()) is not None:
            try:
                result = self.function.invoke(payload)
                if isinstance(result, dict) and "errorMessage" in result:  # Lambda would retry, then DLQ it
                    self.failures.append(str(result["errorMessage"]))
            except RuntimeError as error:  # the emulator did not answer
                self.failures.append(str(error))
            finally:
                self.handoffs.task_done()

    def wait(self) -> None:
        self.handoffs.join()

    def close(self) -> None:
        self.handoffs.put(None)
        self._worker.join(10)


class LocalApi(LoopbackServer):
    """The stage's paths on ``port``; with a runner that takes hand-offs, Lambda's Invoke endpoint on
    ``invoke_port`` (loopback, 0: any free one), started and stopped with it."""

    def __init__(
        self, runner: Runner | None = None, api_key: str | None = None, port: int = 0, invoke_port: int = 0
    ) -> None:
        self.api_key = api_key or secrets.token_urlsafe(30)
        self.runner: Runner = runner or InProcessRunner()
        handoff = getattr(self.runner, "handoff", None)
        self.invoke_endpoint = LambdaInvokeEndpoint(handoff, invoke_port) if handoff is not None else None
        api = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers, payload = api.handle(
                    method, self.path, dict(self.headers.items()), body, self.client_address[0]
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                self._answer("POST")

            def do_GET(self) -> None:
                self._answer("GET")

            def do_PUT(self) -> None:
                self._answer("PUT")

        super().__init__(RequestHandler, port)

    @property
    def url(self) -> str:
        return f"{self.base_url}/upload"

    @property
    def lambda_endpoint(self) -> str:
        """``AWS_ENDPOINT_URL_LAMBDA`` for the function's hand-off to itself."""
        assert self.invoke_endpoint is not None, "this runner takes no hand-offs over HTTP"
        return self.invoke_endpoint.base_url

    def start(self) -> LocalApi:
        if self.invoke_endpoint is not None:
            self.invoke_endpoint.start()
        return super().start()

    @property
    def lambda_client(self) -> LocalLambdaClient:
        """The in-process runner's Lambda client (tests wait for its hand-offs)."""
        assert isinstance(self.runner, InProcessRunner)
        return self.runner.lambda_client

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes, source_ip: str
    ) -> tuple[int, dict[str, str], bytes]:
        request_id = str(uuid.uuid4())
        route = path.split("?", 1)[0]
        if route != "/upload" or method != "POST":
            return 403, {"Content-Type": "application/json"}, json.dumps(MISSING_AUTHENTICATION_TOKEN).encode()
        given = next((v for k, v in headers.items() if k.lower() == "x-api-key"), "")
        if not secrets.compare_digest(given.encode(), self.api_key.encode()):
            return gateway_answer("INVALID_API_KEY", request_id)
        error = validation_error(body)
        if error is not None:
            return gateway_answer("BAD_REQUEST_BODY", request_id, error)
        event = proxy_event(body, raw=True, headers=headers, source_ip=source_ip)
        event["requestContext"]["requestId"] = request_id
        answer = self.runner(event)
        if "statusCode" not in answer:  # the function failed outside its envelope: API Gateway's 502
            return 502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}'
        return int(answer["statusCode"]), dict(answer.get("headers") or {}), str(answer["body"]).encode()

    def stop(self) -> None:
        super().stop()
        if self.invoke_endpoint is not None:
            self.invoke_endpoint.stop()
        self.runner.close()
