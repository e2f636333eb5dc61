"""Read a CI360 staging file from its pre-signed URL: parallel ranges, retries, resume, length check.

One GET connection to S3 carries about 85-90 MB/s (less across Regions), so a large file is read
as byte ranges on several connections at once (``ranges``) and handed on strictly in order. The library
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
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from . import ranges, wire_encoding
from .deadline import Deadline
from .errors import UpstreamError
from .read_failures import STREAM_ERRORS, ShortRead, failure_words
from .units import MIB

log = logging.getLogger(__name__)

READ_SIZE = MIB
BACKOFF_MAX_SECONDS = 10.0
_RETRY_STATUSES = (429, 500, 502, 503, 504)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2.0 ** (attempt - 1), BACKOFF_MAX_SECONDS)


class _RetryPastDeadline(Exception):
    """A retry's pause (backoff or the server's Retry-After) would end after the deadline."""

    def __init__(self, seconds: float, status: int | None) -> None:
        super().__init__(seconds, status)
        self.seconds = seconds
        self.status = status


class DeadlineRetry(Retry):
    """urllib3's retries, whose every pause, a server's ``Retry-After`` included, ends before the deadline."""

    def __init__(self, *args: Any, deadline: Deadline | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline or Deadline.unbounded()

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        after = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        seconds = after if after is not None else self.get_backoff_time()
        self.deadline.check()  # a timeout cut short by the deadline ends here
        if seconds >= self.deadline.seconds_left():
            raise _RetryPastDeadline(seconds, response.status if response is not None else None)
        if seconds > 0:
            time.sleep(seconds)


def make_session(policy: RetryPolicy, connections: int = 1, deadline: Deadline | None = None) -> requests.Session:
    """A session whose adapter retries connection errors and 429/5xx answers with backoff, within the deadline."""
    retry = DeadlineRetry(
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
        deadline=deadline,
    )
    session = requests.Session()
    # No proxies or .netrc from the environment: the URL alone decides where the bytes come from.
    session.trust_env = False
    adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=connections + 1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept-Encoding": "identity", "User-Agent": "ci360-s3-bulk-upload"})
    return session


class _EmptyFile(Exception):
    """A ranged GET answered 416 with ``Content-Range: bytes */0``: S3's answer for a 0-byte object."""


