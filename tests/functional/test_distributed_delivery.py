"""delivery_mode=distributed end to end: the deployed state machine (moto executes it), the real handler
for every step, moto S3 and the staging server.

Parts are 5 MiB (``distributed_part_size_mib``, S3's minimum), so a 12 MiB export is three parts.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devkit.events import answer, bulk_request, proxy_event, sample_bytes
from devkit.local import emf
from devkit.local.context import LocalContext
from devkit.local.staging import SIGNATURE, Behaviour
from devkit.local.state_machine import LocalStateMachine, state_machine
from s3_bulk_upload.errors import DestinationError
from s3_bulk_upload.handler import Handler, lambda_handler
from s3_bulk_upload.records import RecordCounter
from s3_bulk_upload.state_objects import StateObjects

HEADER = sample_bytes("metadata_header.csv")
MIB = 1024 * 1024
PART = 5 * MIB
STATE_LIMIT = 256 * 1024


def csv_lines(size: int, seed: int = 7) -> bytes:
    """CSV rows of about ``size`` bytes that compress about 2x (so .gz parts exercise the padding)."""
    rng = random.Random(seed)
    lines, have, n = [], 0, 0
    while have < size:
        line = f"{n},{rng.getrandbits(128):032x},{rng.choice(['a', 'b', 'c'])}\n".encode()
        lines.append(line)
        have += len(line)
        n += 1
    return b"".join(lines)


def single_path_rows(data: bytes) -> tuple[int, int]:
    counter = RecordCounter()
    counter.feed(data)
    return counter.total, counter.line_breaks_in_fields


@pytest.fixture
def machine(moto_endpoint, bucket, staging, monkeypatch) -> Iterator[LocalStateMachine]:
    monkeypatch.setenv("delivery_mode", "distributed")
    monkeypatch.setenv("distributed_part_size_mib", "5")
    monkeypatch.setenv("max_parallel_parts", "4")
    with state_machine(moto_endpoint, lambda_handler, timeout_seconds=120) as local:
        monkeypatch.setenv("state_machine_arn", local.arn)
        yield local


def execution_of(local: LocalStateMachine) -> dict[str, Any]:
    """The one execution of the state machine, once it has ended."""
    sfn = boto3.client("stepfunctions")
    deadline = time.monotonic() + 120
    while True:
        executions = sfn.list_executions(stateMachineArn=local.arn)["executions"]
        assert len(executions) == 1, executions
        described = sfn.describe_execution(executionArn=executions[0]["executionArn"])
        if described["status"] != "RUNNING":
            return described
        assert time.monotonic() < deadline, "the execution did not end"
        time.sleep(0.2)


def history_is_small_and_holds_no_url(execution_arn: str) -> None:
    sfn = boto3.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    assert events
    for event in events:
        text = json.dumps(event, default=str)
        assert SIGNATURE not in text and "X-Amz-Signature" not in text
        for details in event.values():
            if isinstance(details, dict):
                for name in ("input", "output", "parameters"):
                    assert len(details.get(name, "")) < STATE_LIMIT


def deliver(staging, data: bytes, key: str = "exports/churn.csv", **extra) -> dict[str, Any]:
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER), key, **extra)
    response = lambda_handler(proxy_event(request), LocalContext())
    assert response["statusCode"] == 202, response
    return answer(response)


def test_a_distributed_delivery_is_header_and_source_byte_for_byte(s3, bucket, staging, machine):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    data = csv_lines(12 * MIB)
    body = deliver(staging, data)
    assert body["status"] == "Accepted" and body["upload_filename"] == "exports/churn.csv"
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    obj = s3.get_object(Bucket=bucket, Key="exports/churn.csv")
    assert obj["Body"].read() == HEADER + data
    assert obj["ContentType"] == "text/csv"
    assert obj["Metadata"]["ci360-occurrence-id"]
    output = json.loads(execution["output"])
    assert (output["rows"], output["duplicate"]) == (single_path_rows(data)[0], False)
    assert len(machine.invocations.steps("part")) == 3
    history_is_small_and_holds_no_url(execution["executionArn"])
    # The working files (the request holds the URLs) are gone; no upload is left open.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])] == ["exports/churn.csv"]
    working = s3.list_object_versions(Bucket=bucket, Prefix=".ci360-connector/")
    assert not working.get("Versions") and not working.get("DeleteMarkers")  # no noncurrent copy of the URLs
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def parts_count(s3, bucket: str, key: str) -> int:
    return int(s3.head_object(Bucket=bucket, Key=key, PartNumber=1)["PartsCount"])


@pytest.mark.slow
def test_a_span_goes_out_as_several_parts_each_sent_while_the_next_is_read(
    moto_endpoint, s3, bucket, staging, monkeypatch, sent_to_s3
):
    """One 15 MiB span of 5 MiB parts from a slow source: its first part is on its way to S3 while
    the rest is still being read (sent once the second is read), not after the whole span."""
    monkeypatch.setenv("delivery_mode", "distributed")
    monkeypatch.setenv("distributed_part_size_mib", "15")
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("source_connections", "1")
    data = csv_lines(15 * MIB)[: 15 * MIB]
    # About 3 MiB/s: the source's read-ahead shortens what the span's reader waits, not the 1.6 s a
    # further 5 MiB takes the server (at 6 MiB/s a loaded machine left only 0.43 s between the sends).
    slow = Behaviour(delay_per_chunk=0.02)
    with state_machine(moto_endpoint, Handler(s3_client=sent_to_s3.client), timeout_seconds=120) as local:
        monkeypatch.setenv("state_machine_arn", local.arn)
        request = bulk_request(staging.put("/d.csv", data, slow), staging.put("/m.csv", HEADER))
        assert lambda_handler(proxy_event(request), LocalContext())["statusCode"] == 202
        execution = execution_of(local)
    assert execution["status"] == "SUCCEEDED", execution
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data
    assert parts_count(s3, bucket, "exports/churn.csv") == 3  # 5, 5 and 5 MiB + the header
    uploads = [at for name, _, at in sent_to_s3.sent if name == "UploadPart"]
    assert len(uploads) == 3 and uploads[-1] - uploads[0] > 0.5  # 5 MiB of the span read in between


def test_a_gz_span_is_one_part_whatever_the_part_size_and_the_object_gunzips_to_header_and_source(
    s3, bucket, staging, machine, monkeypatch
):
    """Spans of 15 MiB with 5 MiB parts set: a .gz span's gzip member (about 11 MiB at base64's ratio)
    has no size known before it is written, and S3 completes checksummed parts only when numbered
    without a gap, so each span is one part."""
    monkeypatch.setenv("distributed_part_size_mib", "15")
    monkeypatch.setenv("part_size_mib", "5")
    rng = random.Random(5)
    data = b"".join(base64.b64encode(rng.randbytes(57)) + b"\n" for _ in range(30 * MIB // 77))
    deliver(staging, data, "exports/churn.csv.gz")
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert gzip.decompress(s3.get_object(Bucket=bucket, Key="exports/churn.csv.gz")["Body"].read()) == HEADER + data
    assert parts_count(s3, bucket, "exports/churn.csv.gz") == 2
    assert json.loads(execution["output"])["rows"] == data.count(b"\n")


def test_a_span_shortened_by_its_empty_lines_is_cut_again_to_fill_its_part_numbers(
    s3, bucket, staging, machine, monkeypatch, caplog
):
    """Spans of 24 MiB in 6 MiB parts (four numbers each); span 1 holds 3 MiB of empty lines, left
    out: streamed, it comes out as three parts, so it is read again and cut into four equal ones, and
    the object's parts are numbered 1 to 5 without a gap, as S3 needs."""
    monkeypatch.setenv("distributed_part_size_mib", "24")
    monkeypatch.setenv("part_size_mib", "6")
    span = 24 * MIB
    head = csv_lines(10 * MIB)
    data = head + b"\n" * (3 * MIB) + csv_lines(span - len(head) - 3 * MIB + 2 * MIB, seed=4)
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + single_path_object(data)
    assert json.loads(execution["output"])["rows"] == single_path_rows(data)[0]
    assert parts_count(s3, bucket, "exports/churn.csv") == 4 + 1
    assert "part short of its part numbers" in caplog.text


