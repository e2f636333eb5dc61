"""What a part event may ask for, and what a failure's cause may show in a log line."""

from __future__ import annotations

import pytest

from s3_bulk_upload.distributed_steps import status_of
from s3_bulk_upload.errors import BadRequest
from s3_bulk_upload.part_copy import part_span, safe_cause


def test_a_part_span_inside_the_file_is_taken():
    assert part_span({"part": 2, "start": 10, "end": 19}, 20, 625) == (2, 10, 19)


@pytest.mark.parametrize(
    "event",
    [
        {"part": 1, "start": 0},
        {"part": True, "start": 0, "end": 1},
        {"part": 0, "start": 0, "end": 1},
        {"part": 626, "start": 0, "end": 1},
        {"part": 1, "start": 5, "end": 4},
        {"part": 1, "start": 0, "end": 20},
        {"part": "1", "start": 0, "end": 1},
    ],
)
def test_a_part_event_outside_the_file_or_malformed_is_refused(event):
    with pytest.raises(BadRequest):
        part_span(event, 20, 625)


def test_a_cause_is_logged_short_and_without_a_query_string():
    cause = "data file: https://h.example/d.csv?X-Amz-Signature=secret answered 403 " + "x" * 1000
    logged = safe_cause(cause)
    assert "secret" not in logged and len(logged) <= 500


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("UpstreamError", 502),
        ("SourceGone", 502),
        ("Conflict", 409),
        ("BadRequest", 400),
        ("States.ExceedToleratedFailureThreshold", 500),
    ],
)
def test_a_failure_is_counted_under_the_status_a_synchronous_delivery_would_answer(name, status):
    assert status_of(name) == status
