"""The asynchronous hand-off: the validated plan, sent to this same function as an Event.

API Gateway builds every proxy event itself (``requestContext``, ``httpMethod``), so a caller can
only choose the ``body``; an event with those keys is never treated as a hand-off, whatever the
body holds. The plan travels flat (the task's fields beside the plan's), as version 1 always
has: an event sent by the previous deployment still parses after an update.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .errors import DestinationError
from .request import is_proxy_event
from .task import Task

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

HANDOFF_KEY = "ci360S3BulkUploadHandoff"
HANDOFF_VERSION = 1


@dataclass(frozen=True)
class Plan:
    """Everything a transfer needs, fixed when the request was accepted."""

    key: str
    data_url: str
    metadata_url: str | None
    include_header: bool
    task: Task = field(default_factory=Task)
    glue_table: str = ""  # the task's explicit table name, if it gave one


def is_handoff(event: Any) -> bool:
    return isinstance(event, dict) and HANDOFF_KEY in event and not is_proxy_event(event)


def handoff_event(plan: Plan, accepted_request_id: str) -> dict[str, Any]:
    return {
        HANDOFF_KEY: {
            "version": HANDOFF_VERSION,
            "acceptedRequestId": accepted_request_id,
            "plan": _flat(plan),
        }
    }


def _flat(plan: Plan) -> dict[str, Any]:
    document = asdict(plan)
    document.update(document.pop("task"))
    return document


def parse_handoff(event: dict[str, Any]) -> tuple[Plan, str]:
    document = event[HANDOFF_KEY]
    if not isinstance(document, dict) or document.get("version") != HANDOFF_VERSION:
        raise ValueError("hand-off event has an unknown version")
    raw = document.get("plan")
    if not isinstance(raw, dict):
        raise ValueError("hand-off event has no plan")
    task = Task(**{f.name: raw.get(f.name, "") for f in fields(Task)})
    names = {f.name for f in fields(Plan)} - {"task"}
    plan = Plan(**{k: v for k, v in raw.items() if k in names}, task=task)
    if not isinstance(plan.key, str) or not isinstance(plan.data_url, str) or not isinstance(plan.include_header, bool):
        raise ValueError("hand-off plan has fields of the wrong type")
    if not isinstance(plan.glue_table, str) or not all(isinstance(getattr(task, f.name), str) for f in fields(Task)):
        raise ValueError("hand-off plan has task fields of the wrong type")
    return plan, str(document.get("acceptedRequestId", ""))


def send(lambda_client: LambdaClient, function_arn: str, event: dict[str, Any]) -> None:
    try:
        response = lambda_client.invoke(
            FunctionName=function_arn, InvocationType="Event", Payload=json.dumps(event).encode()
        )
    except Exception as exc:  # botocore raises several families; none may leak the payload
        raise DestinationError(f"could not hand the transfer to an asynchronous run ({type(exc).__name__})") from None
    if response.get("StatusCode") != 202:
        raise DestinationError(f"asynchronous hand-off answered {response.get('StatusCode')}, not 202")
