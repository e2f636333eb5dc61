"""Re-delivery of the same occurrence, overwrite=false, and the conditional write that closes the race."""

from __future__ import annotations

import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from s3_bulk_upload.handler import lambda_handler
from s3_bulk_upload.sink import S3Sink

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")
KEY = "exports/churn.csv"


def deliver(staging, **extra):
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER), **extra)
    return lambda_handler(proxy_event(request), LocalContext())


def test_same_occurrence_again_is_a_duplicate_and_transfers_nothing(s3, bucket, staging):
    assert deliver(staging)["statusCode"] == 200
    first = s3.head_object(Bucket=bucket, Key=KEY)
    staging.requests.clear()
    response = deliver(staging)
    body = answer(response)
    assert response["statusCode"] == 200
    assert body["duplicate"] is True
    assert body["bytes"] == len(HEADER + DATA)
    assert staging.requests == []
    assert s3.head_object(Bucket=bucket, Key=KEY)["ETag"] == first["ETag"]


def test_another_occurrence_replaces_the_object_when_overwrite_is_on(s3, bucket, staging):
    s3.put_object(Bucket=bucket, Key=KEY, Body=b"old", Metadata={"ci360-occurrence-id": "older"})
    response = deliver(staging)
    assert response["statusCode"] == 200
    assert answer(response)["duplicate"] is False
    assert s3.get_object(Bucket=bucket, Key=KEY)["Body"].read() == HEADER + DATA


def test_overwrite_false_with_another_occurrence_is_409_and_keeps_the_object(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("overwrite", "false")
    s3.put_object(Bucket=bucket, Key=KEY, Body=b"old", Metadata={"ci360-occurrence-id": "older"})
    response = deliver(staging)
    body = answer(response)
    assert response["statusCode"] == 409
    assert body["status"] == "Conflict"
    assert staging.requests == []
    assert s3.get_object(Bucket=bucket, Key=KEY)["Body"].read() == b"old"


def test_overwrite_false_still_answers_a_duplicate(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("overwrite", "false")
    assert deliver(staging)["statusCode"] == 200
    response = deliver(staging)
    assert response["statusCode"] == 200
    assert answer(response)["duplicate"] is True


@pytest.mark.parametrize("size", [len(DATA), 12 * 1024 * 1024], ids=["put-object", "multipart"])
def test_object_appearing_during_the_transfer_is_not_replaced(s3, bucket, staging, monkeypatch, size):
    """The HEAD saw no object; one appears before the write. The conditional write must refuse."""
    monkeypatch.setenv("overwrite", "false")
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setattr(S3Sink, "existing", lambda self, key: None)
    s3.put_object(Bucket=bucket, Key=KEY, Body=b"raced", Metadata={"ci360-occurrence-id": "other"})
    data = (DATA * (size // len(DATA) + 1))[:size]
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER))
    response = lambda_handler(proxy_event(request), LocalContext())
    assert response["statusCode"] == 409, response["body"]
    assert s3.get_object(Bucket=bucket, Key=KEY)["Body"].read() == b"raced"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_redelivery_is_recognised_when_head_of_a_missing_key_is_forbidden(
    s3, bucket, staging, head_of_missing_key_is_forbidden, json_logs
):
    """A prefix-scoped role: HEAD of a missing key answers 403. The listing decides, HEAD only reads metadata."""
    assert deliver(staging)["statusCode"] == 200
    staging.requests.clear()
    response = deliver(staging)
    assert response["statusCode"] == 200
    assert answer(response)["duplicate"] is True
    assert staging.requests == []
    assert head_of_missing_key_is_forbidden == [(KEY, 200)]  # no HEAD was sent for the missing key
    assert "cannot check" not in json_logs.text
