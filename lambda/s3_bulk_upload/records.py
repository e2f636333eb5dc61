"""Counting the data file's CSV records while it streams past.

A record ends at a line end outside quotes: a newline inside a quoted field (RFC 4180) does not
end one, and a last record without a line end still counts. The ``csv`` module would decode and
split every field (tens of MB/s). Here each chunk is first reduced to its quotes and newlines
(``bytes.translate``, C speed, cheaper than counting the newlines), adjacent quote pairs are
dropped (they enclose no newline, so they change no newline's side), and what is left is a few
bytes to walk.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

_NOT_MARKS = bytes(b for b in range(256) if b not in b'"\n')


class RecordCounter:
    def __init__(self) -> None:
        self.records = 0
        self.line_breaks_in_fields = 0  # newlines inside quoted fields (Athena's CSV reader splits there)
        self._inside_quotes = False
        self._open_record = False  # bytes seen since the last record end

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        marks = chunk.translate(None, _NOT_MARKS)  # the chunk's quotes and newlines, in order
        while b'""' in marks:
            marks = marks.replace(b'""', b"")
        if b'"' not in marks:
            if self._inside_quotes:
                self.line_breaks_in_fields += len(marks)
            else:
                self.records += len(marks)  # only newlines are left
        else:
            parts = marks.split(b'"')  # newline runs between the quotes that remain
            outside, inside = (parts[1::2], parts[::2]) if self._inside_quotes else (parts[::2], parts[1::2])
            self.records += sum(map(len, outside))
            self.line_breaks_in_fields += sum(map(len, inside))
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
