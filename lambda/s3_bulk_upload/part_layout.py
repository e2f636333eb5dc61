"""How the distributed path cuts a data file, and the padding that keeps a part legal (pure).

S3 allows at most 10,000 parts, each but the last at least 5 MiB, and, since every part carries a
CRC32 checksum, CompleteMultipartUpload takes only part numbers 1 to N without a gap (it answers
``InvalidPartOrder`` otherwise; moto does not check this, ``check_parts`` does). The file is cut
into spans, one per child of the Map (``distributed_part_size_mib``, 128 MiB by default). A plain
span is written as exactly ``numbers_per_span`` S3 parts (``distributed_part_size_mib`` /
``part_size_mib``, 16 by default) and owns those numbers: span n has (n - 1) * numbers_per_span + 1
onwards; only the last span may use fewer. Its output is cut into parts of ``part_bytes`` as it is
read (``cut_parts``); should empty lines, left out, leave too little for its numbers, it is cut
again into equal parts (``cut_even``). Spans and parts grow together when the file would need
more than 10,000 numbers, so every export up to S3's 5 TiB fits.

A ``.gz`` span is compressed as one gzip member whose size is not known before it is written, so
it is one part (``numbers_per_span`` 1). CSV compresses 4-10x: spans are cut large (128 MiB leaves
room for a ratio of 25) and a member that still comes out under 5 MiB (data that compresses better
than that) is followed by ``padding_member``: an empty gzip member made of empty stored deflate
blocks, which decompresses to nothing. gunzip, Python's gzip and Hadoop/Trino's gzip codec read a
multi-member file as the concatenation of its members, so the object still gunzips to exactly
header + data; it is at most 5 MiB larger per span.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from .errors import DestinationError
from .units import MIB

MAX_PARTS = 10_000
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * 1024 * MIB
# Magic, deflate, no flags, mtime 0, no extra flags, OS = Unix (as gzip_stream writes).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
# A non-final stored deflate block of length 0 (BFINAL 0, BTYPE 00, aligned; LEN 0, NLEN 0xFFFF).
_EMPTY_STORED_BLOCK = b"\x00\x00\x00\xff\xff"
# A final, empty fixed-Huffman block, then CRC-32 and ISIZE of nothing.
_GZIP_END = b"\x03\x00" + b"\x00" * 8


class Layout(NamedTuple):
    """Spans of ``span_bytes`` (the last may be shorter), each written as up to ``numbers_per_span``
    S3 parts of ``part_bytes``; the last part of a span takes what is left."""

    span_bytes: int
    part_bytes: int
    numbers_per_span: int

    def spans(self, size: int) -> list[tuple[int, int]]:
        """The spans' first and last byte (inclusive), in order; a file of size 0 has none."""
        step = self.span_bytes
        return [(start, min(start + step, size) - 1) for start in range(0, size, step)]

    def numbers(self, span: int) -> range:
        """The S3 part numbers span ``span`` (1-based) owns."""
        first = (span - 1) * self.numbers_per_span + 1
        return range(first, first + self.numbers_per_span)

    def most_spans(self) -> int:
        return MAX_PARTS // self.numbers_per_span

    def uploads_at_once(self, concurrency: int, preferred_part: int) -> int:
        """Parts a span sends at once: ``concurrency`` parts of the preferred size's worth of memory,
        at least one (parts grown past 10,000 numbers go fewer at a time, not in more memory)."""
        return max(1, concurrency * preferred_part // self.part_bytes)


def layout(size: int, preferred_span: int, preferred_part: int, *, gzip: bool) -> Layout:
    """The preferred sizes (spans at least 5 MiB), grown in whole MiB, spans and parts together,
    when ``size`` would need more than 10,000 part numbers; a ``.gz`` span is one part."""
    per_span = 1 if gzip else max(1, preferred_span // preferred_part)
    needed = math.ceil(size / (MAX_PARTS // per_span) / MIB) * MIB
    span = max(preferred_span, needed, MIN_PART_BYTES)
    part = span if gzip else max(preferred_part, math.ceil(span / per_span / MIB) * MIB)
    return Layout(span, part, per_span)


def plan_layout(state: dict[str, Any]) -> Layout:
    """The layout the plan step stored beside its other state (``Layout._asdict()``); a plan written
    before spans had several parts: one part each."""
    if "numbers_per_span" not in state:
        return Layout(0, MAX_PART_BYTES, 1)
    return Layout(*(int(state[name]) for name in Layout._fields))


def cut_parts(read: Callable[[int], bytes], numbers: range, part_bytes: int) -> Iterator[tuple[int, bytes, bool]]:
    """A span's output (``read``, filled reads) cut into S3 parts under ``numbers``, in order, each
    with whether it is the span's last: ``part_bytes`` each, a part given only once the next one is
    read, so a tail under 5 MiB joins the part before it; the last number takes all that is left.
    An output shorter than one part is one part (an empty one: one empty part)."""
    pending = read(part_bytes)
    for number in numbers[:-1]:
        following = read(part_bytes)
        if len(following) < MIN_PART_BYTES:
            yield number, pending + following, True
            return
        yield number, pending, False
        pending = following
    yield numbers[-1], pending + read(-1), True


def cut_even(read: Callable[[int], bytes], numbers: range, total: int) -> Iterator[tuple[int, bytes, bool]]:
    """An output of ``total`` bytes in exactly one part per number, of equal size (the last takes the
    rest); ValueError when that would leave a part under 5 MiB (the caller asks only when it does not)."""
    each = total // len(numbers)
    if each < MIN_PART_BYTES:
        raise ValueError(f"{total} bytes cannot fill {len(numbers)} parts of at least 5 MiB")
    for number in numbers[:-1]:
        yield number, read(each), False
    yield numbers[-1], read(-1), True


def padding_member(length: int) -> bytes:
    """An empty gzip member of at least ``length`` bytes (nothing when ``length`` <= 0)."""
    if length <= 0:
        return b""
    fixed = len(_GZIP_HEADER) + len(_GZIP_END)
    blocks = max(0, math.ceil((length - fixed) / len(_EMPTY_STORED_BLOCK)))
    return _GZIP_HEADER + _EMPTY_STORED_BLOCK * blocks + _GZIP_END


def padded(part: bytes, last: bool) -> bytes:
    """A compressed part brought up to S3's 5 MiB minimum (not the last part, which may be smaller)."""
    if last or len(part) >= MIN_PART_BYTES:
        return part
    return part + padding_member(MIN_PART_BYTES - len(part))


def span_parts(counts: dict[str, Any], span: int) -> list[list[int]]:
    """The [number, size] of each part span ``span``'s counts object names (one written before spans
    had several parts: the span's one part, numbered as the span)."""
    if "parts" in counts:
        return list(counts["parts"])
    return [[span, int(counts["object_bytes"])]]


def check_parts(chosen: list[tuple[int, int]], listed: dict[int, dict[str, Any]], spans: int) -> None:
    """Every part the spans name is in the upload, at the size its span wrote (S3 keeps the last
    upload of a number: a size that differs is an earlier try's), numbered 1 to N without a gap."""
    wrong = [number for number, size in chosen if number not in listed or int(listed[number]["Size"]) != size]
    if wrong or not chosen:
        raise DestinationError(
            f"the upload lacks {len(wrong)} of the {len(chosen)} parts its {spans} spans wrote (first: {wrong[:1]})"
        )
    gaps = [number for at, (number, _) in enumerate(chosen, 1) if number != at]
    if gaps:
        raise DestinationError(
            f"the spans' parts are not numbered 1 to {len(chosen)} without a gap (first: {gaps[0]}): a span's "
            "empty lines, left out, left too little for its part numbers; set distributed_part_size_mib to "
            "part_size_mib (one part per span) for this file"
        )
