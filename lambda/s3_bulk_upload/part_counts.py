"""Rows exact across spans (``part`` here is a span, one Map item): each counted for both quote states it
may start in, combined in order.

The record counter's state between two bytes is (inside quotes, at a line start). A part reads two
bytes before its span (``LOOKBEHIND``), which settle everything but the quote state: outside quotes
it is at a line start exactly when the byte before is a line end; a ``\\r\\n`` split by the
boundary keeps its ``\\n`` with the line end before it (passed on, not counted again); an escape
character split by it is counted here. The quote state is not local: the part is counted in one
pass by two ``RecordCounter``s, one starting outside quotes and one inside, fed the same chunks.
The Complete step walks the parts in order (``combine``): the first starts outside quotes, and each
next state follows from the quotes' parity. What the counter leaves out (empty lines) can depend on
the quote state too: the part uploads what the outside-quotes counter passes on, and records whether
the inside-quotes counter would have passed on the same bytes (``same_output``); Complete copies
again, inside quotes, the rare part that started inside a quoted field and differs.

The counter is used through its public API only (``RecordCounter(inside_quotes=, line_start=)``,
``counted``, ``records``, ``total``, ``line_breaks_in_fields``, ``empty_lines``, ``escape_characters``).
Not handled: a U+FEFF at the very start of a part other than the first, which the counter takes for a
byte-order mark (no content).
"""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from .records import ESCAPE_CHARACTER, RecordCounter

OUTSIDE, INSIDE = "outside", "inside"
LOOKBEHIND = 2  # one byte short of the escape character's three: a split one is seen whole
_ESCAPE = ESCAPE_CHARACTER.encode("utf-8")


@dataclass(frozen=True)
class Counted:
    """A part started in one quote state: records ended, line breaks inside fields, empty lines left
    out, whether a record is open at its end, and a CRC-32 and length of what it passes on."""

    records: int
    line_breaks_in_fields: int
    empty_lines: int
    open_at_end: bool
    output_crc: int
    output_bytes: int


