"""Read a CI360 staging file from its pre-signed URL: parallel ranges, retries, resume, length check.

One GET connection to S3 carries about 85-90 MB/s (less across Regions), so a large file is read
as byte ranges on several connections at once (``ranges``) and handed on strictly in order. The library
options were weighed first (docs/performance.md): awscrt's S3 client reserves at least 1 GiB of
buffer; s3transfer's downloader needs a bucket and key, not a pre-signed URL. The session is
``source_session``'s; what each answer means (sizes, ranges, identity) ``source_answers``'.

A read covers the whole file or one byte span of it (``span``); with ``identity`` (an ETag and
size found earlier) every request, the first included, is held to that version of the file.

Pre-signed URLs are bearer credentials: no message raised or logged here holds the query string,
and exceptions from requests (whose text does) are replaced, not chained.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator
from urllib.parse import urlsplit

import requests

from . import body_pieces, ranges, source_answers, wire_encoding
from .deadline import Deadline
from .errors import SourceGone, UpstreamError
from .read_failures import STREAM_ERRORS, ShortRead, failure_words
from .resume_budget import ResumeBudget
from .source_answers import FileIdentity
from .source_session import RetryPastDeadline, RetryPolicy
from .units import MIB

log = logging.getLogger(__name__)


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
        span: tuple[int, int] | None = None,
        identity: FileIdentity | None = None,
    ) -> None:
        self._session = session
        self._url = url
        self._label = label
        self._host = urlsplit(url).hostname or "?"
        self._policy = policy
        self.deadline = deadline or Deadline.unbounded()
        self.bytes_read = 0
        self.size: int | None = identity.size if identity else None
        self.content_encoding = ""
        self._opened = False
        self._answered = False  # the first response fixes the Content-Encoding
        self._response: requests.Response | None = None
        self._first: FileIdentity | None = identity  # the file's ETag and size, from the first response
        self._start: int = span[0] if span else 0  # bytes read: start..end, inclusive (None: to the end)
        self._end: int | None = span[1] if span else None
        self.connections = connections
        self.range_size = range_size
        self._budget = ResumeBudget(label, self._host, policy, self.deadline, sleep)

    @property
    def _etag(self) -> str | None:
        return self._first.etag if self._first else None

    @property
    def identity(self) -> FileIdentity | None:
        """The version of the file this read holds itself to (known once the first response arrived)."""
        return self._first

    @property
    def wanted(self) -> int | None:
        """How many bytes the read covers: the span's length, or the rest of the file from its start."""
        if self._end is not None:
            last = self._end if self.size is None else min(self._end, self.size - 1)
            return last - self._start + 1
        return None if self.size is None else self.size - self._start

    @property
    def size_verified(self) -> bool:
        """The bytes read are known to be the whole file or span (a size was announced and matched)."""
        return self.wanted is not None and self.bytes_read == self.wanted

    def _get(self, start: int, range_header: str | None = None) -> requests.Response:
        self.deadline.check()
        headers = {}
        if range_header or start:
            headers["Range"] = range_header or f"bytes={start}-"
        if self._etag:
            # A resumed or later read must continue the same file: S3 answers 412 if it was replaced.
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
        except RetryPastDeadline as waited:
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
        if response.status_code == 416 and start == 0 and source_answers.empty_file(response.headers):
            if self._first is not None:  # it had bytes a moment ago
                raise UpstreamError(source_answers.changed(self._label, self._host))
            raise _EmptyFile()
        failure = SourceGone if response.status_code in (403, 404, 410, 412) else UpstreamError
        raise failure(
            source_answers.status_message(self._label, self._host, response.status_code, self._policy.max_retries)
        )

    def probe(self) -> FileIdentity:
        """ETag and size from a one-byte ranged GET (a URL signed for GET rejects HEAD); S3's 416 on an
        empty file is size 0."""
        try:
            response = self._get(0, range_header="bytes=0-0")
        except _EmptyFile:
            return FileIdentity(None, 0)
        try:
            encoding = wire_encoding.normalise(response.headers.get("Content-Encoding"))
            return FileIdentity(response.headers.get("ETag"), self._total(response), encoding)
        finally:
            response.close()

    def probe_size(self) -> int | None:
        return self.probe().size

    @staticmethod
    def _total(response: requests.Response) -> int | None:
        return source_answers.total_length(response.status_code, response.headers)

    def open_at(self, position: int, end: int | None = None) -> requests.Response:
        """A response from ``position`` (to ``end``, when given) of the same file; 200 if Range was ignored.

        The first response fixes the file's ETag and size; every later one must carry the same.
        """
        response = self._get(position, f"bytes={position}-{end}" if end is not None else None)
        etag, total = response.headers.get("ETag"), self._total(response)
        if response.status_code == 206:
            answered = source_answers.content_range(response.headers)
            size = self.size if self.size is not None else total
            if not source_answers.range_as_asked(answered, position, end, size):
                response.close()
                raise UpstreamError(f"{self._label}: {self._host} answered a range that was not asked for")
        if self._first is None:
            self._first = FileIdentity(etag, total)
            self.size = total
        elif not source_answers.same_file(self._first, etag, total):
            response.close()
            raise UpstreamError(source_answers.changed(self._label, self._host, " (its ETag or size differs)"))
        if self.size is None:
            self.size = total
        if not self._answered:
            self._answered = True
            self.content_encoding = wire_encoding.normalise(response.headers.get("Content-Encoding"))
        return response

    def body(self, response: requests.Response, position: int) -> Iterator[bytes]:
        """The body from ``position`` on, in pieces (``body_pieces``), each read bounded by the deadline."""
        return body_pieces.pieces(response, position, self.deadline, self._policy.read_timeout)

    def open(self) -> None:
        """Start the download, so a 403 or 404 fails before anything is written and ``size`` is known.

        With several connections the first request asks for the first range only: a 206 answer
        says the server honours Range (and gives the size), a 200 that it does not. An empty file
        answers a ranged GET with 416 (S3 does): size 0, nothing to read.
        """
        if self._opened:
            return
        self._opened = True
        first = self._start + self.range_size - 1 if self.connections > 1 else self._end
        if first is not None and self._end is not None:
            first = min(first, self._end)
        try:
            self._response = self.open_at(self._start, first)
        except _EmptyFile:
            self.size, self._first = 0, FileIdentity(None, 0)
        wire_encoding.check_supported(self.content_encoding, self._label)

    def chunks(self) -> Generator[bytes, None, None]:
        """Yield the file (or span) as it travels (still content-encoded); raise UpstreamError when it
        cannot be read completely."""
        self.open()
        response, self._response = self._response, None
        if response is None:  # an empty file
            return
        if response.status_code == 206:
            answered = source_answers.content_range(response.headers)
            last = answered.last if answered else -1
            end = self._start + self.wanted - 1 if self.wanted is not None else None
            if end is None or self._etag is None:
                # A file of unknown size, or without an ETag to hold ranges to one version: read it
                # (or the span) on one stream.
                response.close()
                response = self.open_at(self._start, self._end)
            elif last < end:
                yield from ranges.ranged(self, response, self._start, end)
                return
        elif self.connections > 1:
            log.info("the source ignores Range: one stream", extra={"file": self._label})
        yield from self._stream(response)

    def content(self) -> Generator[bytes, None, None]:
        """The file's bytes as it means them: ``chunks()`` with any Content-Encoding undone."""
        self.open()
        yield from wire_encoding.decoded(self.chunks(), self.content_encoding, self._label)

    def _stream(self, response: requests.Response) -> Generator[bytes, None, None]:
        """The file (or span) on one connection, resumed with Range from the byte reached (only with an ETag).

        The retry budget (``before_resume``) lets a long export over a flaky link still land.
        """
        failures_in_a_row = 0
        while True:
            resumed_at = self.bytes_read
            try:
                for piece in self.body(response, self._start + self.bytes_read):
                    wanted = self.wanted
                    # A span's read ends at its end, even where Range was ignored (200).
                    chunk = piece[: wanted - self.bytes_read] if wanted is not None and self._end is not None else piece
                    self.bytes_read += len(chunk)
                    if wanted is not None and self.bytes_read > wanted:
                        raise UpstreamError(f"{self._label}: {self._host} sent more bytes than Content-Length")
                    if chunk:
                        yield chunk
                    if self._end is not None and self.bytes_read == wanted:
                        return
                if self.wanted is not None and self.bytes_read != self.wanted:
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
            position = self._start + self.bytes_read
            failures_in_a_row = self.before_resume(failures_in_a_row, self.bytes_read - resumed_at, position, error)
            response = self.open_at(position, self._end)

    def before_resume(self, failures_in_a_row: int, progress: int, at_byte: int, error: str, **extra: int) -> int:
        """Count an interruption against the read's budget, log it and wait (``ResumeBudget``)."""
        return self._budget.before_resume(failures_in_a_row, progress, at_byte, error, self.size, **extra)

    @property
    def resumes(self) -> int:
        return self._budget.resumes

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
