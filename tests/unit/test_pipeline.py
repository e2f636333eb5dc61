"""The byte pipeline: header in front, exact-size reads, the deadline, progress logs."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3_bulk_upload.deadline import Deadline
from s3_bulk_upload.errors import DeadlineExceeded
from s3_bulk_upload.pipeline import ChunkStream, with_header

COLUMNS = ["identity_id", "email", "first_name", "churn_score", "segment, region"]


def test_header_terminator_is_found_across_chunk_boundaries():
    chunks = iter([b"a,b", b",c\r", b"\nd,e,f\r\n"])
    assert b"".join(with_header(["x", "y"], chunks)) == b"x,y\r\na,b,c\r\nd,e,f\r\n"


def test_empty_data_gives_header_with_lf():
    assert b"".join(with_header(["x"], iter([]))) == b"x\n"


@pytest.mark.parametrize("chunks", [[b"\xef\xbb\xbfa,b\r\n"], [b"\xef\xbb\xbf", b"a,b\r", b"\n"]])
def test_a_byte_order_mark_stays_at_byte_0_in_front_of_the_header(chunks):
    assert b"".join(with_header(["x", "y"], iter(chunks))) == b"\xef\xbb\xbfx,y\r\na,b\r\n"


@given(st.lists(st.binary(max_size=300), max_size=20), st.integers(1, 1000))
def test_chunk_stream_reads_are_exact_until_the_end(chunks, size):
    stream = ChunkStream(iter(chunks))
    data = b"".join(chunks)
    reads = []
    while piece := stream.read(size):
        reads.append(piece)
    assert b"".join(reads) == data
    assert all(len(r) == size for r in reads[:-1])
    assert stream.bytes_out == len(data)


def test_chunk_stream_read_all_and_readinto():
    stream = ChunkStream(iter([b"ab", b"cd", b"ef"]))
    buffer = bytearray(3)
    assert stream.readinto(memoryview(buffer)) == 3 and bytes(buffer) == b"abc"
    assert stream.read() == b"def"
    assert io.BufferedReader(ChunkStream(iter([b"xy"]))).read() == b"xy"


def test_deadline_stops_reads_below_the_reserve():
    remaining = [30_000]
    stream = ChunkStream(iter([b"a"] * 5), Deadline(lambda: remaining[0], reserve_seconds=20))
    assert stream.read(1) == b"a"
    remaining[0] = 19_999
    with pytest.raises(DeadlineExceeded):
        stream.read(1)


def test_first_line_lookahead_is_bounded(monkeypatch):
    import s3_bulk_upload.pipeline as pipeline

    monkeypatch.setattr(pipeline, "FIRST_LINE_LOOKAHEAD", 10)
    consumed = []

    def data():
        for piece in (b"aaaa", b"bbbb", b"cccc", b"dd\r\n", b"e\r\n"):
            consumed.append(piece)
            yield piece

    stream = with_header(["x"], data())
    assert next(stream) == b"x\n"  # gave up before the (CRLF) end of a very long first line
    assert consumed == [b"aaaa", b"bbbb", b"cccc"]
    assert b"".join(stream) == b"aaaabbbbccccdd\r\ne\r\n"


def test_progress_is_logged_about_every_step(monkeypatch, caplog):
    import logging

    import s3_bulk_upload.pipeline as pipeline

    monkeypatch.setattr(pipeline, "PROGRESS_EVERY_BYTES", 100)
    caplog.set_level(logging.INFO, logger="s3_bulk_upload.pipeline")
    stream = ChunkStream(iter([b"x" * 60] * 6))
    while stream.read(50):
        pass
    # Run alone, a record reaches the capture twice (the package's handler and the root's): once each.
    records = {id(r): r for r in caplog.records}.values()
    progress = [r.bytes_uploaded_to_s3 for r in records if r.getMessage() == "transfer progress"]
    assert progress == [100, 200, 300]
