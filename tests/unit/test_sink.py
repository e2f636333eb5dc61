"""The S3 sink: content types, part sizes, and answers moto does not produce (denied listing or HEAD,
unordered listings, denied write), from botocore's Stubber."""

from __future__ import annotations

import io

import pytest

from s3_bulk_upload.errors import DestinationError
from s3_bulk_upload.sink import ExistingObject, S3Sink, content_type_for, part_size_for, transfer_config
from s3_bulk_upload.units import MIB


@pytest.fixture
def stubbed(stubbed_client):
    client, stubber = stubbed_client("s3")
    return S3Sink(client, "bucket"), stubber


KEY = "ci360/a.csv"
HEAD = {"Bucket": "bucket", "Key": KEY}
LIST = {"Bucket": "bucket", "Prefix": KEY, "MaxKeys": 1000}


def listing(*keys, truncated=False, token=None):
    page = {"Contents": [{"Key": k, "Size": 12} for k in keys], "IsTruncated": truncated, "KeyCount": len(keys)}
    if token:
        page["NextContinuationToken"] = token
    return page


def test_missing_key_is_decided_by_the_listing_without_a_head(stubbed, caplog):
    sink, stubber = stubbed
    stubber.add_response("list_objects_v2", listing(), LIST)
    assert sink.existing(KEY) is None
    assert "403" not in caplog.text  # no HeadObject was sent: the Stubber would have failed


def test_longer_keys_sharing_the_prefix_are_not_the_key(stubbed):
    sink, stubber = stubbed
    stubber.add_response("list_objects_v2", listing(KEY + ".bak", KEY + "x", truncated=True, token="t1"), LIST)
    stubber.add_response("list_objects_v2", listing(KEY + "z"), {**LIST, "ContinuationToken": "t1"})
    assert sink.existing(KEY) is None


def test_exact_key_on_a_later_page_is_found_and_its_metadata_read(stubbed):
    """Directory buckets do not list in order: the exact key may come after longer ones."""
    sink, stubber = stubbed
    stubber.add_response("list_objects_v2", listing(KEY + ".bak", truncated=True, token="t1"), LIST)
    stubber.add_response("list_objects_v2", listing(KEY), {**LIST, "ContinuationToken": "t1"})
    stubber.add_response("head_object", {"ContentLength": 12, "Metadata": {"ci360-occurrence-id": "o-1"}}, HEAD)
    existing = sink.existing(KEY)
    assert (existing.size, existing.occurrence_id) == (12, "o-1")


def test_listing_denied_means_unknown_not_failure(stubbed, caplog):
    sink, stubber = stubbed
    stubber.add_client_error("list_objects_v2", service_error_code="AccessDenied", http_status_code=403)
    assert sink.existing(KEY) is None
    assert "ListObjectsV2 answered 403" in caplog.text


def test_listed_key_whose_head_is_denied_exists_without_an_occurrence(stubbed, caplog):
    """overwrite=false must still answer 409 for it; it cannot be recognised as a re-delivery."""
    sink, stubber = stubbed
    stubber.add_response("list_objects_v2", listing(KEY))
    stubber.add_client_error("head_object", service_error_code="403", http_status_code=403)
    existing = sink.existing(KEY)
    assert (existing.size, existing.occurrence_id) == (12, "")
    assert "HeadObject answered 403" in caplog.text


def test_key_deleted_between_listing_and_head_is_missing(stubbed):
    sink, stubber = stubbed
    stubber.add_response("list_objects_v2", listing(KEY))
    stubber.add_client_error("head_object", service_error_code="404", http_status_code=404)
    assert sink.existing(KEY) is None


@pytest.mark.parametrize("operation", ["list_objects_v2", "head_object"])
def test_other_errors_are_destination_errors(stubbed, operation):
    sink, stubber = stubbed
    if operation == "head_object":
        stubber.add_response("list_objects_v2", listing(KEY))
    stubber.add_client_error(operation, service_error_code="SlowDown", http_status_code=503)
    with pytest.raises(DestinationError, match="SlowDown"):
        sink.existing(KEY)


def test_denied_write_says_what_to_check(stubbed):
    sink, stubber = stubbed
    stubber.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(DestinationError, match=r"access denied writing s3://bucket/ci360/a\.csv"):
        sink.upload(
            "ci360/a.csv", io.BytesIO(b"x"), metadata={}, config=transfer_config(8 * 1024 * 1024, 1), create_only=False
        )


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("a.csv", "text/csv"),
        ("a.csv.gz", "application/gzip"),
        ("a.txt", "application/octet-stream"),
        ("a", "application/octet-stream"),
    ],
)
def test_content_type(key, content_type):
    assert content_type_for(key) == content_type


def test_part_size_grows_to_stay_under_ten_thousand_parts():
    assert part_size_for(None, 16 * MIB) == 16 * MIB
    assert part_size_for(100 * 1024 * MIB, 16 * MIB) == 16 * MIB
    big = 400 * 1024 * MIB
    size = part_size_for(big, 16 * MIB)
    assert size % MIB == 0 and big / size < 10_000


@pytest.mark.parametrize(
    ("stored", "asked", "holds"),
    [("occ-1", "occ-1", True), ("occ-1", "occ-2", False), ("", "", False), ("occ-1", "", False)],
)
def test_an_existing_object_holds_only_its_own_occurrence(stored, asked, holds):
    """A task without an occurrence id matches nothing, not even an object stored without one."""
    assert ExistingObject(size=1, occurrence_id=stored).holds(asked) is holds
