"""The delivery event (contract §2.13): one EventBridge event per finished delivery, for downstream jobs.

Put only after S3 holds the object; never carries a staging URL. A failed publish is logged and
reported to the caller, and does not fail a delivery that S3 already holds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import TYPE_CHECKING

from .delivered import Delivered

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

log = logging.getLogger(__name__)

SOURCE = "ci360.s3-bulk-connector"
DETAIL_TYPE = "CI360 Export Delivered"


def event_entry(delivered: Delivered, bus: str) -> PutEventsRequestEntryTypeDef:
    detail = {
        "bucket": delivered.bucket,
        "key": delivered.key,
        "s3_uri": delivered.s3_uri,
        "bytes": delivered.bytes,
        "rows": delivered.rows,
        "columns": list(delivered.columns),
        "header": delivered.header,
        "gzip": delivered.gzip,
        **asdict(delivered.task),
        "seconds": round(delivered.seconds, 3),
        "request_id": delivered.request_id,
        **(delivered.catalog.event_fields() if delivered.catalog else {}),
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
