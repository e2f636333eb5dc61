"""End to end through lambda_handler: a real HTTP S3 (moto server) and a local staging server."""

from __future__ import annotations

import gzip

import pytest
from conftest import FakeContext, answer, bulk_request, fixture_bytes, proxy_event
from s3_bulk_upload.handler import lambda_handler
from staging_server import Behaviour

DATA = fixture_bytes("data.csv")
HEADER = fixture_bytes("metadata_header.csv")


def run(document, context=None):
    return lambda_handler(proxy_event(document), context or FakeContext())


def test_header_from_json_metadata_then_rows_byte_for_byte(s3, bucket, staging):
    request = bulk_request(
        staging.put("/data.csv", DATA), staging.put("/meta.json", fixture_bytes("metadata_columns.json"))
    )
    response = run(request)
    body = answer(response)
    assert response["statusCode"] == 200, body
    obj = s3.get_object(Bucket=bucket, Key="exports/churn.csv")
    assert obj["Body"].read() == HEADER + DATA
    assert obj["ContentType"] == "text/csv"
    assert obj["Metadata"] == {
        "ci360-task-id": request["taskId"],
        "ci360-occurrence-id": request["occurrenceId"],
    }
    assert body["status"] == "OK"
    assert body["bucket_name"] == bucket
    assert body["upload_filename"] == "exports/churn.csv"
    assert body["s3_uri"] == f"s3://{bucket}/exports/churn.csv"
    assert body["bytes"] == len(HEADER + DATA)
    assert body["header"] is True and body["duplicate"] is False
    assert "s3_url" not in body


def test_gz_key_is_compressed_and_decompresses_to_the_plain_upload(s3, bucket, staging):
    request = bulk_request(
        staging.put("/data.csv", DATA), staging.put("/meta.csv", HEADER), s3_filename="out/churn.csv.gz"
    )
    response = run(request)
    assert response["statusCode"] == 200, response["body"]
    obj = s3.get_object(Bucket=bucket, Key="out/churn.csv.gz")
    stored = obj["Body"].read()
    assert obj["ContentType"] == "application/gzip"
    assert gzip.decompress(stored) == HEADER + DATA
    assert answer(response)["bytes"] == len(stored)


@pytest.mark.slow
def test_multipart_export_lands_whole_with_crlf_header(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("part_size_mib", "5")
    row = b'1234567890,someone@example.com,"Quoted, name",0.5\r\n'
    data = row * (12 * 1024 * 1024 // len(row))
    request = bulk_request(staging.put("/big.csv", data), staging.put("/meta.json", b'["id","email","name","score"]'))
    response = run(request)
    assert response["statusCode"] == 200, response["body"]
    stored = s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read()
    assert stored == b"id,email,name,score\r\n" + data
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_resumes_with_range_after_a_dropped_connection(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("delivery_mode", "sync")
    data = bytes(range(256)) * 20_000
    url = staging.put("/data.csv", data, Behaviour(drop_after=1_000_000, drop_times=2))
    response = run(bulk_request(url, None))
    assert response["statusCode"] == 200, response["body"]
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == data
    ranges = [r["range"] for r in staging.gets("/data.csv")]
    assert ranges == ["", "bytes=1000000-", "bytes=2000000-"]
