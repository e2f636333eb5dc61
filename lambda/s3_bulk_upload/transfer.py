"""The transfer: a staging file's bytes, counted, headed, compressed and written to S3.

``ExportStream`` is the one pipeline every path reads through: the source (the whole file, or one
byte span of it held to a known ETag and size), the record counter, the header row in front, gzip,
and a file-like ``ChunkStream`` whose reads the deadline bounds. ``Transfer.to_object`` writes
a whole file with s3transfer's managed multipart upload; the distributed path copies one span
through the same ``ExportStream``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .allowlist import redact_url
from .config import Config
from .deadline import Deadline
from .gzip_stream import gzip_chunks
from .pipeline import ChunkStream, with_header
from .records import RecordCounter
from .sink import S3Sink, part_size_for, transfer_config
from .source import SourceFile
from .source_answers import FileIdentity
from .source_session import RetryPolicy
from .units import MIB

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transferred:
    """What one transfer moved: the records counted, the bytes read and written, how long it took."""

    rows: int
    line_breaks_in_fields: int
    escape_characters: int
    data_bytes: int
    object_bytes: int
    part_size: int
    seconds: float


@dataclass
class ExportStream:
    """One read of the source on its way out: ``stream`` is what the sink reads."""

    source: SourceFile
    records: RecordCounter
    stream: ChunkStream
    _chunks: Generator[bytes, None, None]

    def close(self) -> None:
        """Close the download and stop the compression threads (on failure: now)."""
        self._chunks.close()


class Transfer:
    """Reads staging files for one invocation: one session, retry policy, deadline and settings."""

    def __init__(
        self,
        config: Config,
        session: requests.Session,
        policy: RetryPolicy,
        deadline: Deadline,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._session = session
        self._policy = policy
        self._deadline = deadline
        self._sleep = sleep

    def source(
        self,
        url: str,
        label: str = "data file",
        *,
        parallel: bool = True,
        span: tuple[int, int] | None = None,
        identity: FileIdentity | None = None,
    ) -> SourceFile:
        """A staging file (or one span of it); ``parallel=False`` reads on one connection (metadata, probes)."""
        return SourceFile(
            self._session,
            url,
            label,
            self._policy,
            sleep=self._sleep,
            deadline=self._deadline,
            connections=self._config.source_connections if parallel else 1,
            # Half a part: ranges stay aligned with the parts and hold half as much memory while they wait.
            range_size=self._config.part_size_mib * MIB // 2,
            span=span,
            identity=identity,
        )

    def export_stream(
        self, source: SourceFile, columns: list[str] | None, gzip: bool, records: RecordCounter | None = None
    ) -> ExportStream:
        """Open ``source`` (a 403 or 404 fails here, before anything is written) and build the pipeline:
        records counted (by ``records``, a part's counter, when given), the header in front when
        ``columns`` is given, gzip when asked."""
        source.open()
        records = records or RecordCounter()
        chunks = records.counted(source.content())
        if columns is not None:
            chunks = with_header(columns, chunks)
        if gzip:
            chunks = gzip_chunks(chunks, self._config.gzip_level)
        return ExportStream(source, records, ChunkStream(chunks, self._deadline), chunks)

    def to_object(
        self, sink: S3Sink, key: str, url: str, columns: list[str] | None, object_metadata: dict[str, str]
    ) -> Transferred:
        """The whole file into ``key`` (multipart; aborted on any failure); Conflict when a
        conditional write (``overwrite=false``) finds the key taken."""
        started = time.monotonic()
        gzip = key.endswith(".gz")
        log.info(
            "transfer started",
            extra={"key": key, "source": redact_url(url), "header": columns is not None, "gzip": gzip},
        )
        export = self.export_stream(self.source(url), columns, gzip)
        source = export.source
        part_size = part_size_for(source.size, self._config.part_size_mib * MIB)
        try:
            sink.upload(
                key,
                export.stream,
                metadata=object_metadata,
                config=transfer_config(part_size, self._config.max_concurrency),
                create_only=not self._config.overwrite,
                # A header row or a gzip member is always written: the stream cannot end empty.
                announced_size=source.size if columns is not None or gzip else None,
            )
        finally:
            export.close()
        seconds = time.monotonic() - started
        records = export.records
        log.info(
            "transfer finished",
            extra={
                "key": key,
                "rows": records.total,
                "data_bytes": source.bytes_read,
                "size_verified": source.size_verified,
                "content_encoding": source.content_encoding or None,
                "object_bytes": export.stream.bytes_out,
                "columns": len(columns) if columns is not None else 0,
                "line_breaks_in_fields": records.line_breaks_in_fields,
                "escape_characters": records.escape_characters,
                "empty_lines_left_out": records.empty_lines,
                "resumes": source.resumes,
                "part_size": part_size,
                "seconds": round(seconds, 3),
                "mib_per_second": round(source.bytes_read / MIB / max(seconds, 1e-6), 1),
            },
        )
        return Transferred(
            rows=records.total,
            line_breaks_in_fields=records.line_breaks_in_fields,
            escape_characters=records.escape_characters,
            data_bytes=source.bytes_read,
            object_bytes=export.stream.bytes_out,
            part_size=part_size,
            seconds=seconds,
        )
