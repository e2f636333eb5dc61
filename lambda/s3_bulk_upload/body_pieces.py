"""One response's body, read as it arrives and handed on in pieces of up to READ_SIZE."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .deadline import Deadline
from .read_failures import STREAM_ERRORS
from .units import MIB

if TYPE_CHECKING:
    import requests

READ_SIZE = MIB


def _bound_reads(response: requests.Response, deadline: Deadline, read_timeout: float) -> None:
    """The next socket read waits no longer than the read timeout, nor past the deadline."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(deadline.bound(read_timeout))


def pieces(response: requests.Response, position: int, deadline: Deadline, read_timeout: float) -> Iterator[bytes]:
    """The body from ``position`` on, in pieces of up to READ_SIZE; bytes before ``position`` are
    dropped when Range was ignored (a 200 answer).

    Each ``read1`` returns what one socket read brings, so a source that drips a byte at a time
    cannot hold a read open past the deadline, which is checked between reads; the reads are
    gathered into pieces of READ_SIZE (what the pipeline handles best). When the connection
    fails, what arrived is still handed on, so a resume asks only for the rest.
    """
    skip = position if response.status_code == 200 else 0
    parts: list[bytes] = []
    have = 0
    while True:
        deadline.check()
        _bound_reads(response, deadline, read_timeout)
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
