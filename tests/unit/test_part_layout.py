"""Part spans within S3's limits, and the padding that keeps a small .gz part legal."""

from __future__ import annotations

import gzip
import itertools
import zlib

import pytest

from s3_bulk_upload.part_layout import MAX_PARTS, MIN_PART_BYTES, padded, padding_member, part_bytes, spans

MIB = 1024 * 1024


@pytest.mark.parametrize("size", [1, 5 * MIB, 5 * MIB + 1, 1000 * MIB, 5 * 1024**4])
def test_spans_cover_the_file_in_order_within_s3s_limits(size):
    layout = spans(size, 128 * MIB)
    assert layout[0][0] == 0 and layout[-1][1] == size - 1
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(layout))
    assert len(layout) <= MAX_PARTS
    assert all(end - start + 1 >= MIN_PART_BYTES for start, end in layout[:-1])


def test_an_empty_file_has_no_parts_and_the_preferred_size_is_grown_to_fit_10000():
    assert spans(0, 128 * MIB) == []
    assert part_bytes(2 * 1024**4, 5 * MIB) == 210 * MIB  # 2 TiB / 10,000 rounded up to whole MiB


def test_a_padding_member_is_an_empty_gzip_member_of_the_asked_size():
    member = padding_member(5 * MIB)
    assert 5 * MIB <= len(member) < 5 * MIB + 5
    assert gzip.decompress(member) == b""
    decompressor = zlib.decompressobj(31)
    assert decompressor.decompress(member) == b"" and decompressor.eof


def test_a_small_gz_part_is_padded_to_5_mib_and_still_gunzips_to_its_data():
    part = gzip.compress(b"a,b\n" * 1000)
    assert len(padded(part, last=False)) >= MIN_PART_BYTES
    assert padded(part, last=True) == part
    assert gzip.decompress(padded(part, last=False) + gzip.compress(b"c,d\n")) == b"a,b\n" * 1000 + b"c,d\n"
