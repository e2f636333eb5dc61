"""What a staging server's answers mean: sizes, ranges and the file's identity (pure)."""

from __future__ import annotations

import pytest

from s3_bulk_upload.source_answers import (
    ContentRange,
    FileIdentity,
    content_range,
    empty_file,
    range_as_asked,
    same_file,
    status_message,
    total_length,
)


def test_content_range_parses_known_and_unknown_totals():
    assert content_range({"Content-Range": "bytes 0-9/100"}) == ContentRange(0, 9, 100)
    assert content_range({"Content-Range": " bytes 5-9/* "}) == ContentRange(5, 9, None)
    assert content_range({"Content-Range": "items 0-9/100"}) is None
    assert content_range({}) is None


def test_total_length_comes_from_content_range_for_206_and_content_length_for_200():
    assert total_length(206, {"Content-Range": "bytes 0-0/42", "Content-Length": "1"}) == 42
    assert total_length(200, {"Content-Length": "42"}) == 42
    assert total_length(200, {"Content-Length": "-1"}) is None
    assert total_length(206, {"Content-Length": "1"}) is None


@pytest.mark.parametrize(
    ("headers", "empty"),
    [({"Content-Range": "bytes */0"}, True), ({}, True), ({"Content-Range": "bytes */10"}, False)],
)
def test_a_416_means_empty_only_for_a_total_of_zero(headers, empty):
    assert empty_file(headers) is empty


def test_a_range_answer_must_start_and_end_where_asked():
    assert range_as_asked(ContentRange(10, 19, 100), 10, 19, 100)
    assert range_as_asked(ContentRange(90, 99, 100), 90, 120, 100)  # cut at the file's last byte
    assert not range_as_asked(ContentRange(0, 19, 100), 10, 19, 100)
    assert not range_as_asked(ContentRange(10, 18, 100), 10, 19, 100)
    assert not range_as_asked(None, 10, 19, 100)
    assert range_as_asked(ContentRange(10, 99, 100), 10, None, 100)


def test_the_same_file_has_the_same_etag_and_size_where_known():
    first = FileIdentity('"a"', 100)
    assert same_file(first, '"a"', 100) and same_file(first, '"a"', None)
    assert not same_file(first, '"b"', 100)
    assert not same_file(first, '"a"', 101)


def test_status_messages_name_the_host_and_never_a_url():
    assert "403 Forbidden" in status_message("data file", "bucket.s3.amazonaws.com", 403, 5)
    assert "changed during the transfer" in status_message("data file", "h", 412, 5)
    assert "after 5 retries" in status_message("data file", "h", 503, 5)
    assert status_message("data file", "h", 418, 5) == "data file: h answered HTTP 418"
