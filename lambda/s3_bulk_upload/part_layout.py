"""How the distributed path cuts a data file into parts, and the padding that keeps a part legal (pure).

S3 allows at most 10,000 parts, each but the last at least 5 MiB. A plain part is its byte span
(plus the header row in front of part 1), so spans of at least 5 MiB are enough. A ``.gz`` part is
its span compressed as one gzip member, and CSV compresses 4-10x: spans are cut large (the
configured size, 128 MiB by default, leaves room for a ratio of 25) and a member that still comes
out under 5 MiB (data that compresses better than that) is followed by ``padding_member``: an
empty gzip member made of empty stored deflate blocks, which decompresses to nothing. gunzip,
Python's gzip and Hadoop/Trino's gzip codec read a multi-member file as the concatenation of its
members, so the object still gunzips to exactly header + data; it is at most 5 MiB larger per part.
"""

from __future__ import annotations

import math

from .units import MIB

MAX_PARTS = 10_000
MIN_PART_BYTES = 5 * MIB
# Magic, deflate, no flags, mtime 0, no extra flags, OS = Unix (as gzip_stream writes).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
# A non-final stored deflate block of length 0 (BFINAL 0, BTYPE 00, aligned; LEN 0, NLEN 0xFFFF).
_EMPTY_STORED_BLOCK = b"\x00\x00\x00\xff\xff"
# A final, empty fixed-Huffman block, then CRC-32 and ISIZE of nothing.
_GZIP_END = b"\x03\x00" + b"\x00" * 8


def part_bytes(size: int, preferred: int) -> int:
    """The span of every part but the last: ``preferred`` (at least 5 MiB), grown in whole MiB to fit 10,000 parts."""
    needed = math.ceil(size / MAX_PARTS / MIB) * MIB
    return max(preferred, needed, MIN_PART_BYTES)


def spans(size: int, preferred: int) -> list[tuple[int, int]]:
    """The parts' byte spans (first and last byte, inclusive), in order; a file of size 0 has none."""
    step = part_bytes(size, preferred)
    return [(start, min(start + step, size) - 1) for start in range(0, size, step)]


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
