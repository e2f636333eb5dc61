"""The distributed path's webhook side: keep the request where only the function reads it, start one execution.

The execution is named after the task, the occurrence and the key (``execution_name``), so racing
re-sends of one occurrence meet at one name: the first writes the request object (a create-only
write) and starts the execution; the others find the object or the running execution and are
answered 202 as well. A re-send after a failed (or stopped) execution starts the next attempt
(``-2``, ``-3``, …); a re-send after success is a duplicate before it gets here (the re-delivery
check). The execution's input holds only the request object's key: no URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from . import handoff
from .errors import DestinationError
from .handoff import Plan
from .request import is_proxy_event
from .sink import error_code
from .source_answers import FileIdentity
from .state_objects import REQUEST, StateObjects, Taken
from .task import Task

if TYPE_CHECKING:
    # mypy-boto3-stepfunctions is not in the lock (one more stub package to pin): the client is untyped.
    SFNClient = Any

log = logging.getLogger(__name__)

STEP_KEY = "ci360_distributed"
STEPS = ("plan", "part", "complete", "abort")
MAX_ATTEMPTS = 20
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def is_step(event: Any) -> bool:
    """A step of the state machine (``{"ci360_distributed": step, ...}``); never an API Gateway event."""
    return isinstance(event, dict) and event.get(STEP_KEY) in STEPS and not is_proxy_event(event)


def execution_name(task: Task, key: str, request_id: str, attempt: int = 1) -> str:
    """≤ 80 characters of ``[A-Za-z0-9_-]``: the occurrence (readable), a hash of task, occurrence and key.

    Without an occurrence id nothing identifies a re-send: the request id makes the name unique.
    """
    occurrence = task.occurrence_id or request_id
    digest = hashlib.sha256("\0".join((task.task_id, occurrence, key)).encode()).hexdigest()[:16]
    readable = _UNSAFE.sub("_", occurrence)[:40]
    suffix = f"-{attempt}" if attempt > 1 else ""
    return f"ci360-{readable}-{digest}{suffix}"


def execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + name


def request_document(plan: Plan, request_id: str, identity: FileIdentity) -> dict[str, Any]:
    """What the steps need and the execution must not carry: the plan (URLs included) and the file's version."""
    return {**handoff.handoff_event(plan, request_id), "identity": asdict(identity)}


def parse_request(document: dict[str, Any]) -> tuple[Plan, str, FileIdentity]:
    plan, request_id = handoff.parse_handoff(document)
    raw = document.get("identity")
    if not isinstance(raw, dict) or not isinstance(raw.get("size"), int) or not isinstance(raw.get("etag"), str):
        raise ValueError("distributed request has no file identity")
    return plan, request_id, FileIdentity(raw["etag"], raw["size"])


def _status(sfn: SFNClient, arn: str) -> str | None:
    """The execution's status, or None when there is none of that name."""
    try:
        status: str = sfn.describe_execution(executionArn=arn)["status"]
        return status
    except ClientError as exc:
        if error_code(exc) == "ExecutionDoesNotExist":
            return None
        raise DestinationError(f"could not look up the execution: {error_code(exc)}") from None


def start(
    sfn: SFNClient,
    objects: StateObjects,
    state_machine_arn: str,
    *,
    plan: Plan,
    identity: FileIdentity,
    request_id: str,
) -> str:
    """Start (or join) the occurrence's execution; returns its name."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = execution_name(plan.task, plan.key, request_id, attempt)
        arn = execution_arn(state_machine_arn, name)
        try:
            status = _status(sfn, arn)
            if status == "RUNNING":
                log.info("the occurrence's execution is already running", extra={"execution": name})
                return name
            if status is not None:
                continue  # an attempt that ended (failed or stopped): the next one
            request_key = objects.folder(name) + REQUEST
            try:
                objects.put(request_key, request_document(plan, request_id, identity), create_only=True)
            except Taken:
                log.info("a racing request is starting the occurrence's execution", extra={"execution": name})
                return name
            try:
                sfn.start_execution(
                    stateMachineArn=state_machine_arn, name=name, input=json.dumps({"request_key": request_key})
                )
            except ClientError as exc:
                objects.delete(request_key)  # a re-send must not find a request nobody runs
                raise DestinationError(f"could not start the distributed delivery: {error_code(exc)}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"could not reach Step Functions ({type(exc).__name__})") from None
        log.info("distributed delivery started", extra={"execution": name, "key": plan.key})
        return name
    raise DestinationError(f"the occurrence already has {MAX_ATTEMPTS} executions that did not deliver")
