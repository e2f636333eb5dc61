"""The asynchronous hand-off: the validated plan, sent to this same function as an Event.

API Gateway builds every proxy event itself (``requestContext``, ``httpMethod``), so a caller can
only choose the ``body``; an event with those keys is never treated as a hand-off, whatever the
body holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

from .errors import DestinationError
from .request import is_proxy_event

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
    task_id: str = ""
    occurrence_id: str = ""
    task_name: str = ""


def is_handoff(event: Any) -> bool:
    return isinstance(event, dict) and HANDOFF_KEY in event and not is_proxy_event(event)


def handoff_event(plan: Plan, accepted_request_id: str) -> dict[str, Any]:
    return {
        HANDOFF_KEY: {
            "version": HANDOFF_VERSION,
            "acceptedRequestId": accepted_request_id,
            "plan": asdict(plan),
        }
    }


def parse_handoff(event: dict[str, Any]) -> tuple[Plan, str]:
    document = event[HANDOFF_KEY]
    if not isinstance(document, dict) or document.get("version") != HANDOFF_VERSION:
        raise ValueError("hand-off event has an unknown version")
    raw = document.get("plan")
    if not isinstance(raw, dict):
        raise ValueError("hand-off event has no plan")
    names = {f.name for f in fields(Plan)}
    plan = Plan(**{k: v for k, v in raw.items() if k in names})
    if not isinstance(plan.key, str) or not isinstance(plan.data_url, str) or not isinstance(plan.include_header, bool):
        raise ValueError("hand-off plan has fields of the wrong type")
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
