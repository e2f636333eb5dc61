"""Rows and bytes across parts: the parts' outputs and counts, combined in order, are what one counter
over the whole file passes on and says (empty lines left out, quoted line breaks, \\r\\n split by a cut)."""

from __future__ import annotations

import itertools
import random

import pytest

from s3_bulk_upload.part_counts import INSIDE, LOOKBEHIND, OUTSIDE, PartCounter, PartCounts, combine
from s3_bulk_upload.records import ESCAPE_CHARACTER, RecordCounter


def whole(data: bytes) -> tuple[bytes, int, int, int, int]:
    counter = RecordCounter()
    out = b"".join(counter.counted(iter([data])))
    return out, counter.total, counter.line_breaks_in_fields, counter.empty_lines, counter.escape_characters


def copy(data: bytes, start: int, end: int, passes_on: str, chunk: int) -> tuple[bytes, PartCounts]:
    first = max(0, start - LOOKBEHIND)
    piece = data[first:end]
    counter = PartCounter(lookbehind=start - first, passes_on=passes_on)
    chunks = iter([piece[at : at + chunk] for at in range(0, len(piece), chunk)])
    out = b"".join(counter.counted(chunks))
    return out, PartCounts.from_json(counter.result().to_json())  # as stored beside the manifest


def in_parts(data: bytes, cuts: list[int], chunk: int = 7) -> tuple[bytes, int, int, int, int]:
    bounds = [0, *cuts, len(data)]
    copied = [copy(data, start, end, OUTSIDE, chunk) for start, end in itertools.pairwise(bounds)]
    rows = combine([counts for _, counts in copied])
    outputs = []
    for (start, end), (out, counts), state in zip(itertools.pairwise(bounds), copied, rows.starts, strict=True):
        again = state == INSIDE and not counts.same_output  # what Complete copies again
        outputs.append(copy(data, start, end, INSIDE, chunk)[0] if again else out)
    return b"".join(outputs), rows.rows, rows.line_breaks_in_fields, rows.empty_lines, rows.escape_characters


QUOTED = b'1,"two\nlines",x\n2,"""quoted""",y\r\n\r\n3,"a\r\nb\n\nc",z\n\n4,plain,w\r5,"\xef\xbf\xbf"'


@pytest.mark.parametrize("cut", range(1, len(QUOTED)))
def test_every_cut_of_a_file_with_quoted_line_breaks_and_empty_lines_is_the_whole(cut):
    assert in_parts(QUOTED, [cut]) == whole(QUOTED)
    assert whole(QUOTED)[1:] == (5, 4, 2, 1)


@pytest.mark.parametrize("seed", range(60))
def test_random_csv_cut_anywhere_is_the_whole(seed):
    rng = random.Random(seed)
    alphabet = [b"a", b",", b'"', b'""', b"\n", b"\r\n", b"\r", b"\n\n", b"x1", ESCAPE_CHARACTER.encode()]
    data = b"".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 300)))
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randrange(0, 6)))) if len(data) > 1 else []
    assert in_parts(data, cuts, chunk=rng.choice([1, 3, 64])) == whole(data)


def test_a_part_starting_inside_a_quoted_field_with_an_empty_line_is_copied_again():
    first, second = b'1,"open\n', b'\n\nstill open",x\n\n2,y\n'
    data = first + second
    _, counts = copy(data, len(first), len(data), OUTSIDE, 5)
    assert not counts.same_output  # outside quotes its "\n\n" would be empty lines; inside, line breaks
    assert combine([copy(data, 0, len(first), OUTSIDE, 5)[1], counts]).starts == (OUTSIDE, INSIDE)
    assert in_parts(data, [len(first)]) == whole(data)
