"""Gzip on the fly, compressed on several cores, written as one standard gzip member.

Deflate is sequential, but it need not be computed sequentially (the pigz method): the input is
cut into fixed blocks, each compressed independently with the previous 32 KiB as its preset
dictionary and ended with a sync flush, so the raw deflate pieces concatenate into one valid
stream. The compressor releases the GIL while it works, so threads use every core Lambda gives.
The output depends only on the input and the level, never on timing or chunking.

Deflate is done by the fastest library for the level asked (docs/performance.md, *A faster
deflate*): levels 1-3 are ISA-L's igzip levels 1-3 (python-isal), within 10 % of zlib level 6's
size on CSV at 4-16x its speed; levels 4-9 are zlib-ng's (python-zlib-ng), where 4 writes what
zlib's 6 does at 2-4x its speed. Both write standard raw deflate; the library is imported on the
first ``.gz`` delivery, so a container that never compresses does not load it.
"""

from __future__ import annotations

import os
import struct
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import ModuleType

from .units import KIB, MIB

BLOCK_SIZE = MIB
# gzip_level up to this one is ISA-L's level of the same number; above it, zlib-ng's.
HIGHEST_ISAL_LEVEL = 3
WINDOW = 32 * KIB
# Magic, deflate, no flags, mtime 0 (reproducible), no extra flags, OS = Unix.
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
# A final, empty fixed-Huffman block: ends the deflate stream after the sync-flushed pieces.
_LAST_BLOCK = b"\x03\x00"


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _blocks(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """Regroup chunks into blocks of exactly ``size`` bytes (the last may be shorter)."""
    pending: list[bytes] = []
    have = 0
    for chunk in chunks:
        rest = chunk
        while rest:
            take = rest[: size - have]
            rest = rest[len(take) :]
            pending.append(take)
            have += len(take)
            if have == size:
                yield b"".join(pending)
                pending, have = [], 0
    if have:
        yield b"".join(pending)


def deflate_library(level: int) -> ModuleType:
    """The zlib-like module that deflates at ``level``: ``isal_zlib`` (levels 1-3) or ``zlib_ng`` (4-9)."""
    if level <= HIGHEST_ISAL_LEVEL:
        from isal import isal_zlib  # noqa: PLC0415 - loaded by the first .gz delivery only

        return isal_zlib
    from zlib_ng import zlib_ng  # noqa: PLC0415 - loaded by the first .gz delivery only

    return zlib_ng


def _deflate(library: ModuleType, block: bytes, dictionary: bytes, level: int) -> bytes:
    raw = -library.MAX_WBITS
    if dictionary:
        compressor = library.compressobj(level, library.DEFLATED, raw, zdict=dictionary)
    else:
        compressor = library.compressobj(level, library.DEFLATED, raw)
    piece: bytes = compressor.compress(block) + compressor.flush(library.Z_SYNC_FLUSH)
    return piece


def gzip_chunks(
    chunks: Iterator[bytes], level: int, workers: int | None = None, block_size: int = BLOCK_SIZE
) -> Generator[bytes, None, None]:
    """Yield the gzip encoding of the concatenated chunks."""
    workers = workers or default_workers()
    library = deflate_library(level)
    yield _HEADER
    crc, length = 0, 0
    in_flight: deque[Future[bytes]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gzip") as pool:
        previous = b""
        for block in _blocks(chunks, block_size):
            crc = library.crc32(block, crc)
            length += len(block)
            in_flight.append(pool.submit(_deflate, library, block, previous[-WINDOW:], level))
            previous = block
            # Bounded look-ahead keeps memory at about 2 × workers blocks.
            while len(in_flight) > 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()
    yield _LAST_BLOCK + struct.pack("<II", crc, length & 0xFFFFFFFF)
