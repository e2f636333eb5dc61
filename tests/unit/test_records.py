"""Record counting agrees with Python's csv module and with the reader's lines, whatever the chunking.

What the reader of the table would return is the port's line rule (``devkit.local.athena_csv.lines``,
Trino's ``TextLineReader``): the object's non-empty lines are the rows, and ``total`` must equal them.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devkit.events import sample_bytes
from devkit.local.athena_csv import lines
from s3_bulk_upload.records import ESCAPE_CHARACTER, RecordCounter


def run(data: bytes, cut: int = 7) -> tuple[RecordCounter, bytes]:
    counter = RecordCounter()
    out = b"".join(counter.counted(iter([data[i : i + cut] for i in range(0, len(data), cut)])))
    return counter, out


def count(data: bytes, cut: int = 7) -> int:
    return run(data, cut)[0].total


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
        (b"\n\n", 0),
        (b"a\rb\rc", 3),
        (b"a\r\rb\r", 2),
        (b"\xef\xbb\xbf", 0),
        (b"\xef\xbb\xbf\n", 0),
        (b"\xef\xbb", 1),
    ],
)
def test_records(data, records):
    assert count(data) == records
    assert count(data, cut=1) == records


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        (b"a,b\n\n", b"a,b\n"),
        (b"a,b\r\n\r\n", b"a,b\r\n"),
        (b"\na\n\n\nb\n\n", b"a\nb\n"),
        (b"a\r\rb", b"a\rb"),
        (b'"x\n\ny"\n\n', b'"x\n\ny"\n'),  # inside quotes: kept (a line break in a field)
        (b"\xef\xbb\xbf\nid\n", b"\xef\xbb\xbfid\n"),
    ],
)
def test_empty_lines_are_left_out_of_the_object(data, kept):
    for cut in (1, 2, 3, 100):
        counter, out = run(data, cut)
        assert out == kept
        if not counter.line_breaks_in_fields:  # the documented exception: the reader splits those
            assert counter.total == sum(1 for _ in lines(out))


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
    counter, _ = run(buffer.getvalue().encode(), cut)
    assert counter.line_breaks_in_fields == sum(field.count("\n") for row in rows for field in row)


@given(st.booleans(), st.text(alphabet='ab,\r\n"\uffff\uff45', max_size=40), st.integers(1, 9))
def test_total_is_the_number_of_rows_the_reader_returns(bom, text, cut):
    """Without quoted line breaks, every object's rows (lines that are not empty) equal ``total``; the
    escape character is counted, and another character whose UTF-8 starts with the same byte
    (U+FF45) is not."""
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    counter, out = run(data, cut)
    assert counter.escape_characters == text.count(ESCAPE_CHARACTER)
    if counter.line_breaks_in_fields == 0:
        assert counter.total == sum(1 for _ in lines(out))
        assert b"" not in list(lines(out))


@given(st.binary(max_size=60), st.integers(1, 9))
def test_whatever_the_chunking_the_answers_are_the_same(data, cut):
    whole, out = run(data, len(data) + 1)
    counter, cut_out = run(data, cut)
    assert (counter.total, counter.line_breaks_in_fields, counter.escape_characters, cut_out) == (
        whole.total,
        whole.line_breaks_in_fields,
        whole.escape_characters,
        out,
    )


def test_escape_characters_are_counted_across_chunks():
    escape = ESCAPE_CHARACTER.encode()
    data = b"a" + escape + b",b\n" + escape * 3 + b"\n"
    for cut in (1, 2, 3, 4, 100):
        assert run(data, cut)[0].escape_characters == 4


def test_a_counter_may_start_inside_a_quoted_field_or_in_a_record():
    inside = RecordCounter(inside_quotes=True)
    assert inside.feed(b'b\nc",d\n\ne\n') == b'b\nc",d\ne\n'  # the empty line is outside the field: left out
    assert (inside.records, inside.line_breaks_in_fields, inside.empty_lines) == (2, 1, 1)
    in_record = RecordCounter(line_start=False)
    assert in_record.feed(b"\nx\n") == b"\nx\n"  # the first line end ends the record that came before
    assert (in_record.records, in_record.empty_lines) == (2, 0)
    at_start = RecordCounter()
    assert at_start.feed(b"\nx\n") == b"x\n"
    assert (at_start.records, at_start.empty_lines) == (1, 1)
