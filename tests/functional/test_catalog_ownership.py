"""Only the connector's own tables are changed (contract §2.14), against moto's Glue; and the catalog
step ends inside the deadline when Glue never answers.

A table the connector creates carries its mark (``ci360_connector``, ``ci360_folder``). A table that is
not marked, or that describes another folder, is left exactly as it is: a 409 before the transfer when
that is known then, a 200 with ``catalog: "conflict"`` when a race reveals it afterwards.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from s3_bulk_upload.handler import Handler, lambda_handler

METADATA = json.dumps([{"columnName": "id"}, {"columnName": "score", "dataType": "DECIMAL"}]).encode()
DATA = b"c-1,0.5\nc-2,0.7\n"


def deliver(staging, s3_filename, handler=lambda_handler, context=None, **send):
    data_url, metadata_url = staging.put("/d.csv", DATA), staging.put("/m.json", METADATA)
    request = bulk_request(data_url, metadata_url, s3_filename, send_parameters=send)
    response = handler(proxy_event(request), context or LocalContext())
    return response["statusCode"], answer(response)


def foreign_table(database: str, name: str, location: str) -> dict:
    """A table someone else made in the shared database (Glue crawler-like, not the connector's)."""
    table_input: Any = {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "owner": "analytics"},
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "account", "Type": "string"}],
            "Location": location,
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    }
    boto3.client("glue").create_table(DatabaseName=database, TableInput=table_input)
    return table_input


def stored(database: str, name: str) -> dict:
    table = boto3.client("glue").get_table(DatabaseName=database, Name=name)["Table"]
    return {k: table.get(k) for k in ("Parameters", "PartitionKeys", "StorageDescriptor")}


def unchanged(database: str, name: str, before: dict) -> bool:
    table = stored(database, name)
    storage = table["StorageDescriptor"]
    return (
        table["Parameters"] == before["Parameters"]
        and table["PartitionKeys"] == before["PartitionKeys"]
        and storage["Location"] == before["StorageDescriptor"]["Location"]
        and storage["SerdeInfo"]["SerializationLibrary"]
        == before["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    )


def test_created_tables_carry_the_connectors_mark(s3, bucket, staging, glue_database):
    status, body = deliver(staging, "exports/churn/a.csv")
    assert status == 200, body
    parameters = stored(glue_database, "churn")["Parameters"]
    assert parameters["ci360_connector"] == "ci360-s3-bulk-connector"
    assert parameters["ci360_folder"] == f"s3://{bucket}/exports/churn/"


def test_a_glue_table_naming_a_foreign_table_is_a_409_before_any_transfer(s3, bucket, staging, glue_database):
    before = foreign_table(glue_database, "accounts", "s3://warehouse/accounts/")
    status, body = deliver(staging, "exports/churn/a.csv", glue_table="accounts")
    assert status == 409, body
    assert f"{glue_database}.accounts" in body["message"] and "not created by this connector" in body["message"]
    assert "score" not in body["message"] and "id," not in body["message"]  # the table, never its columns
    assert unchanged(glue_database, "accounts", before)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert staging.gets("/d.csv") == []


def test_two_folders_with_one_last_segment_do_not_share_a_table(s3, bucket, staging, glue_database):
    assert deliver(staging, "eu/churn/a.csv")[0] == 200
    before = stored(glue_database, "churn")
    status, body = deliver(staging, "us/churn/a.csv")
    assert status == 409, body
    assert "describes another folder" in body["message"] and f"{glue_database}.churn" in body["message"]
    assert stored(glue_database, "churn") == before
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["eu/churn/a.csv"]
    # with a table of its own, the second folder is catalogued
    status, body = deliver(staging, "us/churn/a.csv", glue_table="us_churn")
    assert (status, body["glue_table"], body.get("catalog")) == (200, "us_churn", None)


def test_a_foreign_table_that_appears_during_the_transfer_is_a_conflict_in_a_200(
    s3, bucket, staging, glue_database, capsys
):
    clients = []

    def glue_client(_deadline):
        clients.append(1)
        if len(clients) == 2:  # the write after the transfer: someone else's table got there first
            foreign_table(glue_database, "churn", f"s3://{bucket}/exports/churn/")
        return boto3.client("glue")

    status, body = deliver(staging, "exports/churn/a.csv", handler=Handler(glue_client=glue_client))
    assert (status, body["catalog"], body["glue_table"]) == (200, "conflict", "churn"), body
    assert stored(glue_database, "churn")["Parameters"] == {"classification": "parquet", "owner": "analytics"}
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["exports/churn/a.csv"]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert any("CatalogConflicts" in document for document in metrics)


def test_a_table_from_before_the_mark_is_recognised_and_marked(s3, bucket, staging, glue_database):
    assert deliver(staging, "exports/churn/a.csv")[0] == 200
    glue = boto3.client("glue")
    table: Any = glue.get_table(DatabaseName=glue_database, Name="churn")["Table"]
    legacy: Any = {k: table[k] for k in ("Name", "Description", "TableType", "Parameters", "StorageDescriptor")}
    legacy["Parameters"] = {
        k: v for k, v in legacy["Parameters"].items() if k not in ("ci360_connector", "ci360_folder")
    }
    glue.update_table(DatabaseName=glue_database, TableInput=legacy)
    status, body = deliver(staging, "exports/churn/b.csv")
    assert (status, body.get("catalog")) == (200, None), body
    assert stored(glue_database, "churn")["Parameters"]["ci360_connector"] == "ci360-s3-bulk-connector"


@contextlib.contextmanager
def silent_endpoint() -> Iterator[str]:
    """A TCP server that accepts connections and never answers (a Glue endpoint that hangs)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError, OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


@pytest.mark.parametrize("timeout_seconds", [10.0])
def test_a_glue_that_never_answers_is_answered_before_the_deadline(
    s3, bucket, staging, glue_database, monkeypatch, capsys, timeout_seconds
):
    with silent_endpoint() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_GLUE", endpoint)
        started = time.monotonic()
        status, body = deliver(staging, "exports/churn/a.csv", context=LocalContext(timeout_seconds=timeout_seconds))
        seconds = time.monotonic() - started
    assert seconds < timeout_seconds, f"answered after {seconds:.1f} s: Lambda would have stopped the function"
    assert (status, body["catalog"], body["rows"]) == (200, "failed", 2), body
    assert s3.get_object(Bucket=bucket, Key="exports/churn/a.csv")["Body"].read() == b"id,score\n" + DATA
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert any(document.get("CatalogFailures") in ([1.0], 1.0) for document in metrics)
