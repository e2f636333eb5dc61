"""Counting the data file's CSV records while it streams past.

A record ends at a line end outside quotes: a newline inside a quoted field (RFC 4180) does not
end one, and a last record without a line end still counts. The ``csv`` module would decode and
split every field (tens of MB/s); this splits each chunk on quotes only where it has any, and
counts newlines in the parts outside quotes with ``bytes.count`` (C speed).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator


class RecordCounter:
    def __init__(self) -> None:
        self.records = 0
        self._inside_quotes = False
        self._open_record = False  # bytes seen since the last record end

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if b'"' not in chunk:
            if not self._inside_quotes:
                self.records += chunk.count(b"\n")
        else:
            parts = chunk.split(b'"')
            outside = parts[1::2] if self._inside_quotes else parts[::2]
            self.records += b"".join(outside).count(b"\n")
            if len(parts) % 2 == 0:  # an odd number of quotes flips the state
                self._inside_quotes = not self._inside_quotes
        self._open_record = self._inside_quotes or not chunk.endswith(b"\n")

    @property
    def total(self) -> int:
        """Records so far, counting an unfinished last record (the file's last line may lack its end)."""
        return self.records + (1 if self._open_record else 0)

    def counted(self, chunks: Iterator[bytes]) -> Generator[bytes, None, None]:
        """Pass ``chunks`` through, counting as they go."""
        try:
            for chunk in chunks:
                self.feed(chunk)
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
