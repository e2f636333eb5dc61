"""What travels on the wire is not what the file means: a body sent with ``Content-Encoding: gzip``
(S3 sends it for objects stored with that metadata) or ``deflate`` is decoded; the object holds the
file's bytes and ``rows`` counts its records. Through moto (a real stored ContentEncoding) and the
staging server (ranges, one stream, resumes)."""

from __future__ import annotations

import gzip
import hashlib
import zlib

import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import Handler, lambda_handler

HEADER = sample_bytes("metadata_header.csv")
ROWS = 150_000
# ~9.5 MiB whose digests keep gzip near half: the encoded file spans several ranges (2.5 MiB each).
DATA = b"".join(b'%d,%s,"a, b"\n' % (i, hashlib.sha1(b"%d" % i).hexdigest().encode()) for i in range(ROWS))


def deflate(data: bytes) -> bytes:
    return zlib.compress(data)


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def two_gzip_members(data: bytes) -> bytes:
    return gzip.compress(data[: len(data) // 2]) + gzip.compress(data[len(data) // 2 :])


def deliver(key, data_url, metadata_url, sleep=None):
    response = Handler(sleep=sleep or (lambda _: None))(
        proxy_event(bulk_request(data_url, metadata_url, key)), LocalContext()
    )
    return response["statusCode"], answer(response)


@pytest.fixture(autouse=True)
def settings(monkeypatch, bucket):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("delivery_mode", "sync")


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [("gzip", gzip.compress), ("gzip", two_gzip_members), ("deflate", deflate), ("deflate", raw_deflate)],
    ids=["gzip", "gzip-two-members", "deflate-zlib", "deflate-raw"],
)
@pytest.mark.parametrize("connections", ["1", "8"])
def test_an_encoded_body_is_decoded(s3, bucket, staging, monkeypatch, encoding, encode, connections):
    monkeypatch.setenv("source_connections", connections)
    encoded = encode(DATA)
    assert len(encoded) > 5 * 1024 * 1024 // 2  # more than one range of the encoded bytes
    url = staging.put("/d.csv", encoded, Behaviour(content_encoding=encoding))
    status, body = deliver("exports/decoded.csv", url, staging.put("/m.csv", HEADER))
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="exports/decoded.csv")["Body"].read() == HEADER + DATA
    assert body["rows"] == ROWS


def test_a_resumed_encoded_body_continues_the_same_stream(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("source_connections", "1")
    encoded = gzip.compress(DATA, compresslevel=1)
    url = staging.put("/d.csv", encoded, Behaviour(content_encoding="gzip", drop_after=len(encoded) // 2, drop_times=1))
    status, body = deliver("exports/resumed.csv", url, staging.put("/m.csv", HEADER))
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="exports/resumed.csv")["Body"].read() == HEADER + DATA
    assert staging.gets("/d.csv")[1]["range"] == f"bytes={len(encoded) // 2}-"  # resumed in the encoded bytes


def test_a_gz_key_is_compressed_again_from_the_decoded_bytes(s3, bucket, staging):
    url = staging.put("/d.csv", gzip.compress(DATA), Behaviour(content_encoding="gzip"))
    status, body = deliver("exports/again.csv.gz", url, staging.put("/m.csv", HEADER))
    assert status == 200, body
    stored = s3.get_object(Bucket=bucket, Key="exports/again.csv.gz")["Body"].read()
    assert gzip.decompress(stored) == HEADER + DATA


def test_an_object_stored_with_content_encoding_gzip_in_s3(s3, bucket, staged_on_moto):
    """The real counterpart: S3 (moto) sends the stored Content-Encoding whatever Accept-Encoding says."""
    data_url = staged_on_moto("d.csv", gzip.compress(DATA), ContentEncoding="gzip")
    status, body = deliver("exports/from-s3.csv", data_url, staged_on_moto("m.csv", HEADER))
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="exports/from-s3.csv")["Body"].read() == HEADER + DATA
    assert body["rows"] == ROWS


def test_a_gzip_encoded_metadata_file_is_decoded(s3, bucket, staging):
    meta = staging.put("/m.csv", gzip.compress(HEADER), Behaviour(content_encoding="gzip"))
    status, body = deliver("exports/m.csv", staging.put("/d.csv", DATA[:1000]), meta)
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="exports/m.csv")["Body"].read().startswith(HEADER)


@pytest.mark.parametrize(
    ("encoding", "content", "fragment"),
    [
        ("br", b"\x0b\x02\x80abc\x03", "cannot decode"),
        ("gzip", gzip.compress(DATA)[:-2000], "truncated"),
        ("gzip", b"not gzip at all", "not valid gzip"),
    ],
)
def test_an_encoding_that_cannot_be_decoded_is_502_and_writes_nothing(s3, bucket, staging, encoding, content, fragment):
    url = staging.put("/d.csv", content, Behaviour(content_encoding=encoding))
    response = lambda_handler(proxy_event(bulk_request(url, staging.put("/m.csv", HEADER))), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 502, body
    assert fragment in body["message"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
