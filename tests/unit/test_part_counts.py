"""Rows across parts: the parts' counts, combined in order, are what one counter over the whole file says."""

from __future__ import annotations

import itertools
import random

import pytest

from s3_bulk_upload.part_counts import PartCounter, PartCounts, combine
from s3_bulk_upload.records import RecordCounter


def whole(data: bytes) -> tuple[int, int]:
    counter = RecordCounter()
    counter.feed(data)
    return counter.total, counter.line_breaks_in_fields


def in_parts(data: bytes, cuts: list[int], chunk: int = 7) -> tuple[int, int]:
    bounds = [0, *cuts, len(data)]
    counts = []
    for start, end in itertools.pairwise(bounds):
        counter = PartCounter()
        part = data[start:end]
        for at in range(0, len(part), chunk):  # the part arrives in chunks, as from the network
            counter.feed(part[at : at + chunk])
        counts.append(PartCounts.from_json(counter.result().to_json()))  # as stored beside the manifest
    rows = combine(counts)
    return rows.rows, rows.line_breaks_in_fields


QUOTED = b'1,"two\nlines",x\n2,"""quoted""",y\r\n3,"a\r\nb\nc",z\n4,plain,w'


@pytest.mark.parametrize("cut", range(1, len(QUOTED)))
def test_every_cut_of_a_file_with_quoted_line_breaks_counts_as_the_whole(cut):
    assert in_parts(QUOTED, [cut]) == whole(QUOTED) == (4, 3)


@pytest.mark.parametrize("seed", range(40))
def test_random_csv_cut_anywhere_counts_as_the_whole(seed):
    rng = random.Random(seed)
    alphabet = [b"a", b",", b'"', b'""', b"\n", b"\r\n", b"x1"]
    data = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 400)))
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randrange(0, 6)))) if len(data) > 1 else []
    assert in_parts(data, cuts) == whole(data)


def test_a_part_ending_inside_quotes_hands_the_state_on():
    first, second = b'1,"open\n', b'still open",x\n2,y\n'
    assert in_parts(first + second, [len(first)]) == (2, 1)


def test_the_first_parts_counter_is_the_single_paths():
    counter = PartCounter()
    counter.feed(QUOTED)
    assert (counter.total, counter.line_breaks_in_fields) == whole(QUOTED)
