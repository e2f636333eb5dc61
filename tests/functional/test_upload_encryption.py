"""A bucket whose policy requires the encryption header: with ``sse_algorithm`` (and
``sse_kms_key_arn``) set, every upload carries them, single-part and multipart; moto records what
was sent on the object."""

from __future__ import annotations

import boto3
import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from s3_bulk_upload.handler import lambda_handler

HEADER = sample_bytes("metadata_header.csv")
SMALL = sample_bytes("data.csv")
LARGE = b"0123456789,abcdefghij,klmnopqrst\n" * 400_000  # ~13 MiB: multipart with 5 MiB parts


@pytest.mark.parametrize("data", [SMALL, LARGE], ids=["one-part", "multipart"])
def test_every_upload_carries_the_kms_header_and_key(s3, bucket, staging, monkeypatch, data):
    key_arn = boto3.client("kms").create_key(Description="exports")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("sse_algorithm", "aws:kms")
    monkeypatch.setenv("sse_kms_key_arn", key_arn)
    monkeypatch.setenv("part_size_mib", "5")
    response = lambda_handler(
        proxy_event(bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 200, answer(response)
    head = s3.head_object(Bucket=bucket, Key="exports/churn.csv")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == key_arn
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data


def test_aes256_without_a_key(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("sse_algorithm", "AES256")
    response = lambda_handler(
        proxy_event(bulk_request(staging.put("/d.csv", SMALL), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 200
    assert s3.head_object(Bucket=bucket, Key="exports/churn.csv")["ServerSideEncryption"] == "AES256"


def test_a_key_without_a_kms_algorithm_is_a_configuration_error(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("sse_kms_key_arn", "arn:aws:kms:eu-west-1:123456789012:key/abc")
    response = lambda_handler(proxy_event(bulk_request(staging.put("/d.csv", SMALL), None)), LocalContext())
    assert response["statusCode"] == 500
    assert "sse_kms_key_arn needs sse_algorithm" in answer(response)["message"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
