"""Spans and their S3 parts within S3's limits, the cut of a span's output, the padding that keeps a
small .gz part legal, and the check of the parts Complete is about to join."""

from __future__ import annotations

import gzip
import io
import itertools
import zlib

import pytest

from s3_bulk_upload.errors import DestinationError
from s3_bulk_upload.part_layout import (
    MAX_PARTS,
    MIN_PART_BYTES,
    check_parts,
    cut_even,
    cut_parts,
    layout,
    padded,
    padding_member,
    plan_layout,
    span_parts,
)

MIB = 1024 * 1024


@pytest.mark.parametrize("size", [1, 5 * MIB, 5 * MIB + 1, 1000 * MIB, 100 * 1024**3, 5 * 1024**4])
@pytest.mark.parametrize(("span_mib", "part_mib"), [(128, 8), (5, 8), (20, 8), (8, 8)])
@pytest.mark.parametrize("gzip", [False, True])
def test_spans_cover_the_file_in_order_and_their_part_numbers_stay_within_s3s_limits(size, span_mib, part_mib, gzip):
    cut = layout(size, span_mib * MIB, part_mib * MIB, gzip=gzip)
    spans = cut.spans(size)
    assert spans[0][0] == 0 and spans[-1][1] == size - 1
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(spans))
    assert all(end - start + 1 >= MIN_PART_BYTES for start, end in spans[:-1])
    assert cut.part_bytes >= MIN_PART_BYTES and cut.part_bytes * cut.numbers_per_span >= cut.span_bytes
    numbers = [n for span in range(1, len(spans) + 1) for n in cut.numbers(span)]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers[-1] <= MAX_PARTS
    assert len(spans) <= cut.most_spans()


def test_the_default_layout_writes_a_span_as_16_parts_and_grows_both_past_10000_numbers():
    assert layout(10 * 1024**3, 128 * MIB, 8 * MIB, gzip=False) == (128 * MIB, 8 * MIB, 16)
    assert list(layout(0, 128 * MIB, 8 * MIB, gzip=False).numbers(2)) == list(range(17, 33))
    assert layout(0, 128 * MIB, 8 * MIB, gzip=False).spans(0) == []
    # 1 TiB / 625 spans (10,000 numbers, 16 each) rounded up to whole MiB; a part a sixteenth of it.
    assert layout(1024**4, 128 * MIB, 8 * MIB, gzip=False) == (1678 * MIB, 105 * MIB, 16)
    assert layout(2 * 1024**4, 5 * MIB, 8 * MIB, gzip=False) == (210 * MIB, 210 * MIB, 1)


def test_a_gz_span_is_one_part_whose_size_its_compression_decides():
    assert layout(10 * 1024**3, 128 * MIB, 8 * MIB, gzip=True) == (128 * MIB, 128 * MIB, 1)
    assert layout(2 * 1024**4, 128 * MIB, 8 * MIB, gzip=True) == (210 * MIB, 210 * MIB, 1)


def test_grown_parts_go_fewer_at_a_time_in_the_memory_the_preferred_size_takes():
    assert layout(10 * 1024**3, 128 * MIB, 8 * MIB, gzip=False).uploads_at_once(8, 8 * MIB) == 8
    eleven = layout(100 * 1024**3, 128 * MIB, 8 * MIB, gzip=False)
    assert eleven.part_bytes == 11 * MIB and eleven.uploads_at_once(8, 8 * MIB) == 5  # 64 MiB // 11 MiB
    assert layout(1024**4, 128 * MIB, 8 * MIB, gzip=False).uploads_at_once(8, 8 * MIB) == 1  # 105 MiB parts


def cut(data: bytes, numbers: range, part: int) -> list[tuple[int, int, bool]]:
    return [(n, len(body), final) for n, body, final in cut_parts(io.BytesIO(data).read, numbers, part)]


def test_a_spans_output_is_cut_into_whole_parts_and_a_short_tail_joins_the_part_before_it():
    part = 8 * MIB
    assert cut(b"x" * (3 * part), range(17, 33), part) == [(17, part, False), (18, part, False), (19, part, True)]
    tail = MIN_PART_BYTES - 1
    assert cut(b"x" * (2 * part + tail), range(17, 33), part) == [(17, part, False), (18, part + tail, True)]
    assert cut(b"x" * (2 * part + MIN_PART_BYTES), range(1, 17), part)[-1] == (3, MIN_PART_BYTES, True)


