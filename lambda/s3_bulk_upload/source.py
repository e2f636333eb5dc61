"""Read a CI360 staging file from its pre-signed URL: parallel ranges, retries, resume, length check.

One GET connection to S3 carries about 85-90 MB/s (less across Regions), so a large file is read
as byte ranges on several connections at once and handed on strictly in order. The library
options were weighed first (docs/performance.md): awscrt's S3 client reserves at least 1 GiB of
buffer; s3transfer's downloader needs a bucket and key, not a pre-signed URL.

Pre-signed URLs are bearer credentials: no message raised or logged here holds the query string,
and exceptions from requests (whose text does) are replaced, not chained.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .errors import UpstreamError
from .units import MIB

log = logging.getLogger(__name__)

READ_SIZE = MIB
BACKOFF_MAX_SECONDS = 10.0
_RETRY_STATUSES = (429, 500, 502, 503, 504)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
# Failures of an open body: the connection dropped, timed out or ended early.
_STREAM_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2.0 ** (attempt - 1), BACKOFF_MAX_SECONDS)


def make_session(policy: RetryPolicy, connections: int = 1) -> requests.Session:
    """A session whose adapter retries connection errors and 429/5xx answers with backoff."""
    retry = Retry(
        total=policy.max_retries,
        connect=policy.max_retries,
        read=policy.max_retries,
        status=policy.max_retries,
        backoff_factor=policy.backoff_seconds,
        backoff_max=BACKOFF_MAX_SECONDS,
        status_forcelist=_RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    # No proxies or .netrc from the environment: the URL alone decides where the bytes come from.
    session.trust_env = False
    adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=connections + 1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept-Encoding": "identity", "User-Agent": "ci360-s3-bulk-upload"})
    return session


class _ShortRead(Exception):
    """The body ended before Content-Length bytes arrived."""


class SourceFile:
    """One staging file behind a pre-signed URL, read as a stream of chunks that survives drops.

    ``chunks()`` retries and resumes with ``Range`` from the byte reached, asks for the same file
    (``If-Match`` on the first ETag, same size), and fails rather than deliver a short or spliced body.
    """

    def __init__(
        self,
        session: requests.Session,
        url: str,
        label: str,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        check_deadline: Callable[[], None] | None = None,
        connections: int = 1,
        range_size: int = 8 * MIB,
    ) -> None:
        self._session = session
        self._url = url
        self._label = label
        self._host = urlsplit(url).hostname or "?"
        self._policy = policy
        self._sleep = sleep
        self._check_deadline = check_deadline or (lambda: None)
        self.bytes_read = 0
        self.size: int | None = None
        self.resumes = 0
        self._response: requests.Response | None = None
        self._etag: str | None = None
        self._connections = connections
        self._range_size = range_size
        self._lock = threading.Lock()

    def _get(self, start: int, range_header: str | None = None) -> requests.Response:
        headers = {}
        if range_header or start:
            headers["Range"] = range_header or f"bytes={start}-"
        if start and self._etag:
            # A resumed read must continue the same file: S3 answers 412 if it was replaced.
            headers["If-Match"] = self._etag
        try:
            response = self._session.get(
                self._url,
                headers=headers,
                stream=True,
                timeout=(self._policy.connect_timeout, self._policy.read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise UpstreamError(
                f"{self._label}: could not fetch from {self._host} ({type(exc).__name__}) "
                f"after {self._policy.max_retries} retries"
            ) from None
        if response.status_code in (200, 206):
            return response
        response.close()
        raise UpstreamError(self._status_message(response.status_code))

    def _status_message(self, status: int) -> str:
        if status == 403:
            return (
                f"{self._label}: {self._host} answered 403 Forbidden (the pre-signed URL has expired or is not valid)"
            )
        if status == 404:
            return f"{self._label}: {self._host} answered 404 Not Found"
        if status == 412:
            return f"{self._label}: the file on {self._host} changed during the transfer"
        if status in _RETRY_STATUSES:
            return f"{self._label}: {self._host} answered HTTP {status} after {self._policy.max_retries} retries"
        return f"{self._label}: {self._host} answered HTTP {status}"

    @staticmethod
    def _content_range(response: requests.Response) -> re.Match[str] | None:
        return _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())

    @classmethod
    def _total_length(cls, response: requests.Response) -> int | None:
        if response.status_code == 206:
            match = cls._content_range(response)
            if match and match.group(3) != "*":
                return int(match.group(3))
            return None
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None

    def probe_size(self) -> int | None:
        """Size from a one-byte ranged GET (a URL signed for GET rejects HEAD)."""
        response = self._get(0, range_header="bytes=0-0")
        try:
            return self._total_length(response)
        finally:
            response.close()

    def _open_at(self, position: int, end: int | None = None) -> requests.Response:
        """A response from ``position`` (to ``end``, when given) of the same file; 200 if Range was ignored."""
        response = self._get(position, f"bytes={position}-{end}" if end is not None else None)
        if response.status_code == 206:
            match = self._content_range(response)
            total = self.size if self.size is not None else self._total_length(response)
            last = None if end is None or total is None else min(end, total - 1)
            if not match or int(match.group(1)) != position or (last is not None and int(match.group(2)) != last):
                response.close()
                raise UpstreamError(f"{self._label}: {self._host} answered a range that was not asked for")
        if position == 0:
            self.size = self._total_length(response)
            self._etag = response.headers.get("ETag")
        elif self.size is not None and self._total_length(response) not in (None, self.size):
            response.close()
            raise UpstreamError(f"{self._label}: the file on {self._host} changed size during the transfer")
        return response

    def _body(self, response: requests.Response, position: int) -> Iterator[bytes]:
        """The body from ``position`` on; bytes before it are dropped when Range was ignored."""
        skip = position if response.status_code == 200 else 0
        while True:
            chunk = response.raw.read(READ_SIZE, decode_content=False)
            if not chunk:
                return
            if skip:
                dropped = min(skip, len(chunk))
                skip -= dropped
                chunk = chunk[dropped:]
                if not chunk:
                    continue
            yield chunk

    def open(self) -> None:
        """Start the download, so a 403 or 404 fails before anything is written and ``size`` is known.

        With several connections the first request asks for the first range only: a 206 answer
        says the server honours Range (and gives the size), a 200 that it does not.
        """
        if self._response is None:
            first = self._range_size - 1 if self._connections > 1 else None
            self._response = self._open_at(0, first)

    def chunks(self) -> Generator[bytes, None, None]:
        """Yield the whole file; raise UpstreamError when it cannot be read completely."""
        self.open()
        response, self._response = self._response, None
        assert response is not None
        if response.status_code == 206:
            match = self._content_range(response)
            last = int(match.group(2)) if match else -1
            if self.size is None:  # a range of a file of unknown size: read it whole, on one stream
                response.close()
                response = self._open_at(0)
            elif last < self.size - 1:
                yield from self._ranged(response)
                return
        elif self._connections > 1:
            log.info("the source ignores Range: one stream", extra={"file": self._label})
        yield from self._stream(response)

    def _stream(self, response: requests.Response) -> Generator[bytes, None, None]:
        """The file on one connection, resumed with Range from the byte reached.

        The retry budget (``_before_resume``) lets a long export over a flaky link still land.
        """
        failures_in_a_row = 0
        while True:
            resumed_at = self.bytes_read
            try:
                for chunk in self._body(response, self.bytes_read):
                    self.bytes_read += len(chunk)
                    if self.size is not None and self.bytes_read > self.size:
                        raise UpstreamError(f"{self._label}: {self._host} sent more bytes than Content-Length")
                    yield chunk
                if self.size is not None and self.bytes_read != self.size:
                    raise _ShortRead()
                return
            except (_ShortRead, *_STREAM_ERRORS) as exc:
                error = type(exc).__name__
            finally:
                response.close()
            failures_in_a_row = self._before_resume(
                failures_in_a_row, self.bytes_read - resumed_at, self.bytes_read, error
            )
            response = self._open_at(self.bytes_read)

    def _before_resume(self, failures_in_a_row: int, progress: int, at_byte: int, error: str, **extra: int) -> int:
        """Count an interruption against the budget (raise when spent), log it, wait; the new count.

        The budget counts interruptions in a row: a resume that moved at least a read's worth of
        bytes forward earns it back. The deadline is checked before and after the wait.
        """
        failures_in_a_row = 1 if progress >= READ_SIZE else failures_in_a_row + 1
        if failures_in_a_row > self._policy.max_retries:
            raise UpstreamError(
                f"{self._label}: transfer from {self._host} stopped at byte {at_byte} "
                f"of {self.size if self.size is not None else 'unknown'} "
                f"after {self._policy.max_retries} resumes ({error})"
            )
        with self._lock:  # ranges resume from several threads
            self.resumes += 1
            attempt = self.resumes
        log.warning(
            "source interrupted; resuming",
            extra={"file": self._label, "at_byte": at_byte, "attempt": attempt, "error": error, **extra},
        )
        self._check_deadline()
        self._sleep(self._policy.backoff(failures_in_a_row))
        self._check_deadline()
        return failures_in_a_row

    # -- several connections -------------------------------------------------------------------

    def _ranged(self, first: requests.Response) -> Generator[bytes, None, None]:
        """The file as ranges fetched on several connections, yielded strictly in order.

        The window of ranges in flight starts at ``connections``; it halves (to two at least) each
        time the next range is already there when it is wanted, and doubles back each time it is
        not: a slow source keeps every connection, a fast one (the upload is then the bottleneck)
        does not pile ranges up in memory. Memory: at most the window's ranges plus the one being
        handed on. Each range has its own retries and resume, ``If-Match`` on the first ETag and a
        checked Content-Range; the first failure that exhausts them ends the whole read.
        """
        assert self.size is not None
        size, step = self.size, self._range_size
        ranges = [(start, min(start + step, size) - 1) for start in range(0, size, step)]
        stop = threading.Event()
        pool = ThreadPoolExecutor(max_workers=self._connections, thread_name_prefix="source")
        pending: deque[Future[list[bytes]]] = deque()
        queued = 0

        def queue_next() -> None:
            nonlocal queued
            start, end = ranges[queued]
            opened = first if queued == 0 else None
            pending.append(pool.submit(self._fetch_range, start, end, opened, stop))
            queued += 1

        window = self._connections
        try:
            while pending or queued < len(ranges):
                if pending:  # is the source the bottleneck (the next range still on its way)?
                    ahead = pending[0].done()
                    window = max(2, window // 2) if ahead else min(2 * window, self._connections)
                while queued < len(ranges) and len(pending) < window:
                    queue_next()
                pieces = self._wait(pending.popleft())
                if queued < len(ranges):
                    queue_next()
                for piece in pieces:
                    self.bytes_read += len(piece)
                    yield piece
                del pieces
        finally:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            first.close()

    def _wait(self, future: Future[list[bytes]]) -> list[bytes]:
        """The range's bytes; checks the deadline while a slow range is still on its way."""
        while True:
            try:
                return future.result(timeout=1.0)
            except FutureTimeout:
                self._check_deadline()

    def _fetch_range(
        self, start: int, end: int, response: requests.Response | None, stop: threading.Event
    ) -> list[bytes]:
        """Bytes ``start``..``end`` (inclusive) as the pieces read (no copies), resumed after a drop."""
        wanted = end - start + 1
        pieces: list[bytes] = []
        have = 0
        failures_in_a_row = 0
        while True:
            position = start + have
            resumed_at = have
            try:
                if response is None:
                    if not pieces:  # a range's first request (a resume was checked after its wait)
                        self._check_deadline()
                    response = self._open_at(position, end)
                for chunk in self._body(response, position):
                    if stop.is_set():
                        return []
                    piece = chunk[: wanted - have]  # a 200 answer (Range ignored) is cut here
                    pieces.append(piece)
                    have += len(piece)
                    if have == wanted:
                        return pieces
                raise _ShortRead()
            except (_ShortRead, *_STREAM_ERRORS) as exc:
                error = type(exc).__name__
            finally:
                if response is not None:
                    response.close()
                response = None
            failures_in_a_row = self._before_resume(
                failures_in_a_row, have - resumed_at, start + have, error, range_end=end
            )

    def read_all(self, limit: int) -> bytes:
        """A small file (the metadata) whole, refusing anything larger than ``limit``."""
        parts: list[bytes] = []
        for chunk in self.chunks():
            parts.append(chunk)
            if self.bytes_read > limit:
                raise UpstreamError(f"{self._label} is larger than {limit} bytes")
        return b"".join(parts)
