"""Record counting agrees with Python's csv module whatever the chunking."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devkit.events import sample_bytes
from s3_bulk_upload.records import RecordCounter


def count(data: bytes, cut: int = 7) -> int:
    counter = RecordCounter()
    for chunk in (data[i : i + cut] for i in range(0, len(data), cut)):
        counter.feed(chunk)
    return counter.total


@pytest.mark.parametrize(
    ("data", "records"),
    [
        (b"", 0),
        (b"a,b\n", 1),
        (b"a,b", 1),
        (b"a,b\nc,d", 2),
        (b"a,b\r\nc,d\r\n", 2),
        (b'a,"line one\nline two"\nc,d\n', 2),
        (b'a,"say ""hi""\n, twice"\n', 1),
        (b'"unterminated\nfield', 1),
        (b"\n\n", 2),
    ],
)
def test_records(data, records):
    assert count(data) == records
    assert count(data, cut=1) == records


def test_the_sample_export():
    data = sample_bytes("data.csv")
    assert count(data, cut=5) == len(list(csv.reader(io.StringIO(data.decode()))))


fields = st.text(alphabet='ab,"\n ', max_size=8)


@given(st.lists(st.lists(fields, min_size=1, max_size=4), max_size=12), st.integers(1, 50), st.booleans())
def test_counts_what_csv_writes(rows, cut, final_newline):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode()
    if not final_newline and data.endswith(b"\n"):
        data = data[:-1]
    assert count(data, cut) == len(rows)


@given(st.lists(st.lists(fields, min_size=1, max_size=4), max_size=12), st.integers(1, 50))
def test_counts_the_line_breaks_inside_fields_whatever_the_chunking(rows, cut):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode()
    counter = RecordCounter()
    for chunk in (data[i : i + cut] for i in range(0, len(data), cut)):
        counter.feed(chunk)
    assert counter.line_breaks_in_fields == sum(field.count("\n") for row in rows for field in row)