@dataclass(frozen=True)
class PartCounts:
    by_start: dict[str, Counted]
    odd_quotes: bool
    escape_characters: int

    @property
    def same_output(self) -> bool:
        outside, inside = self.by_start[OUTSIDE], self.by_start[INSIDE]
        return (outside.output_crc, outside.output_bytes) == (inside.output_crc, inside.output_bytes)

    def to_json(self) -> dict[str, Any]:
        return {
            "odd_quotes": self.odd_quotes,
            "escape_characters": self.escape_characters,
            "by_start": {state: list(vars(counted).values()) for state, counted in self.by_start.items()},
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> PartCounts:
        by_start = {state: Counted(*values) for state, values in document["by_start"].items()}
        if set(by_start) != {OUTSIDE, INSIDE}:
            raise ValueError("part counts lack a starting state")
        return cls(by_start, bool(document["odd_quotes"]), int(document["escape_characters"]))


class PartCounter(RecordCounter):
    """One part's counts for both quote states; it passes on what starting in ``passes_on`` passes on.

    It stands where the pipeline takes a ``RecordCounter`` (``Transfer.export_stream``): its stream
    starts with up to ``LOOKBEHIND`` bytes before the span (``lookbehind``), which it does not pass on.
    """

    def __init__(self, lookbehind: int = 0, passes_on: str = OUTSIDE) -> None:
        super().__init__()
        self._lookbehind = lookbehind
        self._passes_on = passes_on
        self._counters: dict[str, RecordCounter] = {}
        self._crc = {OUTSIDE: 0, INSIDE: 0}
        self._bytes = {OUTSIDE: 0, INSIDE: 0}
        self._quotes = 0
        self._escapes_across = 0

    def counted(self, chunks: Iterator[bytes]) -> Generator[bytes, None, None]:
        try:
            stream = _bytes_after(chunks, self._lookbehind)
            previous = next(stream)
            line_start = not previous or previous.endswith((b"\n", b"\r"))
            self._counters = {
                OUTSIDE: RecordCounter(inside_quotes=False, line_start=line_start),
                INSIDE: RecordCounter(inside_quotes=True),
            }
            first = b""  # at least the span's first LOOKBEHIND bytes, for an escape split at its start
            for chunk in stream:
                first += chunk
                if len(first) >= LOOKBEHIND:
                    break
            self._escapes_across = (previous + first[:LOOKBEHIND]).count(_ESCAPE)
            prefix = {OUTSIDE: b"", INSIDE: b""}
            if previous.endswith(b"\r") and first.startswith(b"\n"):
                # The end of a "\r\n" the previous part counted at its "\r": passed on as that "\r" was,
                # which outside quotes was left out when it ended an empty line.
                first = first[1:]
                empty_line = len(previous) < LOOKBEHIND or previous[-2:-1] in (b"\r", b"\n")
                prefix = {OUTSIDE: b"" if empty_line else b"\n", INSIDE: b"\n"}
            yield from self._both(itertools.chain([first], stream), prefix)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _both(self, data: Iterator[bytes], prefix: dict[str, bytes]) -> Generator[bytes, None, None]:
        for state, piece in prefix.items():
            self._crc[state] = zlib.crc32(piece, self._crc[state])
            self._bytes[state] += len(piece)
        if prefix[self._passes_on]:
            yield prefix[self._passes_on]
        counted_quotes = _quotes_counted(data, self)
        outside_feed, inside_feed = itertools.tee(counted_quotes)
        outsides = self._counters[OUTSIDE].counted(outside_feed)
        insides = self._counters[INSIDE].counted(inside_feed)
        for outside, inside in itertools.zip_longest(outsides, insides, fillvalue=b""):
            for state, piece in ((OUTSIDE, outside), (INSIDE, inside)):
                self._crc[state] = zlib.crc32(piece, self._crc[state])
                self._bytes[state] += len(piece)
            piece = outside if self._passes_on == OUTSIDE else inside
            if piece:
                yield piece

    def count_quotes(self, chunk: bytes) -> None:
        self._quotes += chunk.count(b'"')

    def result(self) -> PartCounts:
        by_start = {
            state: Counted(
                counter.records,
                counter.line_breaks_in_fields,
                counter.empty_lines,
                counter.total > counter.records,
                self._crc[state],
                self._bytes[state],
            )
            for state, counter in self._counters.items()
        }
        escapes = self._counters[OUTSIDE].escape_characters + self._escapes_across
        return PartCounts(by_start, self._quotes % 2 == 1, escapes)


def _bytes_after(chunks: Iterator[bytes], skip: int) -> Generator[bytes, None, None]:
    """First the ``skip`` leading bytes as one piece (fewer if the stream is shorter), then the rest."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= skip:
            break
    yield head[:skip]
    if head[skip:]:
        yield head[skip:]
    yield from chunks


def _quotes_counted(data: Iterator[bytes], counter: PartCounter) -> Generator[bytes, None, None]:
    for chunk in data:
        counter.count_quotes(chunk)
        yield chunk


@dataclass(frozen=True)
class Rows:
    rows: int
    line_breaks_in_fields: int
    empty_lines: int
    escape_characters: int
    starts: tuple[str, ...]  # each part's quote state at its first byte


def combine(parts: list[PartCounts]) -> Rows:
    """The whole file's counts from its parts' (in order): what one counter over the file would say."""
    state, records, line_breaks, empty, escapes, starts = OUTSIDE, 0, 0, 0, 0, []
    open_at_end = False
    for part in parts:
        starts.append(state)
        counted = part.by_start[state]
        records += counted.records
        line_breaks += counted.line_breaks_in_fields
        empty += counted.empty_lines
        escapes += part.escape_characters
        open_at_end = counted.open_at_end
        state = INSIDE if (state == INSIDE) != part.odd_quotes else OUTSIDE
    return Rows(records + (1 if open_at_end else 0), line_breaks, empty, escapes, tuple(starts))
