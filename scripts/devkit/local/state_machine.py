"""The distributed path's state machine, executed by moto's Step Functions interpreter in this process.

The definition is the deployed one (``terraform/modules/distributed/state_machine.asl.json``, with
``${function_arn}`` filled as Terraform's ``templatefile`` fills it). moto runs it (Distributed Map
with an S3 ``ItemReader``, ``MaxConcurrencyPath``, Retry, Catch) when its ``execute_state_machine``
option is on; its Lambda tasks are sent to the moto server's Lambda API, and this module hands
every invocation to the real handler in this process (moto's Lambda would otherwise need Docker).
Test plumbing, not product code. What moto does not do: it ignores ``ToleratedFailure*``, enforces
no IAM and no payload limits (tests measure payloads themselves), and runs children as threads.

A thrown exception becomes the Lambda error payload ``{"errorType": <class name>, ...}`` with
``X-Amz-Function-Error: Unhandled``, as the Python runtime writes it: the error name Retry and
Catch match. A handler that runs the zip under the emulator returns that payload itself, and gets
the same header.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import boto3

from devkit.local import rie
from devkit.local.context import FUNCTION_NAME, LocalContext
from devkit.paths import TERRAFORM_DIR

ASL_FILE = TERRAFORM_DIR / "modules" / "distributed" / "state_machine.asl.json"
Handler = Callable[[Any, Any], Any]


def definition(function_arn: str) -> str:
    """The deployed definition, filled as Terraform's ``templatefile`` fills it."""
    text = ASL_FILE.read_text().replace("${function_arn}", function_arn)
    if "${" in text:
        raise ValueError("the state machine definition has a template variable the toolkit does not fill")
    return text


@dataclass
class Invocations:
    """Every event the state machine sent to the function, and a hook run before each (fault injection)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    before: Callable[[dict[str, Any]], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def steps(self, name: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("ci360_distributed") == name]


@contextlib.contextmanager
def _lambda_runs(handler: Handler, invocations: Invocations, timeout_seconds: float) -> Iterator[None]:
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:  # noqa: PLR0917 (moto's)
        event = json.loads(body) if body else {}
        with invocations.lock:
            invocations.events.append(event)
        if invocations.before is not None:
            invocations.before(event)
        context = LocalContext(timeout_seconds=timeout_seconds)
        try:
            result = handler(event, context)
        except Exception as exc:  # the Python runtime's error payload
            result = {"errorType": type(exc).__name__, "errorMessage": str(exc), "stackTrace": []}
        if rie.is_error(result):  # raised here, or by the function under the emulator
            response_headers["x-amz-function-error"] = "Unhandled"
        payload = json.dumps(result).encode()
        response_headers["Content-Length"] = str(len(payload))
        return payload

    originals = (LambdaBackend.invoke, LambdaSimpleBackend.invoke)
    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        LambdaBackend.invoke, LambdaSimpleBackend.invoke = originals  # type: ignore[method-assign]


@contextlib.contextmanager
def _executing(endpoint: str) -> Iterator[None]:
    """moto executes definitions; its interpreter's AWS clients reach this server (``MOTO_PORT``)."""
    from moto.core.config import default_user_config

    config: Any = default_user_config
    saved = {name: dict(config.get(name) or {}) for name in ("stepfunctions", "lambda")}
    saved_port = os.environ.get("MOTO_PORT")
    config["stepfunctions"] = {"execute_state_machine": True}
    config["lambda"] = {"use_docker": False}
    os.environ["MOTO_PORT"] = str(urlsplit(endpoint).port)
    try:
        yield
    finally:
        config.update(saved)
        if saved_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = saved_port


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("placeholder.py", "# the handler runs in the toolkit's process\n")
    return buffer.getvalue()


@dataclass(frozen=True)
class LocalStateMachine:
    arn: str
    invocations: Invocations
    function_arn: str  # the function moto knows (a hand-off invokes it, and reaches the handler too)


@contextlib.contextmanager
def state_machine(endpoint: str, handler: Handler, *, timeout_seconds: float = 900.0) -> Iterator[LocalStateMachine]:
    """A function and the deployed state machine on the moto server at ``endpoint``; yields its ARN.

    The caller's environment (``AWS_ENDPOINT_URL`` and the function's settings) is the function's.
    """
    invocations = Invocations()
    with _executing(endpoint), _lambda_runs(handler, invocations, timeout_seconds):
        iam: Any = boto3.client("iam", endpoint_url=endpoint)
        functions: Any = boto3.client("lambda", endpoint_url=endpoint)
        sfn: Any = boto3.client("stepfunctions", endpoint_url=endpoint)
        suffix = uuid.uuid4().hex[:8]
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
        role = iam.create_role(RoleName=f"ci360-sfn-{suffix}", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
            "Arn"
        ]
        function_arn = functions.create_function(
            FunctionName=f"{FUNCTION_NAME}-{suffix}",
            Runtime="python3.13",
            Role=role,
            Handler="s3_bulk_upload.handler.lambda_handler",
            Code={"ZipFile": _function_zip()},
        )["FunctionArn"]
        arn = sfn.create_state_machine(
            name=f"ci360-distributed-{suffix}", definition=definition(function_arn), roleArn=role, type="STANDARD"
        )["stateMachineArn"]
        yield LocalStateMachine(arn, invocations, function_arn)
