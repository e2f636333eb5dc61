"""Rows exact across parts: each part counted once for every state a record can be in at its first byte.

A part does not know what came before it: the previous part may end inside a quoted field (a
quoted line break straddles the boundary) or in the middle of a record. The record counter's state
between two bytes is exactly that: inside quotes, in a record, or at a record's start. So a part is
fed, in one pass, to one ``RecordCounter`` per starting state, each first primed with a byte that
puts it in that state (nothing; a field byte; an opening quote). Priming adds no record and no line
break. The complete step then walks the parts in order (``combine``): the first part starts at a
record's start, each part's counts are taken for the state the previous one ended in, and that
state follows from the quotes' parity and whether a record is left open. The counter is used only
through its public API (``feed``, ``records``, ``total``, ``line_breaks_in_fields``), so a change to
how it counts (blank lines, lone ``\\r``) carries over to the parts as long as its state between two
bytes stays (inside quotes, record open).

The single path counts with one ``RecordCounter`` over the whole file; this gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .records import RecordCounter

LINE_START, IN_RECORD, IN_QUOTES = "line_start", "in_record", "in_quotes"
# A byte (fed alone) that leaves a fresh counter in that state, having counted nothing.
_PRIMES = {LINE_START: b"", IN_RECORD: b"x", IN_QUOTES: b'"'}


@dataclass(frozen=True)
class Counted:
    """What one part holds when it starts in one state: records ended, line breaks inside fields,
    and whether a record is still open at its end."""

    records: int
    line_breaks_in_fields: int
    open_at_end: bool


@dataclass(frozen=True)
class PartCounts:
    """One part's counts for every starting state, and the parity of its quotes."""

    by_start: dict[str, Counted]
    odd_quotes: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "odd_quotes": self.odd_quotes,
            "by_start": {
                state: [c.records, c.line_breaks_in_fields, c.open_at_end] for state, c in self.by_start.items()
            },
        }

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> PartCounts:
        by_start = {
            state: Counted(int(values[0]), int(values[1]), bool(values[2]))
            for state, values in document["by_start"].items()
        }
        if set(by_start) != set(_PRIMES):
            raise ValueError("part counts lack a starting state")
        return cls(by_start, bool(document["odd_quotes"]))


class PartCounter(RecordCounter):
    """Counts one part for the three starting states in one pass.

    It is itself the counter that starts at a record's start (so the transfer's pipeline uses it where
    it would use a ``RecordCounter``); the two others are fed the same chunks.
    """

    def __init__(self) -> None:
        super().__init__()
        self._others: dict[str, RecordCounter] = {}
        for state in (IN_RECORD, IN_QUOTES):
            counter = RecordCounter()
            counter.feed(_PRIMES[state])
            self._others[state] = counter
        self._quotes = 0

    def feed(self, chunk: bytes) -> None:
        super().feed(chunk)
        for counter in self._others.values():
            counter.feed(chunk)
        self._quotes += chunk.count(b'"')

    def result(self) -> PartCounts:
        counters: dict[str, RecordCounter] = {LINE_START: self, **self._others}
        return PartCounts(
            {
                state: Counted(counter.records, counter.line_breaks_in_fields, counter.total > counter.records)
                for state, counter in counters.items()
            },
            self._quotes % 2 == 1,
        )


@dataclass(frozen=True)
class Rows:
    rows: int
    line_breaks_in_fields: int


def combine(parts: list[PartCounts]) -> Rows:
    """The whole file's counts from its parts' (in order): what one counter over the file would say."""
    state, records, line_breaks = LINE_START, 0, 0
    for part in parts:
        counted = part.by_start[state]
        records += counted.records
        line_breaks += counted.line_breaks_in_fields
        inside = (state == IN_QUOTES) != part.odd_quotes
        state = IN_QUOTES if inside else IN_RECORD if counted.open_at_end else LINE_START
    return Rows(records + (0 if state == LINE_START else 1), line_breaks)
