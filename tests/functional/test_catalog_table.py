"""The Glue Data Catalog table (contract §2.14) through ``lambda_handler``, against moto's Glue.

The reader tests hold the table moto stored against the bytes S3 holds, read as Athena reads an
OpenCSVSerde table (``table_reader``: Trino 483's own reader, or the port where Java 25 or Maven is
missing; typed values converted as Athena converts them): every row and every typed value comes back.
"""

from __future__ import annotations

import gzip
import json
import logging
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from devkit.local.trino_reader import Job
from s3_bulk_upload.handler import Handler, lambda_handler

TYPED_METADATA = json.dumps(
    [
        {"columnName": "Customer ID", "dataType": "STRING"},
        {"columnName": "Visits", "dataType": "INTEGER"},
        {"columnName": "churn score", "dataType": "DECIMAL"},
        {"columnName": "opted_in", "dataType": "BOOLEAN"},
        {"columnName": "Last Seen", "dataType": "DATE"},
        {"columnName": "note", "dataType": "GEOGRAPHY"},
    ]
).encode()
TYPED_ROWS = (
    b'c-1,12,0.91,true,2026-11-27,"Silva, Ana"\n'
    b'c-2,,0.47,false,2026-11-26,"Sean ""Jr"" O\'Brien"\n'
    b"c-3,7,,TRUE,,C:\\temp\\x\n"
)
EXPECTED = [
    ("c-1", 12, 0.91, True, "2026-11-27", "Silva, Ana"),
    ("c-2", None, 0.47, False, "2026-11-26", 'Sean "Jr" O\'Brien'),
    ("c-3", 7, None, True, "", "C:\\temp\\x"),
]
EXPECTED_COLUMNS = [
    ("customer_id", "string"),
    ("visits", "bigint"),
    ("churn_score", "double"),
    ("opted_in", "boolean"),
    ("last_seen", "string"),
    ("note", "string"),
]


ANSWERED: list[dict[str, Any]] = []  # this test's 200 answers, read back after it (every_object_reads_back)


def deliver(
    staging, data=TYPED_ROWS, metadata=TYPED_METADATA, handler=lambda_handler, s3_filename="exports/churn/{date}.csv",
    send=None, **extra,
):  # fmt: skip
    data_url, metadata_url = staging.put("/d.csv", data), staging.put("/m.json", metadata)
    request = bulk_request(data_url, metadata_url, s3_filename, send_parameters=send or {}, **extra)
    response = handler(proxy_event(request), LocalContext())
    if response["statusCode"] == 200:
        ANSWERED.append(answer(response))
    return response, request


@pytest.fixture(autouse=True)
def every_object_reads_back(table_reader):
    """After each test: every object it delivered and catalogued reads through the reader (Trino's own),
    with its table as the test left it, as many rows as the answer's ``rows`` (a quoted line break is
    the documented exception: the reader splits there)."""
    ANSWERED.clear()
    yield
    catalogued = [a for a in ANSWERED if "glue_table" in a and "catalog" not in a and not a["duplicate"]]
    if not catalogued:
        return
    s3, glue = boto3.client("s3"), boto3.client("glue")
    jobs, expected = [], []
    for body in catalogued:
        stored = s3.get_object(Bucket=body["bucket_name"], Key=body["upload_filename"])["Body"].read()
        definition = glue.get_table(DatabaseName=body["glue_database"], Name=body["glue_table"])["Table"]
        if "line_breaks_in_fields" not in body:
            jobs.append(Job(body["upload_filename"], stored, definition))
            expected.append(body["rows"])
    read = table_reader.read_strings(jobs)
    assert [len(rows) if isinstance(rows, list) else rows for rows in read] == expected


def table(database, name):
    return boto3.client("glue").get_table(DatabaseName=database, Name=name)["Table"]


