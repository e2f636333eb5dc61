"""S3 sink answers that moto does not produce: denied HEAD, denied write, other S3 errors."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.stub import Stubber
from s3_bulk_upload.errors import DestinationError
from s3_bulk_upload.sink import S3Sink, transfer_config


@pytest.fixture
def stubbed():
    client = boto3.client("s3", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield S3Sink(client, "bucket"), stubber
        stubber.assert_no_pending_responses()


def test_head_denied_means_unknown_not_failure(stubbed, caplog):
    sink, stubber = stubbed
    stubber.add_client_error("head_object", service_error_code="403", http_status_code=403)
    assert sink.existing("ci360/a.csv") is None
    assert "HeadObject answered 403" in caplog.text


def test_head_of_existing_object_reads_its_occurrence(stubbed):
    sink, stubber = stubbed
    stubber.add_response("head_object", {"ContentLength": 12, "Metadata": {"ci360-occurrence-id": "o-1"}})
    existing = sink.existing("ci360/a.csv")
    assert (existing.size, existing.occurrence_id) == (12, "o-1")


def test_other_head_errors_are_destination_errors(stubbed):
    sink, stubber = stubbed
    stubber.add_client_error("head_object", service_error_code="SlowDown", http_status_code=503)
    with pytest.raises(DestinationError, match="SlowDown"):
        sink.existing("ci360/a.csv")


def test_denied_write_says_what_to_check(stubbed):
    sink, stubber = stubbed
    stubber.add_client_error("put_object", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(DestinationError, match=r"access denied writing s3://bucket/ci360/a\.csv"):
        sink.upload(
            "ci360/a.csv", io.BytesIO(b"x"), metadata={}, config=transfer_config(8 * 1024 * 1024, 1), create_only=False
        )
