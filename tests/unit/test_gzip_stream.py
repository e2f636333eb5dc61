"""Parallel gzip: one standard member, exact round trip, independent of chunking and threads."""

from __future__ import annotations

import gzip
import random
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3_bulk_upload.gzip_stream import gzip_chunks


def compress(data: bytes, chunk: int = 1000, **options) -> bytes:
    return b"".join(gzip_chunks(iter([data[i : i + chunk] for i in range(0, len(data), chunk)]), **options))


@settings(max_examples=60)
@given(
    data=st.binary(max_size=20_000),
    chunk=st.integers(1, 3000),
    level=st.integers(1, 9),
    workers=st.integers(1, 4),
    block=st.integers(1, 5000),
)
def test_round_trips_any_chunking_level_workers_and_block_size(data, chunk, level, workers, block):
    out = compress(data, chunk, level=level, workers=workers, block_size=block)
    assert gzip.decompress(out) == data


@pytest.mark.parametrize("level", [2, 6])  # ISA-L's, zlib-ng's
def test_output_is_one_member_and_independent_of_chunking_and_workers(level):
    rng = random.Random(7)
    data = b"".join(f"{rng.randint(0, 10**9)},user{i}@example.com,{rng.random():.4f}\n".encode() for i in range(60_000))
    one = compress(data, 4096, level=level, workers=1, block_size=64 * 1024)
    assert one == compress(data, 333_333, level=level, workers=4, block_size=64 * 1024)
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert reader.decompress(one) == data
    assert reader.eof and reader.unused_data == b""  # a single gzip member, nothing after it
    # The preset dictionary keeps the ratio close to a single-threaded stream's at the same level.
    whole = compress(data, len(data) or 1, level=level, workers=1, block_size=len(data))
    assert len(one) < len(whole) * 1.02


@pytest.mark.parametrize("level", [2, 6])
def test_gzip_command_line_tool_accepts_it(level):
    data = b"a,b,c\n" * 300_000
    result = subprocess.run(
        ["gzip", "-dc"],
        input=compress(data, 65536, level=level, block_size=256 * 1024),
        capture_output=True,
        check=True,
    )
    assert result.stdout == data


def test_empty_input_is_a_valid_empty_gzip():
    assert gzip.decompress(compress(b"", level=6)) == b""


@pytest.mark.parametrize("level", [1, 9])
def test_levels_are_honoured(level):
    data = bytes(random.Random(1).choices(b"abcdefgh,\n", k=200_000))
    assert gzip.decompress(compress(data, level=level, block_size=50_000)) == data


def demo_export() -> bytes:
    """The demo's export: names, emails, UUIDs, dates (compresses about 3:1)."""
    from devkit.local.demo import write_export

    with tempfile.TemporaryDirectory() as tmp:
        data_file, _ = write_export(Path(tmp), 40_000)
        return data_file.read_bytes()


def bench_export() -> bytes:
    """The benchmark's export: quoted fields, repeating values (compresses about 6:1)."""
    from devkit.bench.loopback import make_export

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        make_export(path, 4 * 1024 * 1024)
        return path.read_bytes()


@pytest.mark.parametrize("export", [demo_export, bench_export])
def test_the_default_level_stays_within_ten_percent_of_zlib_level_six(export):
    """Contract §3: gzip_level's default may be any library's level whose output stays within 10 %."""
    from s3_bulk_upload.config import Config

    data = export()
    ours = len(compress(data, 65536, level=Config.gzip_level))
    zlib_six = len(compress_with_stdlib_zlib(data, level=6))
    assert ours <= 1.10 * zlib_six, (ours, zlib_six)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_the_fast_levels_stay_within_ten_percent_of_zlib_level_six(level):
    """Levels 1-3 are ISA-L's: each as small as zlib's level 6 within 10 % (zlib-ng's level 1 was 1.5x)."""
    data = demo_export()
    assert len(compress(data, 65536, level=level)) <= 1.10 * len(compress_with_stdlib_zlib(data, level=6))


@pytest.mark.parametrize("level", [4, 5, 6, 7, 8, 9])
def test_the_zlib_ng_levels_stay_as_small_as_zlib_level_six(level):
    """Levels 4-9 are zlib-ng's: each writes zlib level 6's size or less (within 1 %)."""
    data = demo_export()
    assert len(compress(data, 65536, level=level)) <= 1.01 * len(compress_with_stdlib_zlib(data, level=6))


def compress_with_stdlib_zlib(data: bytes, level: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()
