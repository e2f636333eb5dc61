"""The connector's decisions before any transfer: the plan (400s before a download) and re-delivery.
S3 answers come from botocore's Stubber; nothing is fetched."""

from __future__ import annotations

from datetime import UTC, datetime

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from s3_bulk_upload.config import Config
from s3_bulk_upload.connector import Connector
from s3_bulk_upload.errors import BadRequest, Conflict
from s3_bulk_upload.keys import validate_key
from s3_bulk_upload.request import BulkRequest
from s3_bulk_upload.task import Task

DATA = "https://ci360-staging.s3.amazonaws.com/d.csv?X-Amz-Signature=1"
META = "https://ci360-staging.s3.amazonaws.com/m.json?X-Amz-Signature=2"
NOW = datetime(2026, 11, 27, 10, 15, 2, tzinfo=UTC)


def never_called():
    raise AssertionError("no Lambda client is needed")


@pytest.fixture
def s3(stubbed_client):
    return stubbed_client("s3")


def connector(s3_client, **config):
    return Connector(Config(bucket="exports", **config), s3_client, never_called, clock=lambda: NOW)


def request(**fields):
    return BulkRequest(data_url=DATA, metadata_url=META, s3_filename="churn_{date}.csv", **fields)


def test_plan_builds_the_key_and_keeps_the_urls(s3):
    plan = connector(s3[0], key_prefix="ci360/").plan(request(task=Task(task_id="t", occurrence_id="o")))
    assert plan.key == "ci360/churn_2026-11-27.csv"
    assert (plan.data_url, plan.metadata_url, plan.include_header) == (DATA, META, True)
    assert (plan.task.task_id, plan.task.occurrence_id) == ("t", "o")


def test_a_task_may_turn_the_header_off_and_then_needs_no_metadata(s3):
    plan = connector(s3[0]).plan(BulkRequest(DATA, None, "a.csv", include_header=False))
    assert plan.metadata_url is None and plan.include_header is False


@pytest.mark.parametrize(
    ("req", "message"),
    [
        (BulkRequest(DATA, None, "a.csv"), "metadataFile is required"),
        (BulkRequest("https://evil.example.com/d.csv", META, "a.csv"), "presignedUrls.dataFile"),
        (BulkRequest(DATA, "http://ci360-staging.s3.amazonaws.com/m", "a.csv"), "presignedUrls.metadataFile"),
        (BulkRequest(DATA, META, "{unknown}.csv"), "unknown"),
    ],
)
def test_invalid_plans_are_400_before_anything_is_fetched(s3, req, message):
    with pytest.raises(BadRequest, match=message):
        connector(s3[0]).plan(req)


def listed(stubber, occurrence):
    stubber.add_response("list_objects_v2", {"Contents": [{"Key": "a.csv", "Size": 9}], "IsTruncated": False})
    stubber.add_response("head_object", {"ContentLength": 9, "Metadata": {"ci360-occurrence-id": occurrence}})


def test_the_same_occurrence_again_is_a_duplicate(s3):
    client, stubber = s3
    listed(stubber, "o-1")
    c = connector(client)
    outcome = c.previous_delivery(c.plan(BulkRequest(DATA, META, "a.csv", task=Task(occurrence_id="o-1"))))
    assert outcome is not None and outcome.duplicate and outcome.delivered.bytes == 9


def test_another_occurrence_is_replaced_or_a_conflict(s3):
    client, stubber = s3
    listed(stubber, "o-old")
    c = connector(client)
    assert c.previous_delivery(c.plan(BulkRequest(DATA, META, "a.csv", task=Task(occurrence_id="o-new")))) is None
    listed(stubber, "o-old")
    strict = connector(client, overwrite=False)
    with pytest.raises(Conflict):
        strict.previous_delivery(strict.plan(BulkRequest(DATA, META, "a.csv", task=Task(occurrence_id="o-new"))))


@settings(max_examples=400)
@given(
    filename=st.text(alphabet=st.characters(codec=None, max_codepoint=0x10FFFF), min_size=1, max_size=60)
    | st.lists(
        st.sampled_from(["..", ".", "/", "\\", "{taskName}", "{date}", "a", "%2e%2e", "\u202e", "//"]), min_size=1
    ).map("".join),
    task_name=st.text(max_size=30),
)
def test_a_planned_key_is_always_inside_the_prefix_or_the_request_is_a_400(filename, task_name):
    plain = connector(boto3.client("s3", region_name="eu-west-1"), key_prefix="ci360/")
    request = BulkRequest(data_url="https://b.s3.amazonaws.com/d.csv", metadata_url=None, s3_filename=filename,
                          task=Task(task_name=task_name), include_header=False)  # fmt: skip
    try:
        plan = plain.plan(request)
    except BadRequest:
        return
    assert plan.key.startswith("ci360/")
    assert validate_key(plan.key) == plan.key
    assert all(segment not in ("", ".", "..") for segment in plan.key.split("/"))


def test_a_lost_race_is_looked_up_through_the_deadline_bound_client(stubbed_client):
    """After the transfer the look-up goes through the read-back client (bounded by the deadline),
    never the transfer's client, whose timeouts and retries are botocore's."""
    transfer_client, _ = stubbed_client("s3")
    readback, stubber = stubbed_client("s3")
    listed(stubber, "o-1")
    c = Connector(
        Config(bucket="exports", overwrite=False),
        transfer_client,
        never_called,
        readback_client_factory=lambda: readback,
        clock=lambda: NOW,
    )
    outcome = c.lost_race(c.plan(BulkRequest(DATA, META, "a.csv", task=Task(occurrence_id="o-1"))))
    assert outcome.duplicate


def test_a_silent_s3_after_the_transfer_is_an_error_in_time_not_a_hang(monkeypatch):
    """The bounded client refuses an attempt that would end after the deadline: a DestinationError (500)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # signed, so the refusal is the deadline's
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    from s3_bulk_upload.bounded_clients import bounded_client
    from s3_bulk_upload.deadline import Deadline
    from s3_bulk_upload.errors import DestinationError

    spent = Deadline(lambda: 0, 0)
    c = Connector(
        Config(bucket="exports", overwrite=False),
        boto3.client("s3", region_name="eu-west-1"),
        never_called,
        readback_client_factory=lambda: bounded_client("s3", spent),
        clock=lambda: NOW,
    )
    with pytest.raises(DestinationError, match="could not reach S3"):
        c.lost_race(c.plan(BulkRequest(DATA, META, "a.csv", task=Task(occurrence_id="o-1"))))
