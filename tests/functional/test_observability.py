"""What an operator and downstream jobs see: rows in the answer, EMF metrics, Powertools log keys,
and the delivery event on EventBridge (moto: a rule on the bus targets an SQS queue)."""

from __future__ import annotations

import csv
import json
import os

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local import emf
from devkit.local.context import LocalContext
from devkit.local.staging import SIGNATURE, Behaviour
from s3_bulk_upload.handler import lambda_handler

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")
THREE_ROWS = b'1,a@example.com,"Silva, Ana"\n2,b@example.com,"multi\nline"\n3,c@example.com,Wei'
FORBIDDEN_IN_DIMENSIONS = ("exports", "churn", "Weekly", "http", "127.0.0.1")


def metric_values(documents):
    values: dict[str, list[tuple[float, str]]] = {}
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]  # Powertools writes a list of values
                for one in value if isinstance(value, list) else [value]:
                    values.setdefault(metric["Name"], []).append((one, metric["Unit"]))
    return values


def assert_dimensions_are_safe(documents):
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == os.environ["POWERTOOLS_METRICS_NAMESPACE"]
            for dimension_set in directive["Dimensions"]:
                assert set(dimension_set) <= {"service", "status_code"}
                for name in dimension_set:
                    assert not any(word in str(document[name]) for word in FORBIDDEN_IN_DIMENSIONS)


def deliver(staging, data=DATA, **extra):
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER), **extra)
    return lambda_handler(proxy_event(request), LocalContext()), request


def test_three_rows_are_counted_and_metered(s3, bucket, staging, capsys, json_logs):
    response, _ = deliver(staging, THREE_ROWS)
    body = answer(response)
    assert response["statusCode"] == 200, body
    assert body["rows"] == 3
    assert "line_breaks_in_fields" not in body  # without a catalog the answer is what it always was

    documents = emf.documents(capsys.readouterr().out)
    values = metric_values(documents)
    assert values["Deliveries"] == [(1.0, "Count")]
    assert values["BytesDelivered"] == [(float(len(HEADER + THREE_ROWS)), "Bytes")]
    assert values["Rows"] == [(3.0, "Count")]
    assert values["TransferSeconds"][0][1] == "Seconds" and values["Throughput"][0][1] == "Bytes/Second"
    assert_dimensions_are_safe(documents)

    lines = [json.loads(line) for line in json_logs.text.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line["name"].startswith("s3_bulk_upload")]
    assert ours and all(
        "function_name" in line and "cold_start" in line and line["function_request_id"] for line in ours
    )
    finished = [line for line in ours if line["message"] == "transfer finished"]
    assert finished[0]["rows"] == 3


def test_trace_id_is_on_every_line_when_lambda_sets_one(s3, bucket, staging, json_logs, monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-67891233-abcdef012345678912345678;Parent=1;Sampled=1")
    assert deliver(staging)[0]["statusCode"] == 200
    lines = [json.loads(line) for line in json_logs.text.splitlines() if line.startswith("{")]
    assert lines and all(line["xray_trace_id"] == "1-67891233-abcdef012345678912345678" for line in lines)


def test_duplicates_and_failures_are_metered_by_status(s3, bucket, staging, capsys):
    assert deliver(staging)[0]["statusCode"] == 200
    assert deliver(staging)[0]["statusCode"] == 200  # the same occurrence again
    expired = bulk_request(
        staging.put("/x.csv", DATA, Behaviour(status=403)), staging.put("/m.csv", HEADER), s3_filename="other.csv"
    )
    assert lambda_handler(proxy_event(expired), LocalContext())["statusCode"] == 502
    assert lambda_handler(proxy_event("{", raw=True), LocalContext())["statusCode"] == 400
    documents = emf.documents(capsys.readouterr().out)
    values = metric_values(documents)
    assert values["Duplicates"] == [(1.0, "Count")]
    failures = sorted(d["status_code"] for d in documents if "Failures" in d)
    assert failures == ["400", "502"]
    assert_dimensions_are_safe(documents)


def test_a_delivery_puts_one_event_with_what_landed_and_no_url(s3, bucket, staging, delivery_bus):
    response, request = deliver(staging, THREE_ROWS, s3_filename="exports/churn.csv.gz")
    assert response["statusCode"] == 200
    events = delivery_bus.received()
    assert len(events) == 1
    event = events[0]
    assert (event["source"], event["detail-type"]) == ("ci360.s3-bulk-connector", "CI360 Export Delivered")
    detail = event["detail"]
    size = s3.head_object(Bucket=bucket, Key="exports/churn.csv.gz")["ContentLength"]
    assert detail == {
        "bucket": bucket,
        "key": "exports/churn.csv.gz",
        "s3_uri": f"s3://{bucket}/exports/churn.csv.gz",
        "bytes": size,
        "rows": 3,
        "columns": next(csv.reader([HEADER.decode()])),
        "header": True,
        "gzip": True,
        "task_id": request["taskId"],
        "occurrence_id": request["occurrenceId"],
        "task_name": request["taskName"],
        "seconds": detail["seconds"],
        "request_id": answer(response)["request_id"],
    }
    assert SIGNATURE not in json.dumps(event) and "127.0.0.1" not in json.dumps(event)


def test_a_duplicate_puts_no_event(s3, bucket, staging, delivery_bus):
    assert deliver(staging)[0]["statusCode"] == 200
    assert len(delivery_bus.received()) == 1
    assert answer(deliver(staging)[0])["duplicate"] is True
    assert delivery_bus.received() == []


def test_a_failed_publish_is_logged_and_counted_but_the_delivery_stands(
    s3, bucket, staging, monkeypatch, capsys, caplog
):
    monkeypatch.setenv("delivery_event_bus", "no-such-bus")
    response, _ = deliver(staging)
    assert response["statusCode"] == 200
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + DATA
    assert metric_values(emf.documents(capsys.readouterr().out))["DeliveryEventFailures"] == [(1.0, "Count")]
    assert "delivery event not published" in caplog.text
