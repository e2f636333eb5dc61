"""An execution stopped by hand (or timed out) never runs its Abort state: Step Functions' own
status-change event, routed by the distributed module's rule and input transformer, reaches the
function's abort step, which aborts the upload and removes the working files (the request holds the
pre-signed URLs). A stop does not end a Lambda task already running: an execution stopped while or
after its complete step delivered has not failed, and is not counted as failed.

The rule and transformer are the module's, evaluated by Terraform core; moto's EventBridge matches
and transforms the event, with an SQS queue standing in for the function (moto invokes no Lambda
target without Docker); the message it delivers is what the function is handed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from devkit.events import bulk_request, proxy_event, sample_bytes
from devkit.local import emf
from devkit.local.context import LocalContext
from devkit.local.staging import SIGNATURE
from devkit.local.state_machine import definition
from devkit.terraform.config import block, resource
from devkit.terraform.evaluate import placeholder_inputs, value_of
from s3_bulk_upload.handler import lambda_handler
from s3_bulk_upload.state_objects import StateObjects

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

DISTRIBUTED = "modules/distributed"
HEADER = sample_bytes("metadata_header.csv")
MIB = 1024 * 1024
PREFIX = "incoming/ci360/"


@pytest.fixture
def stopped_machine(bucket, monkeypatch) -> str:
    """A state machine moto registers but does not execute: the test runs the steps it needs."""
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"ci360-distributed-{uuid.uuid4().hex[:8]}",
        definition=definition("arn:aws:lambda:eu-west-1:123456789012:function:ci360"),
        roleArn="arn:aws:iam::123456789012:role/ci360-state-machine",
    )["stateMachineArn"]
    monkeypatch.setenv("delivery_mode", "distributed")
    monkeypatch.setenv("distributed_part_size_mib", "5")
    monkeypatch.setenv("state_machine_arn", arn)
    monkeypatch.setenv("s3_key_prefix", PREFIX)
    return arn


def module_route(machine_arn: str) -> tuple[str, str]:
    """The module's rule and transformer in moto's EventBridge, delivering to a queue; its URL and the rule."""
    inputs = {
        **placeholder_inputs(DISTRIBUTED),
        "bucket_arn": "arn:aws:s3:::b",
        "key_prefix": PREFIX,
    }
    rule = resource(DISTRIBUTED, "aws_cloudwatch_event_rule", "ended_unfinished")
    pattern = value_of(DISTRIBUTED, rule["event_pattern"], inputs, known={"local.arn": json.dumps(machine_arn)})
    transformer = block(resource(DISTRIBUTED, "aws_cloudwatch_event_target", "abort_step")["input_transformer"])
    template = value_of(DISTRIBUTED, transformer["input_template"], inputs, local_names=("working_prefix",))
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue = sqs.create_queue(QueueName=f"abort-step-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = f"ended-unfinished-{uuid.uuid4().hex[:8]}"
    events.put_rule(Name=name, EventPattern=pattern)
    events.put_targets(
        Rule=name,
        Targets=[
            {
                "Id": "abort-step",
                "Arn": queue_arn,
                "InputTransformer": {"InputPathsMap": transformer["input_paths"], "InputTemplate": template},
            }
        ],
    )
    return queue, name


def status_change(execution: dict[str, Any], status: str) -> PutEventsRequestEntryTypeDef:
    """Step Functions' event for an execution's new status (the fields the rule and template read)."""
    detail = {
        "executionArn": execution["executionArn"],
        "stateMachineArn": execution["stateMachineArn"],
        "name": execution["name"],
        "status": status,
        "startDate": int(execution["startDate"].timestamp() * 1000),
        "stopDate": int(datetime.now(UTC).timestamp() * 1000),
        "input": execution["input"],
    }
    kind = "Step Functions Execution Status Change"
    return {"Source": "aws.states", "DetailType": kind, "Detail": json.dumps(detail)}


def delivered_messages(queue: str) -> list[dict[str, Any]]:
    answer = boto3.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in answer.get("Messages", ())]


def accepted(staging, machine_arn: str) -> tuple[str, str]:
    """A webhook delivery of a 12 MiB export (three parts) that started an execution: its ARN and request key."""
    request = bulk_request(staging.put("/d.csv", b"1,abc\n" * (2 * MIB)), staging.put("/m.csv", HEADER))
    assert lambda_handler(proxy_event(request), LocalContext())["statusCode"] == 202
    sfn = boto3.client("stepfunctions")
    (started,) = sfn.list_executions(stateMachineArn=machine_arn)["executions"]
    request_key = json.loads(sfn.describe_execution(executionArn=started["executionArn"])["input"])["request_key"]
    return started["executionArn"], request_key


def stopped(execution_arn: str) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")
    sfn.stop_execution(executionArn=execution_arn)
    execution = sfn.describe_execution(executionArn=execution_arn)
    assert execution["status"] == "ABORTED"
    return execution


def run_steps(s3, bucket: str, request_key: str) -> None:
    """The plan, every part and the complete step, as the state machine would hand them to the function."""
    lambda_handler({"ci360_distributed": "plan", "request_key": request_key}, LocalContext())
    manifest_key = request_key.removesuffix("request.json") + "manifest.json"
    for item in json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read()):
        lambda_handler({"ci360_distributed": "part", "request_key": request_key, **item}, LocalContext())
    answer = lambda_handler({"ci360_distributed": "complete", "request_key": request_key}, LocalContext())
    assert answer["rows"] == 2 * MIB


def test_a_stopped_execution_gets_its_upload_aborted_and_its_working_files_removed(
    s3, bucket, staging, stopped_machine, caplog
):
    execution_arn, request_key = accepted(staging, stopped_machine)
    lambda_handler({"ci360_distributed": "plan", "request_key": request_key}, LocalContext())
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads")  # the plan opened the upload
    execution = stopped(execution_arn)

    queue, _ = module_route(stopped_machine)
    events = boto3.client("events")
    events.put_events(Entries=[status_change(execution, "FAILED")])  # its Abort state has run: not routed
    assert delivered_messages(queue) == []
    events.put_events(Entries=[status_change(execution, "ABORTED")])
    (event,) = delivered_messages(queue)

    assert lambda_handler(event, LocalContext()) == {"status": 500, "upload_aborted": True}
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")
    left = s3.list_object_versions(Bucket=bucket)
    assert not left.get("Versions") and not left.get("DeleteMarkers")  # no object, no working file
    failed = [r for r in caplog.records if r.getMessage() == "distributed delivery failed"]
    assert [(r.error, r.reason) for r in failed] == [
        ("ExecutionEnded", "the execution ended ABORTED before its Abort state ran")
    ]
    assert SIGNATURE not in caplog.text


def test_another_state_machines_execution_is_not_routed(bucket, stopped_machine):
    queue, _ = module_route(stopped_machine)
    other = stopped_machine.rsplit(":", 1)[0] + ":other"
    execution = {
        "executionArn": other.replace(":stateMachine:", ":execution:") + ":e",
        "stateMachineArn": other,
        "name": "e",
        "startDate": datetime.now(UTC),
        "input": "{}",
    }
    boto3.client("events").put_events(Entries=[status_change(execution, "ABORTED")])
    assert delivered_messages(queue) == []


@pytest.mark.parametrize("working_files", ["removed by the complete step", "not yet removed"])
def test_an_execution_stopped_after_its_complete_step_delivered_is_not_counted_as_failed(
    s3, bucket, staging, stopped_machine, caplog, capsys, monkeypatch, working_files
):
    execution_arn, request_key = accepted(staging, stopped_machine)
    with monkeypatch.context() as patch:
        if working_files == "not yet removed":  # stopped between CompleteMultipartUpload and the clean-up
            patch.setattr(StateObjects, "delete_folder", lambda self, folder: None)
        run_steps(s3, bucket, request_key)
    capsys.readouterr()
    queue, _ = module_route(stopped_machine)
    boto3.client("events").put_events(Entries=[status_change(stopped(execution_arn), "ABORTED")])
    (event,) = delivered_messages(queue)

    assert lambda_handler(event, LocalContext()) == {"status": 200, "finished_before_it_ended": True}
    (delivered,) = s3.list_objects_v2(Bucket=bucket)["Contents"]  # the export; no working file
    assert delivered["Key"].startswith(PREFIX) and ".ci360-connector" not in delivered["Key"]
    assert "Failures" not in emf.values(capsys.readouterr().out)
    assert "distributed delivery failed" not in caplog.text
