"""Reading a file as byte ranges on several connections, handed on strictly in order.

The range scheduler of a staging-file read (``source.SourceFile``, through the ``RangeSource``
protocol: this module does not import it): a thread pool of ``connections``, ranges of
``range_size``, an adaptive window, per-range resume (the source's ``open_at``, ``body`` and
``before_resume`` keep the one-version, deadline and retry-budget rules in one place).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Protocol

from .read_failures import STREAM_ERRORS, ShortRead, failure_words

if TYPE_CHECKING:
    import requests

    from .deadline import Deadline


class RangeSource(Protocol):
    """What the scheduler needs of a file read: its settings, and one range's request, body and resume."""

    connections: int
    range_size: int
    bytes_read: int
    deadline: Deadline

    def open_at(self, position: int, end: int | None = None) -> requests.Response: ...

    def body(self, response: requests.Response, position: int) -> Iterator[bytes]: ...

    def before_resume(self, failures_in_a_row: int, progress: int, at_byte: int, error: str, **extra: int) -> int: ...


def ranged(source: RangeSource, first: requests.Response, start: int, end: int) -> Generator[bytes, None, None]:
    """Bytes ``start``..``end`` (inclusive) as ranges fetched on several connections, yielded strictly in order.

    ``first`` answers the first range. The window of ranges in flight starts at ``connections``;
    it halves (to two at least) each time the next range is already there when it is wanted, and
    doubles back each time it is not: a slow source keeps every connection, a fast one (the upload
    is then the bottleneck) does not pile ranges up in memory. Memory: at most the window's ranges
    plus the one being handed on. Each range has its own retries and resume, ``If-Match`` on the
    first ETag and a checked Content-Range; the first failure that exhausts them ends the whole read.
    """
    step = source.range_size
    ranges = [(at, min(at + step - 1, end)) for at in range(start, end + 1, step)]
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=source.connections, thread_name_prefix="source")
    pending: deque[Future[list[bytes]]] = deque()
    queued = 0

    def queue_next() -> None:
        nonlocal queued
        at, last = ranges[queued]
        opened = first if queued == 0 else None
        pending.append(pool.submit(_fetch_range, source, at, last, opened, stop))
        queued += 1

    window = source.connections
    try:
        while pending or queued < len(ranges):
            if pending:  # is the source the bottleneck (the next range still on its way)?
                ahead = pending[0].done()
                window = max(2, window // 2) if ahead else min(2 * window, source.connections)
            while queued < len(ranges) and len(pending) < window:
                queue_next()
            pieces = _wait(source, pending.popleft())
            if queued < len(ranges):
                queue_next()
            for piece in pieces:
                source.bytes_read += len(piece)
                yield piece
            del pieces
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        first.close()


def _wait(source: RangeSource, future: Future[list[bytes]]) -> list[bytes]:
    """The range's bytes; checks the deadline while a slow range is still on its way."""
    while True:
        try:
            return future.result(timeout=1.0)
        except FutureTimeout:
            source.deadline.check()


def _fetch_range(
    source: RangeSource, start: int, end: int, response: requests.Response | None, stop: threading.Event
) -> list[bytes]:
    """Bytes ``start``..``end`` (inclusive) as the pieces ``body`` hands on (only the last one is cut
    to the range's end), resumed after a drop."""
    wanted = end - start + 1
    pieces: list[bytes] = []
    have = 0
    failures_in_a_row = 0
    while True:
        position = start + have
        resumed_at = have
        try:
            if response is None:
                response = source.open_at(position, end)
            for chunk in source.body(response, position):
                if stop.is_set():
                    return []
                piece = chunk[: wanted - have]  # a 200 answer (Range ignored) is cut here
                pieces.append(piece)
                have += len(piece)
                if have == wanted:
                    return pieces
            raise ShortRead()
        except (ShortRead, *STREAM_ERRORS) as exc:
            error = failure_words(exc)
        finally:
            if response is not None:
                response.close()
            response = None
        failures_in_a_row = source.before_resume(
            failures_in_a_row, have - resumed_at, start + have, error, range_end=end
        )
