"""One span of a distributed delivery, through the single path's pipeline, into its S3 parts.

The span is read by the same ``SourceFile`` (ranges on several connections, ``If-Match`` on the
plan's ETag, size checks, resume, the invocation's deadline) and the same ``ExportStream`` (the header
in front of span 1, gzip for ``.gz`` keys: one gzip member per span) as a whole-file delivery. The
records are counted for every state the span may start in (``part_counts``). The output is cut into
S3 parts of the layout's part size under the part numbers the span owns (``part_layout``), each
uploaded with ``UploadPart`` and its CRC32 checksum while the next is read, at most
``max_concurrency`` at once (memory: about that many parts plus two; fewer at once when the parts
grew past 10,000 numbers, ``Layout.uploads_at_once``). A part is sent once the next
one is read, so that a tail under S3's 5 MiB minimum joins the part before it; the span's last
number takes whatever is left. A span other than the last that comes out short of its numbers
(its empty lines left out) is read and cut again into equal parts, where they can be 5 MiB each.
A ``.gz`` span is one part; under 5 MiB it is padded with an empty gzip member
(``part_layout.padded``). The span's counts and the numbers and sizes of its parts go to a small
object beside the manifest, written while its last part uploads.
Re-running a span (the state machine's Retry) uploads its parts again under the same numbers: S3
keeps the last; Complete takes only the numbers the latest counts name.

s3transfer, which the single path uses, was weighed: its uploads create their own multipart upload
and number the parts from 1, while a span must write into the plan's upload under its own numbers.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .allowlist import redact_url
from .connector import Connector
from .errors import BadRequest, DestinationError
from .handoff import Plan
from .part_counts import LOOKBEHIND, OUTSIDE, PartCounter
from .part_layout import MIN_PART_BYTES, cut_even, cut_parts, padded, plan_layout
from .sink import error_code
from .source import SourceFile
from .source_answers import FileIdentity
from .units import MIB

log = logging.getLogger(__name__)
Cut = Callable[[Callable[[int], bytes]], Iterator[tuple[int, bytes, bool]]]  # a span's output read into its parts
_QUERY = re.compile(r"\?\S*")


def safe_cause(cause: str) -> str:
    """A failure's cause as it may be logged: short, and with any URL's query string cut off."""
    return _QUERY.sub("?…", cause)[:500]


def part_span(event: dict[str, Any], size: int, most_spans: int) -> tuple[int, int, int]:
    """The span's number and first and last byte, checked against the file (an event is input too)."""
    values = [event.get("part"), event.get("start"), event.get("end")]
    numbers = [value for value in values if isinstance(value, int) and not isinstance(value, bool)]
    if len(numbers) != len(values):
        raise BadRequest("distributed part event lacks its number or span")
    number, start, end = numbers
    if not (1 <= number <= most_spans and 0 <= start <= end < size):
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


class _PartUploads:
    """A span's parts on their way to S3: at most ``concurrency`` at once (a send waits for a slot),
    the first failure raised at the next send or at ``wait``."""

    def __init__(self, upload: Callable[[int, bytes], None], concurrency: int) -> None:
        self._upload = upload
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="part-upload")
        self._slots = threading.BoundedSemaphore(concurrency)
        self._futures: list[Future[None]] = []
        self.sent: list[list[int]] = []  # [number, size] of each part, in order

    def send(self, number: int, body: bytes) -> None:
        self._raise_failure(done_only=True)
        self._slots.acquire()
        future = self._pool.submit(self._upload, number, body)
        future.add_done_callback(lambda _: self._slots.release())
        self._futures.append(future)
        self.sent.append([number, len(body)])

    def wait(self) -> None:
        self._raise_failure(done_only=False)

    def _raise_failure(self, *, done_only: bool) -> None:
        for future in self._futures:
            if not done_only or future.done():
                future.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def copy_part(
    connector: Connector,
    *,
    folder: str,
    plan: Plan,
    identity: FileIdentity,
    state: dict[str, Any],
    event: dict[str, Any],
    passes_on: str = OUTSIDE,
) -> dict[str, Any]:
    """Copy one span (the Map item ``event``) into its parts and write its counts object; returns that
    object. ``state``: the plan step's (``plan.json``). ``passes_on``: the quote state whose counter's
    output is uploaded (Complete copies a span again inside quotes when it started inside a quoted
    field and that differs)."""
    started = time.monotonic()
    layout = plan_layout(state)
    number, start, end = part_span(event, identity.size or 0, layout.most_spans())
    last = number == int(state["parts"])
    numbers = layout.numbers(number)
    gzip = plan.key.endswith(".gz")
    config = connector.config
    at_once = layout.uploads_at_once(config.max_concurrency, config.part_size_mib * MIB)
    first = max(0, start - LOOKBEHIND)  # the bytes before the span settle its line state (part_counts)
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

    def upload(part_number: int, body: bytes) -> None:
        _upload_part(connector, plan.key, upload_id=state["upload_id"], number=part_number, body=body)

    def one_pass(cut: Cut) -> tuple[dict[str, Any], SourceFile]:
        counter = PartCounter(lookbehind=start - first, passes_on=passes_on)
        source = connector.transfer.source(plan.data_url, span=(first, end), identity=identity)
        export = connector.transfer.export_stream(source, state["columns"] if number == 1 else None, gzip, counter)
        uploads = _PartUploads(upload, at_once)
        try:
            for part_number, body, final in cut(export.stream.read):
                uploads.send(part_number, padded(body, last=False) if final and gzip and not last else body)
            document = {
                "object_bytes": sum(size for _, size in uploads.sent),
                "parts": uploads.sent,
                "counts": counter.result().to_json(),
                "data_bytes": end - start + 1,
            }
            # The counts belong to the span's bytes (read under If-Match), not to the upload, and
            # Complete reads them only once every span has finished: written while the last part uploads.
            connector.objects.put(f"{folder}parts/{number}.json", document)
            uploads.wait()
        finally:
            export.close()
            uploads.close()
        return document, source

    document, source = one_pass(lambda read: cut_parts(read, numbers, layout.part_bytes))
    total = int(document["object_bytes"])
    if len(document["parts"]) < len(numbers) and not last:  # its empty lines, left out, shortened it
        # Its numbers must all be used (S3 completes checksummed parts numbered without a gap): cut
        # again into equal parts where they can be 5 MiB each. Else the gap stays, and Complete either
        # copies the span again inside quotes (its "empty lines" were in a quoted field) or says why.
        fills = total // len(numbers) >= MIN_PART_BYTES
        log.warning("part short of its part numbers", extra={"key": plan.key, "part": number, "cut_again": fills})
        if fills:
            document, source = one_pass(lambda read: cut_even(read, numbers, total))
    log.info(
        "part finished",
        extra={
            "key": plan.key,
            "part": number,
            "s3_parts": len(document["parts"]),
            "data_bytes": source.bytes_read,
            "object_bytes": document["object_bytes"],
            "resumes": source.resumes,
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return document
