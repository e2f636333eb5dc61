"""The byte pipeline between source and sink: header in front, optional gzip, exact-size reads.

Everything here works on iterators of chunks, so at most one part is held in memory by the
stream and nothing touches the disk.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Generator, Iterator

from .deadline import Deadline
from .metadata import header_line, line_terminator
from .records import BOM
from .units import MIB

log = logging.getLogger(__name__)

PROGRESS_EVERY_BYTES = 100 * MIB
# How far to look for the end of the first line before settling for "\n" (bounds memory).
FIRST_LINE_LOOKAHEAD = 8 * MIB


def with_header(columns: list[str], data: Iterator[bytes]) -> Generator[bytes, None, None]:
    """Yield the header line, then the data; the header ends like the data's first line.

    A UTF-8 byte-order mark at the start of the data stays at byte 0 of the object, in front of the
    header: readers skip it only there (contract §2.4).
    """
    seen: list[bytes] = []
    looked = 0
    for chunk in data:
        seen.append(chunk)
        looked += len(chunk)
        if b"\n" in chunk or looked >= FIRST_LINE_LOOKAHEAD:
            break
    first = b"".join(seen)
    bom = BOM if first.startswith(BOM) else b""
    first = first[len(bom) :]
    yield bom + header_line(columns, line_terminator(first))
    if first:
        yield first
    yield from data


class ChunkStream(io.RawIOBase):
    """A read-only file over chunks whose ``read(n)`` returns exactly n bytes until the end.

    s3transfer treats a short read from a non-seekable stream as a (too small) part, so
    reads must be filled.
    """

    def __init__(self, chunks: Iterator[bytes], deadline: Deadline | None = None) -> None:
        self._chunks = chunks
        self._deadline = deadline
        self._pending = b""
        self.bytes_out = 0
        self._next_progress = PROGRESS_EVERY_BYTES
        self._started = time.monotonic()

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._deadline is not None:
            self._deadline.check()
        if size is None or size < 0:
            parts = [self._pending, *self._chunks]
            self._pending = b""
            return self._count(b"".join(parts))
        # Gather whole chunks and split only the last one: the part is copied once, by join.
        parts, have = [self._pending], len(self._pending)
        self._pending = b""
        while have < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        if have > size:
            last = parts[-1]
            cut = len(last) - (have - size)
            parts[-1], self._pending = last[:cut], last[cut:]
        return self._count(b"".join(parts))

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _count(self, data: bytes) -> bytes:
        self.bytes_out += len(data)
        if self.bytes_out >= self._next_progress:
            elapsed = time.monotonic() - self._started
            log.info(
                "transfer progress",
                extra={
                    "bytes_uploaded_to_s3": self.bytes_out,
                    "mib_per_second": round(self.bytes_out / MIB / max(elapsed, 1e-6), 1),
                },
            )
            self._next_progress = (self.bytes_out // PROGRESS_EVERY_BYTES + 1) * PROGRESS_EVERY_BYTES
        return data
