"""Parse and validate the CI360 bulk request carried by an API Gateway proxy event (payload 1.0)."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import BadRequest
from .task import Task

# User metadata travels as HTTP headers, so ids must be short printable ASCII.
_MAX_ID_LENGTH = 256
_MAX_FILENAME_LENGTH = 1024


@dataclass(frozen=True)
class BulkRequest:
    data_url: str
    metadata_url: str | None
    s3_filename: str
    task: Task = field(default_factory=Task)
    include_header: bool | None = None  # the task's override of the configured default
    glue_table: str = ""  # the task's name for its catalog table; empty: the key's folder names it


def is_proxy_event(event: Any) -> bool:
    """True for anything API Gateway built: those keys are set by API Gateway, never by a caller."""
    return isinstance(event, dict) and ("requestContext" in event or "httpMethod" in event)


def decode_body(event: dict[str, Any]) -> Any:
    body = event.get("body")
    if body is None or body == "":
        raise BadRequest("the request body is empty; expected the CI360 bulk request JSON")
    if not isinstance(body, str):
        raise BadRequest("the request body must be JSON text")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise BadRequest("the request body is marked base64 but is not valid base64 UTF-8") from None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, RecursionError):
        raise BadRequest("the request body is not valid JSON") from None


def _optional_id(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if len(value) > _MAX_ID_LENGTH or not all(" " <= ch <= "~" for ch in value):
        raise BadRequest(f"{name} must be at most {_MAX_ID_LENGTH} printable ASCII characters")
    return value


def _url(urls: dict[str, Any], name: str, required: bool) -> str | None:
    value = urls.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"presignedUrls.{name} is required and must be a URL string")
    return value.strip()


def _include_header(params: dict[str, Any]) -> bool | None:
    raw = params.get("include_header")
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise BadRequest("sendParameters.include_header must be 'true' or 'false'")


def _glue_table(params: dict[str, Any]) -> str:
    raw = params.get("glue_table")
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise BadRequest("sendParameters.glue_table must be a string")
    return raw.strip()


def parse_bulk_request(document: Any) -> BulkRequest:
    """Validate the CI360 document; unknown fields are ignored, as the contract requires."""
    if not isinstance(document, dict):
        raise BadRequest("the request body must be a JSON object")
    urls = document.get("presignedUrls")
    if not isinstance(urls, dict):
        raise BadRequest("presignedUrls is required and must be an object")
    params = document.get("sendParameters")
    if not isinstance(params, dict):
        raise BadRequest("sendParameters is required and must be an object")
    filename = params.get("s3_filename")
    if not isinstance(filename, str) or not filename.strip():
        raise BadRequest("sendParameters.s3_filename is required and must be a non-empty string")
    if len(filename) > _MAX_FILENAME_LENGTH:
        raise BadRequest(f"sendParameters.s3_filename is longer than {_MAX_FILENAME_LENGTH} characters")
    task_name = document.get("taskName")
    if task_name is not None and not isinstance(task_name, str):
        raise BadRequest("taskName must be a string")
    return BulkRequest(
        data_url=_url(urls, "dataFile", required=True) or "",
        metadata_url=_url(urls, "metadataFile", required=False),
        s3_filename=filename.strip(),
        task=Task(
            task_id=_optional_id(document, "taskId"),
            occurrence_id=_optional_id(document, "occurrenceId"),
            task_name=task_name or "",
        ),
        include_header=_include_header(params),
        glue_table=_glue_table(params),
    )


def parse_proxy_event(event: dict[str, Any]) -> BulkRequest:
    return parse_bulk_request(decode_body(event))