def objects(s3, bucket, prefix):
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return [(o["Key"], s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in listed]


def test_a_delivery_registers_a_typed_table_over_its_folder(s3, bucket, staging, glue_database, table_reader):
    response, request = deliver(staging)
    body = answer(response)
    assert response["statusCode"] == 200, body
    assert (body["glue_database"], body["glue_table"]) == (glue_database, "churn")
    assert "catalog" not in body

    registered = table(glue_database, "churn")
    storage = registered["StorageDescriptor"]
    assert [(c["Name"], c["Type"]) for c in storage["Columns"]] == EXPECTED_COLUMNS
    assert storage["Columns"][5]["Comment"] == "CI360 column 'note', dataType GEOGRAPHY"
    assert storage["Location"] == f"s3://{bucket}/exports/churn/"
    assert storage["SerdeInfo"]["SerializationLibrary"] == "org.apache.hadoop.hive.serde2.OpenCSVSerde"
    parameters = registered["Parameters"]
    assert parameters["classification"] == "csv" and parameters["skip.header.line.count"] == "1"
    assert (parameters["ci360_task_id"], parameters["ci360_occurrence_id"]) == (
        request["taskId"],
        request["occurrenceId"],
    )
    assert table_reader.read_table(registered, objects(s3, bucket, "exports/churn/")) == EXPECTED


def test_the_same_columns_leave_the_table_alone_and_new_columns_update_it(
    s3, bucket, staging, glue_database, delivery_bus, json_logs
):
    glue = boto3.client("glue")
    deliver(staging, occurrenceId="first")
    deliver(staging, occurrenceId="second", s3_filename="exports/churn/second.csv")
    versions = glue.get_table_versions(DatabaseName=glue_database, TableName="churn")["TableVersions"]
    assert len(versions) == 1
    assert table(glue_database, "churn")["Parameters"]["ci360_occurrence_id"] == "first"
    assert [e["detail"]["schema_changed"] for e in delivery_bus.received()] == [True, False]

    wider = json.dumps([*json.loads(TYPED_METADATA), {"columnName": "tier", "dataType": "STRING"}]).encode()
    response, _ = deliver(
        staging, TYPED_ROWS.replace(b"\n", b",gold\n"), wider, occurrenceId="third", s3_filename="exports/churn/3.csv"
    )
    assert response["statusCode"] == 200
    updated = table(glue_database, "churn")
    assert [c["Name"] for c in updated["StorageDescriptor"]["Columns"]][-1] == "tier"
    assert updated["Parameters"]["ci360_occurrence_id"] == "third"
    assert [e["detail"]["schema_changed"] for e in delivery_bus.received()] == [True]
    logged = [json.loads(line) for line in json_logs.text.splitlines() if line.startswith("{")]
    assert [(e["message"], e["schema_changed"]) for e in logged if "catalog table" in str(e["message"])] == [
        ("catalog table written", True),
        ("catalog table unchanged", False),
        ("catalog table written", True),
    ]


@pytest.mark.parametrize(
    ("glue_table", "expected"),
    [("Churn Audience (EMEA)!", "churn_audience_emea"), (None, "weekly_churn_audience_emea")],
)
def test_table_names_are_explicit_or_the_folder_normalised(s3, bucket, staging, glue_database, glue_table, expected):
    send = {"glue_table": glue_table} if glue_table else {}
    response, _ = deliver(staging, s3_filename="exports/{taskName}/{date}.csv", send=send)
    assert answer(response)["glue_table"] == expected
    assert table(glue_database, expected)["StorageDescriptor"]["Location"].startswith(
        f"s3://{bucket}/exports/Weekly_churn_audience_EMEA_/"
    )


@pytest.mark.parametrize(
    ("extra", "metadata", "message"),
    [
        ({"s3_filename": "churn_{date}.csv"}, TYPED_METADATA, "exports/{taskName}/{date}.csv"),
        ({"send": {"glue_table": "!!!"}}, TYPED_METADATA, "glue_table"),
        ({}, b'[{"columnName": "Segment"}, {"columnName": "segment "}]', "columns 1 and 2 both become one catalog"),
        ({}, b"id,\xc2\xa7\xc2\xa7\n", "no letter or digit"),
    ],
    ids=["no-folder", "invalid-table-name", "columns-collide", "column-without-a-name"],
)
def test_what_cannot_be_catalogued_is_a_400_before_any_transfer(
    s3, bucket, staging, glue_database, extra, metadata, message
):
    response, _ = deliver(staging, metadata=metadata, **extra)
    body = answer(response)
    assert response["statusCode"] == 400 and message in body["message"], body
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert boto3.client("glue").get_tables(DatabaseName=glue_database)["TableList"] == []
    assert staging.gets("/d.csv") == []


def test_with_an_asynchronous_hand_off_a_collision_is_still_a_400(s3, bucket, staging, glue_database, monkeypatch):
    monkeypatch.setenv("delivery_mode", "async")
    response, _ = deliver(staging, metadata=b"a,A\n")
    assert response["statusCode"] == 400
    assert staging.gets("/d.csv") == []


def test_a_denied_create_table_still_answers_200_and_counts_the_failure(
    s3, bucket, staging, glue_database, capsys, caplog
):
    glue = boto3.client("glue")
    stubber = Stubber(glue)
    stubber.add_client_error("get_table", "EntityNotFoundException", http_status_code=400)  # before the transfer
    stubber.add_client_error("get_table", "EntityNotFoundException", http_status_code=400)
    stubber.add_client_error("create_table", "AccessDeniedException", "not authorised", http_status_code=400)
    with stubber:
        response, _ = deliver(staging, handler=Handler(glue_client=lambda _deadline: glue))
    body = answer(response)
    assert response["statusCode"] == 200, body
    assert (body["catalog"], body["glue_table"]) == ("failed", "churn")
    assert [k for k, _ in objects(s3, bucket, "exports/churn/")] == [body["upload_filename"]]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert any(d.get("CatalogFailures") == [1.0] or d.get("CatalogFailures") == 1.0 for d in metrics)
    failed = [r for r in caplog.records if r.getMessage() == "catalog table not written"]
    assert failed and failed[0].levelno == logging.ERROR and failed[0].__dict__["error"] == "AccessDeniedException"


def test_without_a_glue_database_nothing_is_catalogued(s3, bucket, staging):
    body = answer(deliver(staging)[0])
    assert body["status"] == "OK" and not {"glue_database", "glue_table", "catalog"} & body.keys()


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("key", ["exports/churn/{date}.csv", "exports/churn/{date}.csv.gz"], ids=["plain", "gzip"])
@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
@pytest.mark.parametrize("line_end", [bytes, crlf], ids=["lf", "crlf"])
def test_the_declared_schema_reads_every_row_and_value_back(
    s3, bucket, staging, glue_database, key, header, line_end, table_reader
):
    response, _ = deliver(staging, line_end(TYPED_ROWS), s3_filename=key, send={"include_header": str(header).lower()})
    assert response["statusCode"] == 200, answer(response)
    registered = table(glue_database, "churn")
    assert ("skip.header.line.count" in registered["Parameters"]) is header
    stored = objects(s3, bucket, "exports/churn/")
    assert len(stored) == 1 and (stored[0][1][:2] == b"\x1f\x8b") is key.endswith(".gz")
    assert table_reader.read_table(registered, stored) == EXPECTED


def test_line_breaks_inside_fields_are_reported_because_athena_splits_those_rows(
    s3, bucket, staging, glue_database, caplog, table_reader
):
    rows = b'c-1,12,0.91,true,2026-11-27,"two\nlines"\nc-2,3,0.5,false,2026-11-26,plain\n'
    response, _ = deliver(staging, rows)
    body = answer(response)
    assert (body["rows"], body["line_breaks_in_fields"]) == (2, 1)
    assert "Athena's CSV reader splits those records" in caplog.text
    read = table_reader.read_table(table(glue_database, "churn"), objects(s3, bucket, "exports/churn/"))
    assert len(read) == 3  # what Athena would show: the documented limitation, not hidden


def test_the_reader_is_the_one_that_drops_backslashes_with_the_default_escape(
    s3, bucket, staging, glue_database, table_reader
):
    """Why the table sets its own escape character: with Athena's default, ``C:\\temp\\x`` reads ``C:tempx``."""
    deliver(staging)
    registered = table(glue_database, "churn")
    registered["StorageDescriptor"]["SerdeInfo"]["Parameters"].pop("escapeChar")
    assert table_reader.read_table(registered, objects(s3, bucket, "exports/churn/"))[2][5] == "C:tempx"


def test_gzip_objects_need_no_table_setting(s3, bucket, staging, glue_database):
    deliver(staging, s3_filename="exports/churn/a.csv.gz")
    stored = objects(s3, bucket, "exports/churn/")
    assert gzip.decompress(stored[0][1]).endswith(TYPED_ROWS)
    assert table(glue_database, "churn")["StorageDescriptor"]["SerdeInfo"]["Parameters"] == {
        "separatorChar": ",",
        "quoteChar": '"',
        "escapeChar": "\uffff",
    }


def test_fixture_metadata_maps_decimal_to_double(s3, bucket, staging, glue_database):
    deliver(staging, sample_bytes("data.csv"), sample_bytes("metadata_columns.json"))
    columns = table(glue_database, "churn")["StorageDescriptor"]["Columns"]
    assert [(c["Name"], c["Type"]) for c in columns][3:] == [("churn_score", "double"), ("segment_region", "string")]