class SourceFile:
    """One staging file behind a pre-signed URL, read as a stream of chunks that survives drops.

    ``chunks()`` retries and resumes with ``Range`` from the byte reached, asks for the same file
    (``If-Match`` on the first ETag), checks that every response carries the first one's ETag and
    size, and fails rather than deliver a short or spliced body. Without an ETag on the first
    response it neither resumes nor reads ranges: nothing could tell two versions apart. Every
    wait is bounded by ``deadline``.
    """

    def __init__(
        self,
        session: requests.Session,
        url: str,
        label: str,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
        connections: int = 1,
        range_size: int = 8 * MIB,
    ) -> None:
        self._session = session
        self._url = url
        self._label = label
        self._host = urlsplit(url).hostname or "?"
        self._policy = policy
        self._sleep = sleep
        self.deadline = deadline or Deadline.unbounded()
        self.bytes_read = 0
        self.size: int | None = None
        self.resumes = 0
        self.content_encoding = ""
        self._opened = False
        self._response: requests.Response | None = None
        self._first: tuple[str | None, int | None] | None = None  # the first response's ETag and size
        self.connections = connections
        self.range_size = range_size
        self._lock = threading.Lock()

    @property
    def _etag(self) -> str | None:
        return self._first[0] if self._first else None

    @property
    def size_verified(self) -> bool:
        """The bytes read are known to be the whole file (a size was announced and matched)."""
        return self.size is not None and self.bytes_read == self.size

    def _get(self, start: int, range_header: str | None = None) -> requests.Response:
        self.deadline.check()
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
                timeout=(
                    self.deadline.bound(self._policy.connect_timeout),
                    self.deadline.bound(self._policy.read_timeout),
                ),
                allow_redirects=False,
            )
        except _RetryPastDeadline as waited:
            status = f"answered HTTP {waited.status} and " if waited.status else "failed and "
            raise UpstreamError(
                f"{self._label}: {self._host} {status}the next try would start after the time this "
                f"invocation has left ({waited.seconds:.0f} s wait)"
            ) from None
        except requests.RequestException as exc:
            self.deadline.check()  # a timeout cut short by the deadline is the deadline's
            raise UpstreamError(
                f"{self._label}: could not fetch from {self._host}: {failure_words(exc)} "
                f"(after {self._policy.max_retries} retries)"
            ) from None
        if response.status_code in (200, 206):
            return response
        response.close()
        if response.status_code == 416 and start == 0:
            # A range from byte 0 is unsatisfiable only for an empty file (RFC 9110 §14.1.1): S3 says
            # "Content-Range: bytes */0"; some servers (moto) send no Content-Range.
            total = _UNSATISFIED_RANGE.fullmatch(response.headers.get("Content-Range", "bytes */0").strip())
            if total and total.group(1) == "0":
                if self._first is not None:  # it had bytes a moment ago
                    raise UpstreamError(f"{self._label}: the file on {self._host} changed during the transfer")
                raise _EmptyFile()
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
        """Size from a one-byte ranged GET (a URL signed for GET rejects HEAD); 0 for S3's 416 on an empty file."""
        try:
            response = self._get(0, range_header="bytes=0-0")
        except _EmptyFile:
            return 0
        try:
            return self._total_length(response)
        finally:
            response.close()

    def open_at(self, position: int, end: int | None = None) -> requests.Response:
        """A response from ``position`` (to ``end``, when given) of the same file; 200 if Range was ignored.

        The first response fixes the file's ETag and size; every later one must carry the same.
        """
        response = self._get(position, f"bytes={position}-{end}" if end is not None else None)
        if response.status_code == 206:
            match = self._content_range(response)
            total = self.size if self.size is not None else self._total_length(response)
            last = None if end is None or total is None else min(end, total - 1)
            if not match or int(match.group(1)) != position or (last is not None and int(match.group(2)) != last):
                response.close()
                raise UpstreamError(f"{self._label}: {self._host} answered a range that was not asked for")
        etag, total = response.headers.get("ETag"), self._total_length(response)
        if self._first is None:
            self._first = (etag, total)
            self.size = total
            self.content_encoding = wire_encoding.normalise(response.headers.get("Content-Encoding"))
            return response
        if etag != self._etag or (total is not None and self.size is not None and total != self.size):
            response.close()
            raise UpstreamError(
                f"{self._label}: the file on {self._host} changed during the transfer (its ETag or size differs)"
            )
        if self.size is None:
            self.size = total
        return response

    def _bound_reads(self, response: requests.Response) -> None:
        """The next socket read waits no longer than the read timeout, nor past the deadline."""
        connection = getattr(response.raw, "connection", None)
        sock = getattr(connection, "sock", None)
        if sock is not None:
            sock.settimeout(self.deadline.bound(self._policy.read_timeout))

    def body(self, response: requests.Response, position: int) -> Iterator[bytes]:
        """The body from ``position`` on, in pieces of up to READ_SIZE; bytes before ``position`` are
        dropped when Range was ignored.

        Each ``read1`` returns what one socket read brings, so a source that drips a byte at a time
        cannot hold a read open past the deadline, which is checked between reads; the reads are
        gathered into pieces of READ_SIZE (what the pipeline handles best). When the connection
        fails, what arrived is still handed on, so a resume asks only for the rest.
        """
        skip = position if response.status_code == 200 else 0
        parts: list[bytes] = []
        have = 0
        while True:
            self.deadline.check()
            self._bound_reads(response)
            try:
                chunk = response.raw.read1(READ_SIZE - have, decode_content=False)
            except STREAM_ERRORS:
                if parts:
                    yield b"".join(parts)
                raise
            if not chunk:
                if parts:
                    yield b"".join(parts)
                return
            if skip:
                dropped = min(skip, len(chunk))
                skip -= dropped
                chunk = chunk[dropped:]
                if not chunk:
                    continue
            parts.append(chunk)
            have += len(chunk)
            if have >= READ_SIZE:
                yield parts[0] if len(parts) == 1 else b"".join(parts)
                parts, have = [], 0

    def open(self) -> None:
        """Start the download, so a 403 or 404 fails before anything is written and ``size`` is known.

        With several connections the first request asks for the first range only: a 206 answer
        says the server honours Range (and gives the size), a 200 that it does not. An empty file
        answers a ranged GET with 416 (S3 does): size 0, nothing to read.
        """
        if self._opened:
            return
        self._opened = True
        first = self.range_size - 1 if self.connections > 1 else None
        try:
            self._response = self.open_at(0, first)
        except _EmptyFile:
            self.size, self._first = 0, (None, 0)
        wire_encoding.check_supported(self.content_encoding, self._label)

    def chunks(self) -> Generator[bytes, None, None]:
        """Yield the whole file as it travels (still content-encoded); raise UpstreamError when it
        cannot be read completely."""
        self.open()
        response, self._response = self._response, None
        if response is None:  # an empty file
            return
        if response.status_code == 206:
            match = self._content_range(response)
            last = int(match.group(2)) if match else -1
            if self.size is None or self._etag is None:
                # A file of unknown size, or without an ETag to hold ranges to one version: read it
                # whole, on one stream.
                response.close()
                response = self.open_at(0)
            elif last < self.size - 1:
                yield from ranges.ranged(self, response)
                return
        elif self.connections > 1:
            log.info("the source ignores Range: one stream", extra={"file": self._label})
        yield from self._stream(response)

    def content(self) -> Generator[bytes, None, None]:
        """The file's bytes as it means them: ``chunks()`` with any Content-Encoding undone."""
        self.open()
        yield from wire_encoding.decoded(self.chunks(), self.content_encoding, self._label)

    def _stream(self, response: requests.Response) -> Generator[bytes, None, None]:
        """The file on one connection, resumed with Range from the byte reached (only with an ETag).

        The retry budget (``before_resume``) lets a long export over a flaky link still land.
        """
        failures_in_a_row = 0
        while True:
            resumed_at = self.bytes_read
            try:
                for chunk in self.body(response, self.bytes_read):
                    self.bytes_read += len(chunk)
                    if self.size is not None and self.bytes_read > self.size:
                        raise UpstreamError(f"{self._label}: {self._host} sent more bytes than Content-Length")
                    yield chunk
                if self.size is not None and self.bytes_read != self.size:
                    raise ShortRead()
                return
            except (ShortRead, *STREAM_ERRORS) as exc:
                error = failure_words(exc)
            finally:
                response.close()
            if self._etag is None:
                raise UpstreamError(
                    f"{self._label}: the transfer from {self._host} broke at byte {self.bytes_read} ({error}); "
                    "the server gives no ETag, so it cannot be resumed without risking two versions joined"
                )
            failures_in_a_row = self.before_resume(
                failures_in_a_row, self.bytes_read - resumed_at, self.bytes_read, error
            )
            response = self.open_at(self.bytes_read)

    def before_resume(self, failures_in_a_row: int, progress: int, at_byte: int, error: str, **extra: int) -> int:
        """Count an interruption against the budget (raise when spent), log it, wait; the new count.

        The budget counts interruptions in a row: a resume that moved at least a read's worth of
        bytes forward earns it back. The wait ends before the deadline, or is not started.
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
        wait = self._policy.backoff(failures_in_a_row)
        self.deadline.check()
        if wait >= self.deadline.seconds_left():
            self.deadline.check()  # raises once the deadline is spent; otherwise wait what is left
            wait = max(0.0, self.deadline.seconds_left())
        self._sleep(wait)
        self.deadline.check()
        return failures_in_a_row

    def read_all(self, limit: int) -> bytes:
        """A small file (the metadata) whole, refusing anything larger than ``limit``."""
        parts: list[bytes] = []
        size = 0
        for chunk in self.content():
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UpstreamError(f"{self._label} is larger than {limit} bytes")
        return b"".join(parts)
