"""One part of a distributed delivery: one byte span of the data file, through the single path's pipeline.

The span is read by the same ``SourceFile`` (ranges on several connections, ``If-Match`` on the
plan's ETag, size checks, resume, the invocation's deadline) and the same ``ExportStream`` (the header
in front of part 1, gzip for ``.gz`` keys: one gzip member per part) as a whole-file delivery. The
records are counted for every state the part may start in (``part_counts``). The part is uploaded
with ``UploadPart`` and its CRC32 checksum; a ``.gz`` part under S3's 5 MiB minimum is padded with
an empty gzip member (``part_layout.padded``). Its counts go to a small object beside the manifest,
written while the part uploads.
Re-running a part (the state machine's Retry) uploads it again under the same number: S3 keeps the last.
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .allowlist import redact_url
from .connector import Connector
from .errors import BadRequest, DestinationError
from .handoff import Plan
from .part_counts import LOOKBEHIND, OUTSIDE, PartCounter
from .part_layout import MAX_PARTS, padded
from .sink import error_code
from .source_answers import FileIdentity
from .state_objects import PLAN

log = logging.getLogger(__name__)
_QUERY = re.compile(r"\?\S*")


def safe_cause(cause: str) -> str:
    """A failure's cause as it may be logged: short, and with any URL's query string cut off."""
    return _QUERY.sub("?…", cause)[:500]


def part_span(event: dict[str, Any], size: int) -> tuple[int, int, int]:
    """The part's number and first and last byte, checked against the file (an event is input too)."""
    values = [event.get("part"), event.get("start"), event.get("end")]
    numbers = [value for value in values if isinstance(value, int) and not isinstance(value, bool)]
    if len(numbers) != len(values):
        raise BadRequest("distributed part event lacks its number or span")
    number, start, end = numbers
    if not (1 <= number <= MAX_PARTS and 0 <= start <= end < size):
        raise BadRequest("distributed part event has a span outside the file")
    return number, start, end


def _upload_part(connector: Connector, key: str, *, upload_id: str, number: int, body: bytes) -> None:
    bucket = connector.config.bucket
    try:
        connector.objects.client.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body, ChecksumAlgorithm="CRC32"
        )
    except ClientError as exc:
        raise DestinationError(f"S3 rejected part {number} of s3://{bucket}/{key}: {error_code(exc)}") from None
    except BotoCoreError as exc:
        raise DestinationError(f"upload of part {number} failed ({type(exc).__name__})") from None


def copy_part(
    connector: Connector,
    *,
    folder: str,
    plan: Plan,
    identity: FileIdentity,
    event: dict[str, Any],
    passes_on: str = OUTSIDE,
) -> dict[str, Any]:
    """Copy one part; ``passes_on``: the quote state whose counter's output is uploaded (Complete
    copies a part again inside quotes when it started inside a quoted field and that differs)."""
    started = time.monotonic()
    state = connector.objects.get(folder + PLAN)
    number, start, end = part_span(event, identity.size or 0)
    last = number == int(state["parts"])
    gzip = plan.key.endswith(".gz")
    transfer = connector.transfer
    first = max(0, start - LOOKBEHIND)  # the bytes before the span settle its line state (part_counts)
    counter = PartCounter(lookbehind=start - first, passes_on=passes_on)
    source = transfer.source(plan.data_url, span=(first, end), identity=identity)
    log.info(
        "part started",
        extra={
            "key": plan.key,
            "part": number,
            "first_byte": start,
            "last_byte": end,
            "source": redact_url(plan.data_url),
        },
    )
    export = transfer.export_stream(source, state["columns"] if number == 1 else None, gzip, counter)
    try:
        body = export.stream.read()
    finally:
        export.close()
    if gzip:
        body = padded(body, last)
    counts = {"counts": counter.result().to_json(), "data_bytes": end - start + 1, "object_bytes": len(body)}
    # The counts belong to the span's bytes (read under If-Match), not to the upload, and Complete reads
    # them only once ListParts shows every part: they are written while the part uploads, not after it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        counts_written = pool.submit(connector.objects.put, f"{folder}parts/{number}.json", counts)
        _upload_part(connector, plan.key, upload_id=state["upload_id"], number=number, body=body)
        counts_written.result()
    seconds = time.monotonic() - started
    log.info(
        "part finished",
        extra={
            "key": plan.key,
            "part": number,
            "data_bytes": source.bytes_read,
            "object_bytes": len(body),
            "resumes": source.resumes,
            "seconds": round(seconds, 3),
        },
    )
    return {"part": number}
