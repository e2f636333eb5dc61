"""Every delivered object reads back, through Trino's own reader and the registered table, as the rows
CI360 exported; the answer's ``rows`` is the number of rows that reader returns (contract §2.11, §2.14).

The deliveries go through ``lambda_handler`` against moto's S3 and Glue; each case gets a folder (and
so a table) of its own, and all the objects are read in one run of the reader (``table_reader``:
Trino 483's ``CsvDeserializer`` and ``TextLineReader``, or the port where Java 25 or Maven is missing).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from devkit.local.trino_reader import Job
from s3_bulk_upload.handler import lambda_handler

COLUMNS = ["Customer ID", "name", "note"]
METADATA = json.dumps(COLUMNS).encode()
BOM = b"\xef\xbb\xbf"


def csv_bytes(rows: list[list[str]], terminator: str = "\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator).writerows(rows)
    return buffer.getvalue().encode()


EXPORTED = [
    ["c-1", "Silva, Ana", 'say "hi"'],
    ["c-2", "Sean O'Brien", "C:\\temp\\x\\"],
    ["c-3", "Zoë Ωmega 東京 😀", '\\"quoted\\" and \\\\'],
    ["c-4", "x" * 200_000, "long"],
    ["c-5", "Hive's \u0001 delimiter", "\t tabbed \t"],
    ["c-6", "", "   "],
]


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes  # the data file CI360 stages (LF line ends; CRLF cases are derived)
    rows: list[list[str]]  # what CI360 exported


CASES = [
    Case("plain", csv_bytes(EXPORTED), EXPORTED),
    Case("bom", BOM + csv_bytes(EXPORTED), EXPORTED),
    Case("blank_lines", b"\n" + csv_bytes(EXPORTED[:2]) + b"\n\n" + csv_bytes(EXPORTED[2:]) + b"\n", EXPORTED),
    Case("bom_then_blank", BOM + b"\n" + csv_bytes(EXPORTED), EXPORTED),
    Case("no_final_line_end", csv_bytes(EXPORTED)[:-1], EXPORTED),
    Case("only_blank_lines", b"\n\n", []),
    Case("empty", b"", []),
]


def crlf(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


@dataclass(frozen=True)
class Delivered:
    case: str
    rows_answered: int
    expected: list[list[str]]
    key: str
    stored: bytes
    table: Any  # the Glue table (GetTable's Table)


def deliver(staging, s3, bucket, glue_database, folder: str, data: bytes, header: bool, suffix: str) -> Delivered:
    data_url, metadata_url = staging.put(f"/{folder}.csv", data), staging.put(f"/{folder}.json", METADATA)
    request = bulk_request(
        data_url, metadata_url, f"exports/{folder}/{{date}}.csv{suffix}", send_parameters={"include_header": header}
    )
    response = lambda_handler(proxy_event(request), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 200 and "catalog" not in body, body
    stored = s3.get_object(Bucket=bucket, Key=body["upload_filename"])["Body"].read()
    table = boto3.client("glue").get_table(DatabaseName=glue_database, Name=body["glue_table"])["Table"]
    return Delivered(folder, body["rows"], [], body["upload_filename"], stored, table)


def test_every_delivered_object_reads_back_as_the_exported_rows(s3, bucket, staging, glue_database, table_reader):
    delivered = []
    for case in CASES:
        for line_end in (bytes, crlf):
            for header in (True, False):
                for suffix in ("", ".gz"):
                    folder = f"{case.name}_{line_end.__name__}_{'header' if header else 'bare'}{suffix.strip('.')}"
                    landed = deliver(staging, s3, bucket, glue_database, folder, line_end(case.data), header, suffix)
                    delivered.append((landed, case))
    jobs = [Job(landed.key, landed.stored, landed.table) for landed, _ in delivered]
    results = table_reader.read_strings(jobs)
    wrong = []
    for (landed, case), rows in zip(delivered, results, strict=True):
        expected = [tuple(row) for row in case.rows]
        if rows != expected or landed.rows_answered != len(rows):
            wrong.append((landed.case, landed.rows_answered, rows if isinstance(rows, Exception) else len(rows)))
    assert wrong == []
    gz = next(landed for landed, _ in delivered if landed.key.endswith(".gz"))
    assert gz.stored[:2] == b"\x1f\x8b" and gzip.decompress(gz.stored)


def test_a_bom_stays_at_byte_0_in_front_of_the_header(s3, bucket, staging, glue_database):
    landed = deliver(staging, s3, bucket, glue_database, "bom_first", BOM + b"c-1,a,b\r\n", True, "")
    assert landed.stored == BOM + b"Customer ID,name,note\r\nc-1,a,b\r\n"


def test_lone_carriage_returns_are_line_ends_and_rows_counts_them(s3, bucket, staging, glue_database, table_reader):
    landed = deliver(staging, s3, bucket, glue_database, "old_mac", b"c-1,a,b\rc-2,c,d\r\rc-3,e,f", True, "")
    [rows] = table_reader.read_strings([Job(landed.key, landed.stored, landed.table)])
    assert rows == [("c-1", "a", "b"), ("c-2", "c", "d"), ("c-3", "e", "f")]
    assert landed.rows_answered == 3


def test_the_tables_escape_character_in_the_data_is_counted_and_reported(s3, bucket, staging, glue_database, caplog):
    data_url, metadata_url = staging.put("/d.csv", "c-1,a\uffffb,x\n".encode()), staging.put("/m.json", METADATA)
    request = bulk_request(data_url, metadata_url, "exports/escaped/{date}.csv")
    body = answer(lambda_handler(proxy_event(request), LocalContext()))
    assert (body["status"], body["rows"], body["escape_characters"]) == ("OK", 1, 1)
    assert "escape character (U+FFFF)" in caplog.text


@pytest.mark.parametrize("name", ["Patient\nHIV_Status", "Patient\rHIV_Status"])
def test_a_column_name_with_a_line_break_is_a_400_when_the_header_is_written(s3, bucket, staging, glue_database, name):
    data_url = staging.put("/d.csv", b"c-1,a\n")
    metadata_url = staging.put("/m.json", json.dumps(["id", name]).encode())
    response = lambda_handler(proxy_event(bulk_request(data_url, metadata_url, "exports/names/a.csv")), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 400 and "metadata column 2's name holds a line break" in body["message"]
    assert "Patient" not in body["message"] and "HIV" not in body["message"]  # a position, never the name
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert staging.gets("/d.csv") == []


def test_a_column_name_with_a_line_break_reads_back_without_the_header(
    s3, bucket, staging, glue_database, table_reader
):
    data_url = staging.put("/d.csv", b"c-1,a\n")
    metadata_url = staging.put("/m.json", json.dumps(["id", "two\nlines"]).encode())
    request = bulk_request(data_url, metadata_url, "exports/names/a.csv", send_parameters={"include_header": False})
    body = answer(lambda_handler(proxy_event(request), LocalContext()))
    assert body["status"] == "OK", body
    table = boto3.client("glue").get_table(DatabaseName=glue_database, Name="names")["Table"]
    stored = s3.get_object(Bucket=bucket, Key=body["upload_filename"])["Body"].read()
    assert table_reader.read_strings([Job(body["upload_filename"], stored, table)]) == [[("c-1", "a")]]


def test_without_a_catalog_a_name_with_a_line_break_is_a_quoted_csv_header(s3, bucket, staging):
    data_url = staging.put("/d.csv", b"c-1,a\n")
    metadata_url = staging.put("/m.json", json.dumps(["id", "two\nlines"]).encode())
    body = answer(lambda_handler(proxy_event(bulk_request(data_url, metadata_url, "exports/a.csv")), LocalContext()))
    stored = s3.get_object(Bucket=bucket, Key=body["upload_filename"])["Body"].read()
    assert list(csv.reader(io.StringIO(stored.decode()))) == [["id", "two\nlines"], ["c-1", "a"]]
