"""Racing re-deliveries: CI360 re-sends while the first run is still transferring (API Gateway
answered 504 at 29 s). Concurrent processes, one occurrence, one key: every answer is 200, one
object, no open upload; a lost conditional write that this occurrence won is a duplicate, not a 409."""

from __future__ import annotations

import json
import os
import sys

import pytest

from devkit.events import bulk_request, proxy_event, sample_bytes
from devkit.local.staging import Behaviour
from devkit.packaging.artifact import BOOTSTRAP, invoke_together

HEADER = sample_bytes("metadata_header.csv")
DATA = b"0123456789,abcdefghij,klmnopqrst\n" * 40_000  # ~1.3 MiB, served slowly: the runs overlap
RACERS = 6
KEY = "exports/churn.csv"


@pytest.mark.parametrize("overwrite", ["false", "true"])
def test_concurrent_redeliveries_of_one_occurrence_are_all_200_and_leave_one_object(
    s3, bucket, staging, monkeypatch, overwrite
):
    monkeypatch.setenv("overwrite", overwrite)
    monkeypatch.setenv("delivery_mode", "sync")
    request = bulk_request(
        staging.put("/d.csv", DATA, Behaviour(delay_per_chunk=0.05)), staging.put("/m.csv", HEADER), KEY
    )
    invocations = invoke_together([sys.executable, str(BOOTSTRAP)], [proxy_event(request)] * RACERS, dict(os.environ))
    answers = [(i.answer["statusCode"], json.loads(i.answer["body"])) for i in invocations]
    assert [status for status, _ in answers] == [200] * RACERS, answers
    delivered = [body for _, body in answers if not body["duplicate"]]
    if overwrite == "false":
        assert len(delivered) == 1  # the conditional write let exactly one run write
    assert s3.get_object(Bucket=bucket, Key=KEY)["Body"].read() == HEADER + DATA
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [KEY]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert len(staging.gets("/d.csv")) >= 2  # they did race: more than one run read the file