def test_a_span_whose_empty_lines_leave_too_little_for_its_part_numbers_fails_and_writes_nothing(
    s3, bucket, staging, machine, monkeypatch
):
    """Spans of 15 MiB in 5 MiB parts; span 1 holds 2 MiB of empty lines: 13 MiB cannot be three parts
    of 5 MiB. A gap in the part numbers would make S3 refuse to complete (moto does not): Complete
    stops first, and the upload is aborted."""
    monkeypatch.setenv("distributed_part_size_mib", "15")
    monkeypatch.setenv("part_size_mib", "5")
    head = csv_lines(5 * MIB)
    data = head + b"\n" * (2 * MIB) + csv_lines(15 * MIB - len(head) - 2 * MIB + MIB, seed=4)
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "FAILED", execution
    assert "without a gap" in execution.get("cause", "") or "without a gap" in json.dumps(execution, default=str)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="exports/")
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def test_a_gz_key_gunzips_to_header_and_source_one_member_per_part(s3, bucket, staging, machine):
    data = csv_lines(12 * MIB)
    deliver(staging, data, "exports/churn.csv.gz")
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    obj = s3.get_object(Bucket=bucket, Key="exports/churn.csv.gz")
    assert obj["ContentType"] == "application/gzip"
    assert gzip.decompress(obj["Body"].read()) == HEADER + data
    assert json.loads(execution["output"])["rows"] == single_path_rows(data)[0]


