"""A body without Content-Length ends when the connection closes: it is checked against the size
Content-Range announces, and where no size is known at all the log says ``size_verified: false``."""

from __future__ import annotations

import json

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import Handler

DATA = b"0123456789,abcdefghij\n" * 300_000  # ~6.3 MiB


def finished(json_logs):
    events = [json.loads(line) for line in json_logs.text.splitlines() if line.startswith("{")]
    return next(e for e in events if e["message"] == "transfer finished")


def deliver(staging, behaviour):
    url = staging.put("/d.csv", DATA, behaviour)
    return Handler(sleep=lambda _: None)(proxy_event(bulk_request(url, None)), LocalContext())


def test_no_size_anywhere_is_delivered_and_logged_as_unverified(s3, bucket, staging, json_logs, monkeypatch):
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("source_connections", "1")
    response = deliver(staging, Behaviour(send_length=False))
    assert response["statusCode"] == 200, response["body"]
    assert finished(json_logs)["size_verified"] is False


def test_a_known_size_is_verified(s3, bucket, staging, json_logs, monkeypatch):
    monkeypatch.setenv("include_header", "false")
    response = deliver(staging, Behaviour())
    assert response["statusCode"] == 200
    assert finished(json_logs)["size_verified"] is True


def test_a_size_from_content_range_catches_a_clean_close_that_came_early(s3, bucket, staging, monkeypatch):
    """Ranges without Content-Length: the 206's Content-Range gives the size, a short body is not the file."""
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("source_max_retries", "1")
    monkeypatch.setenv("part_size_mib", "5")
    response = deliver(staging, Behaviour(send_length=False, truncate_at=len(DATA) - 1000))
    body = answer(response)
    assert response["statusCode"] == 502, body
    assert f"of {len(DATA)}" in body["message"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
