"""delivery_mode async/auto: the hand-off payload, the asynchronous run, and who may trigger it."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import FUNCTION_ARN, LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import Handler, lambda_handler

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")


@pytest.fixture
def lambda_stub():
    """(stubber, invocations sent, the function with this stubbed Lambda client injected)."""
    client = boto3.client("lambda", region_name="eu-west-1")
    stubber = Stubber(client)
    sent = []
    client.meta.events.register("before-parameter-build.lambda.Invoke", lambda params, **_: sent.append(params))
    with stubber:
        yield stubber, sent, Handler(lambda_client=lambda: client)
    stubber.assert_no_pending_responses()


def expect_invoke(stubber):
    stubber.add_response(
        "invoke",
        {"StatusCode": 202},
        {"FunctionName": FUNCTION_ARN, "InvocationType": "Event", "Payload": ANY},
    )


def test_async_mode_hands_off_and_answers_202_without_transferring(s3, bucket, staging, lambda_stub, monkeypatch):
    monkeypatch.setenv("delivery_mode", "async")
    stubber, sent, handler = lambda_stub
    expect_invoke(stubber)
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))
    response = handler(proxy_event(request), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 202
    assert body == {
        "status": "Accepted",
        "request_id": body["request_id"],
        "bucket_name": bucket,
        "upload_filename": "exports/churn.csv",
        "s3_uri": f"s3://{bucket}/exports/churn.csv",
    }
    assert staging.requests == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0

    payload = json.loads(sent[0]["Payload"])
    plan = payload["ci360S3BulkUploadHandoff"]["plan"]
    assert plan["key"] == "exports/churn.csv"
    assert plan["data_url"] == request["presignedUrls"]["dataFile"]
    assert plan["include_header"] is True
    assert plan["occurrence_id"] == request["occurrenceId"]

    # The asynchronous run (Lambda delivering the event) performs the transfer.
    result = handler(payload, LocalContext())
    assert result["status"] == "OK"
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + DATA


def test_asynchronous_run_raises_on_failure_without_leaking_the_url(s3, bucket, staging, lambda_stub, monkeypatch):
    monkeypatch.setenv("delivery_mode", "async")
    stubber, sent, handler = lambda_stub
    expect_invoke(stubber)
    request = bulk_request(staging.put("/d.csv", DATA, Behaviour(status=403)), staging.put("/m.csv", HEADER))
    assert handler(proxy_event(request), LocalContext())["statusCode"] == 202
    with pytest.raises(RuntimeError) as raised:
        handler(json.loads(sent[0]["Payload"]), LocalContext())
    assert "UpstreamError" in str(raised.value)
    assert "X-Amz-Signature" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_auto_mode_transfers_small_exports_synchronously(s3, bucket, staging, lambda_stub):
    handler = lambda_stub[2]
    response = handler(
        proxy_event(bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 200
    assert staging.gets("/d.csv")[0]["range"] == "bytes=0-0"  # the size probe
    assert lambda_stub[1] == []


def test_auto_mode_hands_off_at_the_threshold(s3, bucket, staging, lambda_stub, monkeypatch):
    handler = lambda_stub[2]
    monkeypatch.setenv("async_threshold_bytes", str(len(DATA)))
    expect_invoke(lambda_stub[0])
    response = handler(
        proxy_event(bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 202
    assert [r["range"] for r in staging.requests] == ["bytes=0-0"]


def test_a_proxy_body_cannot_pose_as_the_hand_off(s3, bucket, staging, lambda_stub, monkeypatch):
    handler = lambda_stub[2]
    plan = {
        "key": "stolen.csv",
        "data_url": staging.put("/d.csv", DATA),
        "metadata_url": None,
        "include_header": False,
    }
    forged = {"ci360S3BulkUploadHandoff": {"version": 1, "plan": plan}}
    response = handler(proxy_event(forged), LocalContext())
    assert response["statusCode"] == 400
    # Even with the marker at the top level, an API Gateway event is handled as a request.
    event = proxy_event(forged)
    event.update(forged)
    response = handler(event, LocalContext())
    assert response["statusCode"] == 400
    assert staging.requests == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_hand_off_revalidates_urls_against_the_allowlist(s3, bucket, staging):
    plan = {"key": "x.csv", "data_url": "https://evil.example.com/d.csv", "metadata_url": None, "include_header": False}
    with pytest.raises(RuntimeError, match="BadRequest"):
        lambda_handler({"ci360S3BulkUploadHandoff": {"version": 1, "plan": plan}}, LocalContext())


def test_failed_hand_off_is_500(s3, bucket, staging, lambda_stub, monkeypatch):
    handler = lambda_stub[2]
    monkeypatch.setenv("delivery_mode", "async")
    lambda_stub[0].add_client_error("invoke", service_error_code="TooManyRequestsException", http_status_code=429)
    response = handler(
        proxy_event(bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))), LocalContext()
    )
    assert response["statusCode"] == 500
    assert "asynchronous" in answer(response)["message"]


def test_hand_off_key_must_stay_under_the_prefix(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("s3_key_prefix", "ci360/")
    plan = {
        "key": "elsewhere/x.csv",
        "data_url": staging.put("/d.csv", DATA),
        "metadata_url": None,
        "include_header": False,
    }
    with pytest.raises(RuntimeError, match="outside s3_key_prefix"):
        lambda_handler({"ci360S3BulkUploadHandoff": {"version": 1, "plan": plan}}, LocalContext())
    assert staging.requests == []


def test_asynchronous_run_stops_before_its_timeout_and_leaves_nothing(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("part_size_mib", "5")
    big = b"0123456789,abcdefghij\n" * 600_000  # ~13 MiB: several parts

    class Ending(LocalContext):
        looks = 0

        def get_remaining_time_in_millis(self):
            self.looks += 1
            return 900_000 if self.looks < 4 else 60_000  # reserve 90 s: stop from the 4th look

    plan = {"key": "big.csv", "data_url": staging.put("/d.csv", big), "metadata_url": None, "include_header": False}
    with pytest.raises(RuntimeError, match="before the Lambda timeout"):
        lambda_handler({"ci360S3BulkUploadHandoff": {"version": 1, "plan": plan}}, Ending())
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_deadline_reserve_is_a_share_of_the_time_left_capped():
    from s3_bulk_upload.deadline import Deadline

    assert Deadline.for_context(LocalContext(timeout_seconds=900, clock=lambda: 0.0))._reserve_ms == 90_000
    assert Deadline.for_context(LocalContext(timeout_seconds=30, clock=lambda: 0.0))._reserve_ms == 6_000
    assert Deadline.for_context(object())._remaining_ms is None