def test_the_spans_last_number_takes_what_is_left_and_a_short_output_is_one_part():
    part = 8 * MIB
    assert cut(b"x" * (2 * part + 100), range(1, 3), part) == [(1, part, False), (2, part + 100, True)]
    assert cut(b"x" * (3 * part), range(5, 6), part) == [(5, 3 * part, True)]
    assert cut(b"x" * 100, range(1, 17), part) == [(1, 100, True)]
    assert cut(b"", range(1, 17), part) == [(1, 0, True)]


def test_a_span_cut_again_fills_every_number_with_equal_parts_or_says_why_it_cannot():
    data = b"x" * (21 * MIB)
    assert [(n, len(body)) for n, body, _ in cut_even(io.BytesIO(data).read, range(5, 9), len(data))] == [
        (5, 21 * MIB // 4),
        (6, 21 * MIB // 4),
        (7, 21 * MIB // 4),
        (8, 21 * MIB - 3 * (21 * MIB // 4)),
    ]
    with pytest.raises(ValueError, match="cannot fill 4 parts of at least 5 MiB"):
        next(cut_even(io.BytesIO(data).read, range(5, 9), 19 * MIB))


def test_the_parts_are_the_output_in_order():
    data = bytes(range(256)) * (100 * 1024)  # 25 MiB
    bodies = [body for _, body, _ in cut_parts(io.BytesIO(data).read, range(1, 17), MIN_PART_BYTES)]
    assert b"".join(bodies) == data


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


def test_complete_takes_the_parts_each_span_names_and_a_counts_object_of_one_part_per_span():
    assert span_parts({"parts": [[17, 9], [18, 3]], "object_bytes": 12}, 2) == [[17, 9], [18, 3]]
    assert span_parts({"object_bytes": 12}, 2) == [[2, 12]]


def test_a_part_missing_or_of_another_size_than_its_span_wrote_stops_complete():
    listed = {1: {"Size": 10}, 2: {"Size": 4}, 3: {"Size": 7}}
    check_parts([(1, 10), (2, 4)], listed, 2)  # 3: left by an earlier try, not named
    with pytest.raises(DestinationError, match="lacks 1 of the 2 parts"):
        check_parts([(1, 10), (4, 7)], listed, 2)
    with pytest.raises(DestinationError, match="first: \\[3\\]"):
        check_parts([(1, 10), (3, 8)], listed, 2)


def test_parts_with_a_gap_in_their_numbers_stop_complete_as_s3_would_with_part_checksums():
    """S3 answers InvalidPartOrder to a CompleteMultipartUpload of checksummed parts whose numbers
    are not 1 to N; moto completes it, so Complete checks it first."""
    listed = {1: {"Size": 10}, 2: {"Size": 4}, 3: {"Size": 7}}
    check_parts([(1, 10), (2, 4), (3, 7)], listed, 2)
    with pytest.raises(DestinationError, match="not numbered 1 to 2 without a gap \\(first: 3\\)"):
        check_parts([(1, 10), (3, 7)], listed, 2)


def test_a_plan_names_its_layout_and_one_written_before_spans_had_parts_gets_one_part_per_span():
    read = plan_layout({"span_bytes": 128, "part_bytes": 8, "numbers_per_span": 16})
    assert (read.span_bytes, read.part_bytes, list(read.numbers(2))[:2]) == (128, 8, [17, 18])
    stored = layout(10 * 1024**3, 128 * MIB, 8 * MIB, gzip=False)
    assert plan_layout({"upload_id": "u", "parts": 80, **stored._asdict()}) == stored  # as the plan step writes it
    old = plan_layout({"parts": 3})
    assert list(old.numbers(2)) == [2] and old.uploads_at_once(8, 8 * 1024 * 1024) == 1
    data = b"x" * (12 * 1024 * 1024)
    assert [(n, len(body)) for n, body, _ in cut_parts(io.BytesIO(data).read, old.numbers(2), old.part_bytes)] == [
        (2, len(data))
    ]
