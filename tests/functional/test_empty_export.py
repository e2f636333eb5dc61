"""An empty export is a normal export: S3 answers a ranged GET of a 0-byte object with 416.

Run against the staging stand-in (which answers as S3 does: ``416`` + ``Content-Range: bytes */0``)
and against a real 0-byte object in moto behind a moto-presigned URL.
"""

from __future__ import annotations

import gzip

import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from s3_bulk_upload.handler import lambda_handler

HEADER = sample_bytes("metadata_header.csv")


def deliver(data_url, metadata_url, key="exports/empty.csv"):
    response = lambda_handler(proxy_event(bulk_request(data_url, metadata_url, key)), LocalContext())
    return response["statusCode"], answer(response)


def test_s3_answers_416_on_a_ranged_get_of_an_empty_object(staged_on_moto):
    import requests

    response = requests.get(staged_on_moto("d.csv", b""), headers={"Range": "bytes=0-0"}, timeout=10)
    assert response.status_code == 416  # the counterpart's own answer, which the function must take as size 0


@pytest.mark.parametrize("connections", ["1", "8"])
@pytest.mark.parametrize("mode", ["sync", "auto"])
def test_an_empty_export_lands_as_its_header_from_moto(s3, bucket, staged_on_moto, monkeypatch, connections, mode):
    monkeypatch.setenv("source_connections", connections)
    monkeypatch.setenv("delivery_mode", mode)
    status, body = deliver(staged_on_moto("d.csv", b""), staged_on_moto("m.csv", HEADER))
    assert status == 200, body
    assert (body["bytes"], body["rows"]) == (len(HEADER), 0)
    assert s3.get_object(Bucket=bucket, Key="exports/empty.csv")["Body"].read() == HEADER


@pytest.mark.parametrize("connections", ["1", "8"])
def test_an_empty_export_lands_from_the_staging_server(s3, bucket, staging, monkeypatch, connections):
    monkeypatch.setenv("source_connections", connections)
    status, body = deliver(staging.put("/d.csv", b""), staging.put("/m.csv", HEADER))
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="exports/empty.csv")["Body"].read() == HEADER
    if connections == "8":
        assert staging.gets("/d.csv")[0]["range"].startswith("bytes=0-")  # answered 416


def test_an_empty_gz_export_is_a_valid_gzip_of_the_header(s3, bucket, staging):
    status, body = deliver(staging.put("/d.csv", b""), staging.put("/m.csv", HEADER), "exports/empty.csv.gz")
    assert status == 200, body
    stored = s3.get_object(Bucket=bucket, Key="exports/empty.csv.gz")["Body"].read()
    assert gzip.decompress(stored) == HEADER


def test_an_empty_export_with_the_header_off(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("include_header", "false")
    status, body = deliver(staging.put("/d.csv", b""), None)
    assert status == 200, body
    assert (body["bytes"], body["rows"]) == (0, 0)
    assert s3.get_object(Bucket=bucket, Key="exports/empty.csv")["Body"].read() == b""


def test_a_416_that_says_the_file_is_not_empty_is_still_an_error(s3, bucket, staging, monkeypatch):
    from s3_bulk_upload.source import SourceFile
    from s3_bulk_upload.source_session import RetryPolicy, make_session

    monkeypatch.setenv("include_header", "false")
    url = staging.put("/d.csv", b"abc")
    policy = RetryPolicy(max_retries=0)
    source = SourceFile(make_session(policy), url, "data file", policy)
    with pytest.raises(Exception, match="HTTP 416"):
        source.open_at(5)
