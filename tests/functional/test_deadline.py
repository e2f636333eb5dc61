"""The deadline bounds every wait: with a 20 s Lambda context each slow source gets its 5xx answer
before the reserve runs out, with no object and no open multipart upload.

Each source is slow in a way no per-read timeout notices on its own: a byte every 2 s keeps a
socket alive forever; a ``Retry-After: 20`` asks for more time than there is.
"""

from __future__ import annotations

import time

import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import lambda_handler

CONTEXT_SECONDS = 20.0
HEADER = sample_bytes("metadata_header.csv")
DATA = b"0123456789,abcdefghij,klmnopqrst\n" * 260_000  # ~8.2 MiB: a 5 MiB part is uploaded before the drip
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def settings(monkeypatch, bucket):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("delivery_mode", "sync")


def run(staging, data: Behaviour | None = None, metadata: Behaviour | None = None):
    request = bulk_request(staging.put("/d.csv", DATA, data), staging.put("/m.csv", HEADER, metadata))
    started = time.monotonic()
    response = lambda_handler(proxy_event(request), LocalContext(timeout_seconds=CONTEXT_SECONDS))
    return response["statusCode"], answer(response), time.monotonic() - started


def assert_answered_in_time_and_nothing_left(status, body, seconds, s3, bucket):
    assert 500 <= status < 600, body
    assert seconds < CONTEXT_SECONDS, f"answered after {seconds:.1f} s: Lambda would have stopped the function"
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_data_file_that_drips_on_one_stream(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("source_connections", "1")
    status, body, seconds = run(staging, Behaviour(drip_after=6 * MIB, drip_seconds=2))
    assert_answered_in_time_and_nothing_left(status, body, seconds, s3, bucket)
    assert "before the Lambda timeout" in body["message"]


def test_a_data_file_that_drips_when_ranges_are_ignored(s3, bucket, staging):
    status, body, seconds = run(staging, Behaviour(drip_after=6 * MIB, drip_seconds=2, honour_range=False))
    assert_answered_in_time_and_nothing_left(status, body, seconds, s3, bucket)


def test_a_retry_after_longer_than_the_time_left(s3, bucket, staging):
    status, body, seconds = run(staging, Behaviour(status=503, retry_after=20))
    assert_answered_in_time_and_nothing_left(status, body, seconds, s3, bucket)
    assert seconds < 5  # no point waiting for a retry that cannot happen
    assert body["status"] == "UpstreamError" and "HTTP 503" in body["message"]


def test_a_metadata_file_that_drips(s3, bucket, staging):
    status, body, seconds = run(staging, metadata=Behaviour(drip_after=10, drip_seconds=2))
    assert_answered_in_time_and_nothing_left(status, body, seconds, s3, bucket)


def test_a_size_probe_that_never_answers(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("delivery_mode", "auto")
    status, body, seconds = run(staging, Behaviour(stall_seconds=25, stall_times=10))
    assert_answered_in_time_and_nothing_left(status, body, seconds, s3, bucket)