def test_rows_are_exact_with_a_quoted_line_break_across_a_part_boundary(s3, bucket, staging, machine):
    before = csv_lines(PART - 200)  # then a record of "2"s up to 10 bytes before the boundary (no empty line)
    straddling = b'1,"a field whose line\nbreaks",x\n'  # its quote opens before byte 5 MiB, its line break after
    data = before + b"2" * (PART - len(before) - 10) + b"\n" + straddling + csv_lines(2 * MIB, seed=3) + b"last,no,end"
    assert data.index(b"\n", PART - 10 + 10) >= PART  # the quoted line break is in part 2
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data
    rows, line_breaks = single_path_rows(data)
    assert json.loads(execution["output"])["rows"] == rows
    assert line_breaks == 1


def test_a_part_that_meets_a_transient_503_is_retried_and_the_delivery_succeeds(
    s3, bucket, staging, machine, monkeypatch
):
    monkeypatch.setenv("source_max_retries", "0")  # the part fails at once: the state machine's Retry must help
    data = csv_lines(12 * MIB)

    def part_2_meets_a_503(event):
        if (
            event.get("ci360_distributed") == "part"
            and event["part"] == 2
            and len(machine.invocations.steps("part")) <= 3
        ):
            staging.files["/d.csv"].behaviour = Behaviour(status=503, status_times=1)

    machine.invocations.before = part_2_meets_a_503
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert staging.files["/d.csv"].behaviour.status_times == 0  # the 503 was served
    assert len(machine.invocations.steps("part")) == 4  # part 2 twice
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data


def test_a_part_whose_counts_cannot_be_written_fails_and_is_retried(s3, bucket, staging, machine, monkeypatch):
    """The counts are written while the part uploads: a failed write still fails the part (else Complete
    would find them missing), and the state machine's Retry copies it again."""
    data = csv_lines(12 * MIB)
    put = StateObjects.put
    refused: list[str] = []

    def refuse_part_2_counts_once(self, key, document, **kwargs):
        if key.endswith("/parts/2.json") and not refused:
            refused.append(key)
            raise DestinationError(f"could not write s3://{self.bucket}/{key}: SlowDown")
        return put(self, key, document, **kwargs)

    monkeypatch.setattr(StateObjects, "put", refuse_part_2_counts_once)
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert refused
    assert [e["part"] for e in machine.invocations.steps("part")].count(2) == 2
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data


def test_a_part_that_cannot_be_read_fails_the_execution_aborts_the_upload_and_writes_nothing(
    s3, bucket, staging, machine
):
    data = csv_lines(12 * MIB)

    def url_expires_at_part_3(event):
        if event.get("ci360_distributed") == "part" and event["part"] == 3:
            staging.files["/d.csv"].behaviour = Behaviour(status=403)

    machine.invocations.before = url_expires_at_part_3
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "FAILED"
    # AWS fails the Map at the child's failure (States.ExceedToleratedFailureThreshold); moto ignores the
    # tolerance and goes on to Complete, whose part check finds part 3 missing: either way, Abort runs.
    assert execution.get("error") in ("States.ExceedToleratedFailureThreshold", "DestinationError")
    part_3 = [e for e in machine.invocations.steps("part") if e["part"] == 3]
    assert len(part_3) == 1  # SourceGone (403: the URL expired) is not retried
    assert SIGNATURE not in json.dumps(execution, default=str)
    assert len(machine.invocations.steps("abort")) == 1
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0  # no object, no working files
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    history_is_small_and_holds_no_url(execution["executionArn"])


