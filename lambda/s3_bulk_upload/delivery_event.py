"""The delivery event (contract §2.13): one EventBridge event per finished delivery, for downstream jobs.

Put only after S3 holds the object; never carries a staging URL. A failed publish is logged and
reported to the caller, and does not fail a delivery that S3 already holds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

log = logging.getLogger(__name__)

SOURCE = "ci360.s3-bulk-connector"
DETAIL_TYPE = "CI360 Export Delivered"


@dataclass(frozen=True)
class Delivered:
    """What landed, as the event tells it."""

    bucket: str
    key: str
    bytes: int
    rows: int
    columns: tuple[str, ...]
    header: bool
    gzip: bool
    task_id: str
    occurrence_id: str
    task_name: str
    seconds: float
    request_id: str


def event_entry(delivered: Delivered, bus: str) -> PutEventsRequestEntryTypeDef:
    detail = {
        "bucket": delivered.bucket,
        "key": delivered.key,
        "s3_uri": f"s3://{delivered.bucket}/{delivered.key}",
        "bytes": delivered.bytes,
        "rows": delivered.rows,
        "columns": list(delivered.columns),
        "header": delivered.header,
        "gzip": delivered.gzip,
        "task_id": delivered.task_id,
        "occurrence_id": delivered.occurrence_id,
        "task_name": delivered.task_name,
        "seconds": round(delivered.seconds, 3),
        "request_id": delivered.request_id,
    }
    return {"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail), "EventBusName": bus}


def publish(client: EventBridgeClient, bus: str, delivered: Delivered) -> bool:
    """Put the event; False (logged) when EventBridge did not take it."""
    try:
        response = client.put_events(Entries=[event_entry(delivered, bus)])
    except Exception as exc:  # botocore raises several families; the delivery stands either way
        log.error("delivery event not published", extra={"key": delivered.key, "error": type(exc).__name__})
        return False
    if response.get("FailedEntryCount", 0):
        codes = [e.get("ErrorCode", "") for e in response.get("Entries", []) if e.get("ErrorCode")]
        log.error("delivery event not published", extra={"key": delivered.key, "error": ",".join(codes)})
        return False
    log.info("delivery event published", extra={"key": delivered.key})
    return True
