"""End to end through lambda_handler: a real HTTP S3 (moto server) and a local staging server."""

from __future__ import annotations

import gzip

import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import Handler, lambda_handler
from s3_bulk_upload.units import MIB

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")


def run(document, context=None):
    return lambda_handler(proxy_event(document), context or LocalContext())


def test_header_from_json_metadata_then_rows_byte_for_byte(s3, bucket, staging):
    request = bulk_request(
        staging.put("/data.csv", DATA), staging.put("/meta.json", sample_bytes("metadata_columns.json"))
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
    monkeypatch.setenv("source_connections", "1")  # one stream (tests/functional/test_ranged_source.py: several)
    data = bytes(range(256)) * 20_000
    url = staging.put("/data.csv", data, Behaviour(drop_after=1_000_000, drop_times=2))
    response = run(bulk_request(url, None))
    assert response["statusCode"] == 200, response["body"]
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == data
    ranges = [r["range"] for r in staging.gets("/data.csv")]
    assert ranges == ["", "bytes=1000000-", "bytes=2000000-"]


def test_resume_skips_bytes_when_the_server_ignores_range(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("delivery_mode", "sync")
    monkeypatch.setenv("source_connections", "1")
    data = b"row,with,some,values\n" * 100_000
    meta = staging.put("/meta.json", b'["a","b","c","d"]')
    url = staging.put("/data.csv", data, Behaviour(drop_after=700_001, drop_times=1, honour_range=False))
    response = run(bulk_request(url, meta))
    assert response["statusCode"] == 200, response["body"]
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"a,b,c,d\n" + data
    assert [r["range"] for r in staging.gets("/data.csv")] == ["", "bytes=700001-"]


def test_transient_5xx_is_retried(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("delivery_mode", "sync")
    url = staging.put("/data.csv", DATA, Behaviour(status=503, status_times=2))
    response = run(bulk_request(url, staging.put("/meta.csv", HEADER)))
    assert response["statusCode"] == 200, response["body"]
    assert len(staging.gets("/data.csv")) == 3
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + DATA


def test_empty_data_file_gives_header_with_lf(s3, bucket, staging):
    response = run(bulk_request(staging.put("/data.csv", b""), staging.put("/meta.csv", HEADER)))
    assert response["statusCode"] == 200, response["body"]
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER
    assert answer(response)["bytes"] == len(HEADER)


def test_header_off_by_send_parameter_writes_rows_only_and_needs_no_metadata(s3, bucket, staging):
    request = bulk_request(staging.put("/data.csv", DATA), None, send_parameters={"include_header": "false"})
    response = run(request)
    assert response["statusCode"] == 200, response["body"]
    assert answer(response)["header"] is False
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == DATA


def test_object_key_uses_prefix_and_placeholders(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("s3_key_prefix", "ci360/")
    request = bulk_request(
        staging.put("/data.csv", DATA),
        staging.put("/meta.csv", HEADER),
        s3_filename="{taskName}/{taskId}/{occurrenceId}_{date}.csv",
    )
    body = answer(run(request))
    key = body["upload_filename"]
    assert key.startswith(f"ci360/Weekly_churn_audience_EMEA_/{request['taskId']}/{request['occurrenceId']}_20")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == HEADER + DATA


def test_return_presigned_url_adds_a_get_url_of_the_object(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("return_presigned_url", "true")
    body = answer(run(bulk_request(staging.put("/data.csv", DATA), staging.put("/meta.csv", HEADER))))
    assert body["s3_url"].split("?")[0].endswith(f"/{bucket}/exports/churn.csv")
    assert "X-Amz-Expires=86400" in body["s3_url"]


def test_many_drops_that_each_make_progress_still_land(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("source_max_retries", "1")
    monkeypatch.setenv("delivery_mode", "sync")
    data = b"x" * (7 * 1024 * 1024)
    url = staging.put("/d.csv", data, Behaviour(drop_after=2 * 1024 * 1024))
    response = run(bulk_request(url, staging.put("/m.csv", b"x")))
    assert response["statusCode"] == 200, response["body"]
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"x\n" + data


@pytest.mark.slow
def test_the_multipart_upload_is_created_while_a_slow_first_part_is_still_being_read(
    s3, bucket, staging, monkeypatch, sent_to_s3
):
    """Told the source's size, s3transfer creates the upload at once; otherwise it reads the whole
    first part first, and a slow source delays the creation by as long."""
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("delivery_mode", "sync")
    data = b"1,someone@example.com\n" * (11 * MIB // 22)
    slow = Behaviour(stall_after=MIB, stall_seconds=1.5, stall_times=1)  # the first answer pauses once
    request = bulk_request(staging.put("/d.csv", data, slow), staging.put("/m.csv", b"id,email\n"))
    response = Handler(s3_client=sent_to_s3.client)(proxy_event(request), LocalContext())
    assert response["statusCode"] == 200, response["body"]
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"id,email\n" + data
    created, first_part = sent_to_s3.first("CreateMultipartUpload"), sent_to_s3.first("UploadPart")
    assert first_part - created > 1.0  # created before the pause, not after


@pytest.mark.parametrize("key", ["exports/blank.csv", "exports/blank.csv.gz"])
def test_a_file_of_blank_lines_larger_than_a_part_lands_as_an_empty_object_without_a_header(
    s3, bucket, staging, monkeypatch, key
):
    """Blank lines are left out: with the header off, a plain object is empty (a multipart upload
    could not hold it: it needs a part), and a .gz object is the gzip of nothing."""
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("delivery_mode", "sync")
    request = bulk_request(staging.put("/d.csv", b"\n" * (6 * MIB)), None, s3_filename=key)
    response = run(request)
    assert response["statusCode"] == 200, response["body"]
    assert (answer(response)["rows"], s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == (0, [])
    stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert (gzip.decompress(stored) if key.endswith(".gz") else stored) == b""