def test_racing_redeliveries_start_one_execution_and_a_resend_after_success_is_a_duplicate(
    s3, bucket, staging, machine
):
    data = csv_lines(6 * MIB)
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER))
    answers: list[dict[str, Any]] = []

    def send() -> None:
        answers.append(lambda_handler(proxy_event(request), LocalContext()))

    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert [a["statusCode"] for a in answers] == [202] * 4
    execution = execution_of(machine)  # exactly one
    assert execution["status"] == "SUCCEEDED", execution
    again = lambda_handler(proxy_event(request), LocalContext())
    assert again["statusCode"] == 200 and answer(again)["duplicate"] is True
    assert len(machine.invocations.steps("plan")) == 1


def test_event_table_metrics_and_logs_are_those_of_a_synchronous_delivery(
    s3, bucket, staging, machine, delivery_bus, glue_database, monkeypatch, capsys, caplog
):
    data = csv_lines(6 * MIB) + b'9,"quoted\nbreak",z\n'
    monkeypatch.setenv("delivery_mode", "sync")
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER), "exports/sync/churn.csv")
    synchronous = answer(lambda_handler(proxy_event(request), LocalContext()))
    monkeypatch.setenv("delivery_mode", "distributed")
    deliver(staging, data, "exports/distributed/churn.csv", occurrenceId="another-occurrence")
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert json.loads(execution["output"])["rows"] == synchronous["rows"]

    by_key = {event["detail"]["key"]: event["detail"] for event in delivery_bus.received() + delivery_bus.received()}
    sync_event, distributed_event = by_key["exports/sync/churn.csv"], by_key["exports/distributed/churn.csv"]
    differ = {"key", "s3_uri", "seconds", "request_id", "glue_table", "occurrence_id"}
    assert {k: v for k, v in distributed_event.items() if k not in differ} == {
        k: v for k, v in sync_event.items() if k not in differ
    }
    assert distributed_event["glue_table"] == "distributed"

    glue = boto3.client("glue")
    tables = {name: glue.get_table(DatabaseName=glue_database, Name=name)["Table"] for name in ("sync", "distributed")}
    assert tables["distributed"]["StorageDescriptor"]["Columns"] == tables["sync"]["StorageDescriptor"]["Columns"]
    assert tables["distributed"]["Parameters"].keys() == tables["sync"]["Parameters"].keys()

    metrics = emf.values(capsys.readouterr().out)
    assert metrics["Deliveries"] == [1.0, 1.0] and metrics["Rows"] == [synchronous["rows"]] * 2
    assert SIGNATURE not in caplog.text


