"""Failures: the right answer, no object, no open multipart upload, nothing fetched when refused."""

from __future__ import annotations

import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import Handler, lambda_handler

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")
BIG = b"0123456789,abcdefghij,klmnopqrst\n" * 400_000  # ~13 MiB: several 5 MiB parts


@pytest.fixture(autouse=True)
def small_parts(monkeypatch, bucket):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("delivery_mode", "sync")
    monkeypatch.setenv("source_max_retries", "2")


def assert_nothing_written(s3, bucket):
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize(
    ("status", "fragment"),
    [(403, "403 Forbidden (the pre-signed URL has expired"), (404, "404 Not Found"), (500, "HTTP 500 after 2 retries")],
)
def test_unfetchable_data_file_is_502_and_writes_nothing(s3, bucket, staging, status, fragment):
    url = staging.put("/data.csv", DATA, Behaviour(status=status))
    response = lambda_handler(proxy_event(bulk_request(url, staging.put("/m.csv", HEADER))), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 502
    assert body["status"] == "UpstreamError"
    assert fragment in body["message"]
    assert "X-Amz-Signature" not in response["body"]
    assert_nothing_written(s3, bucket)


def test_expired_metadata_url_is_502(s3, bucket, staging):
    meta = staging.put("/m.csv", HEADER, Behaviour(status=403))
    response = lambda_handler(proxy_event(bulk_request(staging.put("/d.csv", DATA), meta)), LocalContext())
    assert response["statusCode"] == 502
    assert "metadata file" in answer(response)["message"]
    assert_nothing_written(s3, bucket)


# Inside the first part (the upload is created before that part is read) and in the last one.
@pytest.mark.parametrize("stop", [1024 * 1024, len(BIG) - 1000])
def test_permanent_truncation_mid_multipart_aborts_the_upload(s3, bucket, staging, stop):
    url = staging.put("/d.csv", BIG, Behaviour(truncate_at=stop))
    response = lambda_handler(proxy_event(bulk_request(url, staging.put("/m.csv", HEADER))), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 502, body
    assert f"stopped at byte {stop} of {len(BIG)}" in body["message"]
    assert_nothing_written(s3, bucket)


def test_connection_that_keeps_dropping_without_progress_is_502(s3, bucket, staging):
    url = staging.put("/d.csv", BIG, Behaviour(drop_after=100_000))
    response = lambda_handler(proxy_event(bulk_request(url, staging.put("/m.csv", HEADER))), LocalContext())
    assert response["statusCode"] == 502
    assert "after 2 resumes" in answer(response)["message"]
    assert_nothing_written(s3, bucket)


def test_url_expiring_during_resume_is_502(s3, bucket, staging):
    behaviour = Behaviour(drop_after=2 * 1024 * 1024, drop_times=1)  # inside the first 5 MiB range
    url = staging.put("/d.csv", BIG, behaviour)
    calls = []

    def expire_after_first(seconds):
        calls.append(seconds)
        behaviour.status = 403

    request = bulk_request(url, staging.put("/m.csv", HEADER))
    response = Handler(sleep=expire_after_first)(proxy_event(request), LocalContext())
    assert response["statusCode"] == 502
    assert "403" in answer(response)["message"]
    assert_nothing_written(s3, bucket)


def test_stops_before_the_lambda_timeout_and_leaves_nothing(s3, bucket, staging):
    class Clock(LocalContext):
        calls = 0

        def get_remaining_time_in_millis(self):
            self.calls += 1
            # 60 s left at the start: the reserve is 12 s (20 %); from the 4th look, 11 s are left.
            return 60_000 if self.calls < 4 else 11_000

    url = staging.put("/d.csv", BIG)
    response = lambda_handler(proxy_event(bulk_request(url, staging.put("/m.csv", HEADER))), Clock())
    body = answer(response)
    assert response["statusCode"] == 500
    assert body["status"] == "Error"
    assert "before the Lambda timeout" in body["message"]
    assert_nothing_written(s3, bucket)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("https://evil.example.com/data.csv?X-Amz-Signature=abc", "not in source_host_allowlist"),
        ("ftp://127.0.0.1/data.csv", "must be an https URL"),
        ("http://localhost/data.csv", "must use https"),
        ("https://127.0.0.1.evil.example/x", "not in source_host_allowlist"),
    ],
)
def test_disallowed_url_is_400_and_nothing_is_fetched(s3, bucket, staging, url, fragment):
    meta = staging.put("/m.csv", HEADER)
    response = lambda_handler(proxy_event(bulk_request(url, meta)), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 400
    assert body["status"] == "BadRequest"
    assert fragment in body["message"]
    assert "X-Amz-Signature" not in response["body"]
    assert staging.requests == []
    assert_nothing_written(s3, bucket)


def test_http_to_an_unlisted_loopback_is_refused(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("source_host_allowlist", "amazonaws.com")
    response = lambda_handler(
        proxy_event(bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 400
    assert staging.requests == []


def test_invalid_configuration_is_500_naming_the_variable(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("gzip_level", "11")
    response = lambda_handler(
        proxy_event(bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))), LocalContext()
    )
    body = answer(response)
    assert response["statusCode"] == 500
    assert body["status"] == "Error"
    assert "gzip_level" in body["message"]
    assert staging.requests == []


def test_missing_bucket_is_500_error(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("s3_bucket_name", bucket + "-missing")
    response = lambda_handler(
        proxy_event(bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 500
    assert answer(response)["status"] == "Error"


def test_unrecognised_metadata_is_502_and_writes_nothing(s3, bucket, staging):
    meta = staging.put("/m.json", b'[{"name": "no columnName here"}]')
    response = lambda_handler(proxy_event(bulk_request(staging.put("/d.csv", DATA), meta)), LocalContext())
    assert response["statusCode"] == 502
    assert "columnName" in answer(response)["message"]
    assert_nothing_written(s3, bucket)
