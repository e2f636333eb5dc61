"""The execution's name and the request object: one name per occurrence, nothing unsafe in it."""

from __future__ import annotations

import re

from s3_bulk_upload.distributed import execution_arn, execution_name, parse_request, request_document
from s3_bulk_upload.handoff import Plan
from s3_bulk_upload.source_answers import FileIdentity
from s3_bulk_upload.task import Task

TASK = Task(task_id="5f0c", occurrence_id="0a9d" * 30 + "/../ é", task_name="Weekly")


def test_the_name_is_safe_short_and_the_same_for_the_same_occurrence_and_key():
    name = execution_name(TASK, "exports/a.csv", "request-1")
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,80}", name)
    assert name == execution_name(TASK, "exports/a.csv", "request-2")  # a re-send meets the same name
    assert name != execution_name(TASK, "exports/b.csv", "request-1")
    assert execution_name(TASK, "exports/a.csv", "r", attempt=3).endswith("-3")
    assert len(execution_name(TASK, "k", "r", attempt=20)) <= 80


def test_without_an_occurrence_every_request_is_its_own_execution():
    task = Task(task_id="5f0c")
    assert execution_name(task, "k", "request-1") != execution_name(task, "k", "request-2")


def test_the_execution_arn_is_the_state_machines_with_the_name():
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:ci360"
    assert execution_arn(arn, "n") == "arn:aws:states:eu-west-1:123456789012:execution:ci360:n"


def test_the_request_document_round_trips():
    plan = Plan(key="k.csv", data_url="https://h/d?X-Amz-Signature=s", metadata_url=None, include_header=False)
    identity = FileIdentity('"etag"', 123)
    assert parse_request(request_document(plan, "rid", identity)) == (plan, "rid", identity)