def test_a_failed_distributed_delivery_is_counted_once_and_logged_without_its_url(
    s3, bucket, staging, machine, capsys, caplog
):
    def file_replaced_at_part_2(event):
        if event.get("ci360_distributed") == "part" and event["part"] == 2:
            staging.files["/d.csv"].content = b"x" * len(staging.files["/d.csv"].content)

    machine.invocations.before = file_replaced_at_part_2
    deliver(staging, csv_lines(12 * MIB))
    assert execution_of(machine)["status"] == "FAILED"
    assert emf.values(capsys.readouterr().out)["Failures"] == [1.0]
    assert "distributed delivery failed" in caplog.text
    assert SIGNATURE not in caplog.text
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_what_one_20_s_invocation_cannot_carry_the_distributed_path_delivers(
    s3, bucket, staging, moto_endpoint, monkeypatch
):
    """A source capped at 1 MiB/s per connection, one connection: 40 MiB need 40 s in one invocation.
    With a 20 s timeout (16 s before the reserve) the single path stops cleanly (500, nothing
    written); parts of 5 MiB, 5 s each, each in an invocation of its own, deliver it."""
    monkeypatch.setenv("source_connections", "1")
    monkeypatch.setenv("distributed_part_size_mib", "5")
    monkeypatch.setenv("max_parallel_parts", "8")
    data = csv_lines(40 * MIB)
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", HEADER))
    staging.rate_limit = MIB
    with state_machine(moto_endpoint, lambda_handler, timeout_seconds=20) as local:
        monkeypatch.setenv("state_machine_arn", local.arn)
        monkeypatch.setenv("delivery_mode", "sync")
        single = lambda_handler(proxy_event(request), LocalContext(timeout_seconds=20))
        assert single["statusCode"] == 500, single
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
        monkeypatch.setenv("delivery_mode", "distributed")
        accepted = lambda_handler(proxy_event(request), LocalContext(timeout_seconds=20))
        assert accepted["statusCode"] == 202, accepted
        execution = execution_of(local)
        assert execution["status"] == "SUCCEEDED", execution
        assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data
        parts = -(-len(data) // PART)  # 9: the last holds the few bytes past 40 MiB
        assert sorted(e["part"] for e in local.invocations.steps("part")) == list(range(1, parts + 1))  # no retry


def test_a_complete_step_retried_after_the_upload_was_completed_succeeds_as_a_duplicate(
    s3, bucket, staging, machine, monkeypatch
):
    from s3_bulk_upload.state_objects import StateObjects

    real_delete = StateObjects.delete_folder
    crashes: list[str] = []

    def crash_once(self, folder):
        if not crashes:
            crashes.append(folder)
            raise RuntimeError("the invocation ended here")
        real_delete(self, folder)

    monkeypatch.setattr(StateObjects, "delete_folder", crash_once)
    data = csv_lines(6 * MIB)
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert len(machine.invocations.steps("complete")) == 2
    assert json.loads(execution["output"])["duplicate"] is True
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["exports/churn.csv"]


def test_a_content_encoded_source_is_not_split_but_delivered_by_one_asynchronous_run(s3, bucket, staging, machine):
    """A byte span of a gzip-encoded response cannot be decoded alone: the file goes the single way."""
    data = csv_lines(6 * MIB)
    url = staging.put("/d.csv", gzip.compress(data), Behaviour(content_encoding="gzip"))
    request = bulk_request(url, staging.put("/m.csv", HEADER))
    response = lambda_handler(proxy_event(request), LocalContext(invoked_function_arn=machine.function_arn))
    assert response["statusCode"] == 202, response
    assert boto3.client("stepfunctions").list_executions(stateMachineArn=machine.arn)["executions"] == []
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + data


def single_path_object(data: bytes) -> bytes:
    """What the single path writes for ``data``: the counter leaves empty lines out."""
    return b"".join(RecordCounter().counted(iter([data])))


def test_empty_lines_and_a_quoted_field_holding_one_across_a_boundary_are_what_the_single_path_writes(
    s3, bucket, staging, machine, caplog
):
    """Part 2 starts inside a quoted field that holds an empty line: copied outside quotes, that line
    would be left out; Complete copies the part again inside quotes. Empty lines elsewhere are left out."""
    before = csv_lines(PART - 200)
    opening = b'7,"a field that opens here and holds\n'
    filler = b"x" * (PART - len(before) - len(opening) - 1) + b"\n"  # part 2 starts at inside's "\n\n"
    inside = b'\n\nan empty line",y\n\n\r\n'  # in the field: kept; after it: empty lines, left out
    data = before + opening + filler + inside + csv_lines(2 * MIB, seed=5)
    assert len(before) + len(opening) + len(filler) == PART
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + single_path_object(data)
    assert json.loads(execution["output"])["rows"] == single_path_rows(data)[0]
    copies_of_part_2 = [e for e in machine.invocations.steps("part") if e["part"] == 2]
    assert len(copies_of_part_2) == 1 and "parts copied again inside quotes" in caplog.text  # by Complete


def test_a_span_copied_again_inside_quotes_is_completed_with_the_parts_of_its_second_copy(
    s3, bucket, staging, machine, monkeypatch, caplog
):
    """Spans of 15 MiB in 5 MiB parts; span 2 starts inside a quoted field holding 6 MiB of empty
    lines. Copied outside quotes, they are left out and the span is one 9 MiB part; Complete copies
    it again inside quotes, as three parts, and joins those three, not the first copy's one."""
    monkeypatch.setenv("distributed_part_size_mib", "15")
    monkeypatch.setenv("part_size_mib", "5")
    span = 15 * MIB
    before = csv_lines(span - 100)[: span - 100 - 1] + b"\n"
    opening = b'7,"a field of empty lines' + b"x" * (100 - 25 - 1) + b"\n"
    inside = b"\n" * (6 * MIB) + b'the end",y\n'
    data = before + opening + inside + csv_lines(10 * MIB, seed=9)  # spans of 15, 15 and 1 MiB
    assert len(before) + len(opening) == span
    deliver(staging, data)
    execution = execution_of(machine)
    assert execution["status"] == "SUCCEEDED", execution
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == HEADER + single_path_object(data)
    assert json.loads(execution["output"])["rows"] == single_path_rows(data)[0]
    assert "parts copied again inside quotes" in caplog.text and len(machine.invocations.steps("complete")) == 1
    assert parts_count(s3, bucket, "exports/churn.csv") == 3 + 3 + 1  # span 2's second copy: three parts
