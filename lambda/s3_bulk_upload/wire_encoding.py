"""What travels on the wire is not what the file means: undo a ``Content-Encoding`` on the fly.

S3 sends ``Content-Encoding: gzip`` for an object stored with that metadata, whatever the request's
``Accept-Encoding`` says. The source reads (and resumes, and ranges) the encoded bytes; this
layer decodes them in order, so the object holds the file's meaning and ``rows`` counts records.
Output is produced in bounded pieces: a small compressed body cannot balloon memory.

zlib-ng's inflate (the gzip writer's library at levels 4-9; levels 1-3 write with ISA-L);
urllib3's own decoder is not used because it is bound to one response and cannot continue across a
resumed or ranged read.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any, cast

from zlib_ng import zlib_ng

from .errors import UpstreamError
from .units import MIB

# The most one decompress call may produce: memory stays bounded whatever the ratio.
MAX_PIECE = 8 * MIB
# The stub declares ``error`` as an instance; it is the module's exception class.
_ZLIB_ERROR = cast("type[Exception]", zlib_ng.error)
_GZIP = ("gzip", "x-gzip")
_DEFLATE = ("deflate",)


def normalise(header: str | None) -> str:
    """The Content-Encoding to undo: lower case, ``identity`` and absent are both ``""``."""
    value = (header or "").strip().lower()
    return "" if value == "identity" else value


def check_supported(encoding: str, label: str) -> None:
    if encoding and encoding not in _GZIP + _DEFLATE:
        raise UpstreamError(
            f"{label} arrived with Content-Encoding {encoding!r}, which the connector cannot decode "
            "(gzip and deflate are decoded); store the staging file without that encoding"
        )


def _new_decompressor(encoding: str, first: bytes) -> Any:
    if encoding in _GZIP:
        return zlib_ng.decompressobj(31)
    # HTTP's "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
    zlib_wrapped = (first[0] & 0x0F) == 8 and (first[0] >> 4) <= 7
    return zlib_ng.decompressobj(15 if zlib_wrapped else -15)


def decoded(chunks: Iterator[bytes], encoding: str, label: str) -> Generator[bytes, None, None]:
    """``chunks`` with ``encoding`` undone; gzip may hold several members (RFC 1952)."""
    check_supported(encoding, label)
    if not encoding:
        yield from chunks
        return
    decompressor = None
    try:
        for chunk in chunks:
            pending = chunk
            while pending:
                if decompressor is None:
                    decompressor = _new_decompressor(encoding, pending)
                piece = decompressor.decompress(pending, MAX_PIECE)
                if piece:
                    yield piece
                if decompressor.eof:
                    pending = decompressor.unused_data
                    if pending and encoding in _DEFLATE:
                        raise UpstreamError(f"{label} has data after the end of its deflate stream")
                    decompressor = None
                else:
                    pending = decompressor.unconsumed_tail
        if decompressor is not None:
            while not decompressor.eof and (piece := decompressor.decompress(b"", MAX_PIECE)):
                yield piece
            if not decompressor.eof:
                raise UpstreamError(f"{label} ended inside its {encoding} stream (truncated)")
    except _ZLIB_ERROR:
        raise UpstreamError(f"{label} is not valid {encoding} data (Content-Encoding)") from None
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
