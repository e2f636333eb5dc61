"""modules/distributed: the state machine runs the ASL file the tests execute, and its role and the
function's extra grants are exactly what the distributed path does."""

from __future__ import annotations

import json

from devkit.local.state_machine import ASL_FILE, definition
from devkit.terraform.config import block, module, resource
from devkit.terraform.evaluate import placeholder_inputs, value_of
from s3_bulk_upload.state_objects import FOLDER

DISTRIBUTED = "modules/distributed"
INPUTS = {**placeholder_inputs(DISTRIBUTED), "bucket_arn": "arn:aws:s3:::b", "key_prefix": "p/"}
WORKING = ("working_prefix", "working_files")


def states() -> dict:
    return json.loads(definition("arn:aws:lambda:eu-west-1:123456789012:function:f"))["States"]


def statements(document: str) -> dict:
    return {s["sid"]: s for s in module(DISTRIBUTED)["data"]["aws_iam_policy_document"][document]["statement"]}


def test_terraform_deploys_the_definition_the_tests_execute():
    machine = resource(DISTRIBUTED, "aws_sfn_state_machine", "this")
    assert (
        machine["definition"]
        == '${templatefile("${path.module}/state_machine.asl.json", {function_arn = var.function_arn})}'
    )
    assert ASL_FILE.parent.name == "distributed" and machine["type"] == "STANDARD"
    assert machine["tracing_configuration"][0]["enabled"] is True
    logging = machine["logging_configuration"][0]
    assert logging["level"] == "ERROR" and logging["include_execution_data"] is False


def test_every_state_fails_into_abort_and_abort_into_fail():
    every = states()
    for name, state in every.items():
        if name in ("Abort", "Failed"):
            continue
        assert [c["Next"] for c in state["Catch"]] == ["Abort"] and state["Catch"][0]["ErrorEquals"] == ["States.ALL"]
    assert every["Abort"]["Next"] == "Failed" and every["Failed"]["Type"] == "Fail"


def test_the_map_is_distributed_over_the_manifest_and_keeps_its_output_small():
    copy = states()["Copy parts"]
    assert copy["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert copy["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert "ItemBatcher" not in copy and copy["MaxConcurrencyPath"] == "$.plan.max_parallel_parts"
    assert copy["ResultPath"] is None  # the children's {} outputs are dropped
    (child,) = copy["ItemProcessor"]["States"].values()
    assert child["OutputPath"] is None  # each child's output is {}: 10,000 of them stay far under 256 KiB
    permanent = child["Retry"][0]
    assert permanent["MaxAttempts"] == 0 and "SourceGone" in permanent["ErrorEquals"]


def test_no_state_names_a_url():
    text = json.dumps(states()).lower()
    assert "data_url" not in text and "presigned" not in text and "metadata_url" not in text


def test_the_state_machine_role_is_least_privilege():
    granted = statements("state_machine")
    assert granted["RunTheSteps"]["actions"] == ["lambda:InvokeFunction"]
    assert granted["RunTheSteps"]["resources"] == ["${var.function_arn}", "${var.function_arn}:*"]
    assert granted["ReadThePartManifest"] == {
        "sid": "ReadThePartManifest",
        "actions": ["s3:GetObject"],
        "resources": ["${local.working_files}"],
    }
    assert granted["RunTheMapsChildren"]["resources"] == ["${local.arn}"]
    for sid, statement in granted.items():
        if statement["resources"] == ["*"]:
            assert all(a.split(":")[0] in ("logs", "xray") for a in statement["actions"]), sid


def test_the_function_may_start_this_state_machine_only():
    granted = statements("function")
    assert granted["StartTheDistributedDelivery"]["actions"] == ["states:StartExecution"]
    assert granted["StartTheDistributedDelivery"]["resources"] == ["${local.arn}"]
    assert granted["RemoveWorkingFiles"]["resources"] == ["${local.working_files}"]
    assert granted["ListWorkingFileVersions"]["condition"][0]["values"] == ["${local.working_prefix}*"]
    assert value_of(DISTRIBUTED, "${local.working_files}", INPUTS, local_names=WORKING) == (
        "arn:aws:s3:::b/p/" + FOLDER + "*"
    )


def test_a_failed_execution_raises_the_alarm_and_the_arn_is_an_output():
    alarm = resource(DISTRIBUTED, "aws_cloudwatch_metric_alarm", "failed")
    assert (alarm["namespace"], alarm["metric_name"], alarm["threshold"]) == ("AWS/States", "ExecutionsFailed", 0)
    connector = module("modules/connector")
    assert connector["module"]["distributed"]["function_arn"] == "${local.function_arn}"
    assert {"state_machine_arn", "state_machine_console_url"} <= set(connector["output"]) & set(module("")["output"])


def test_an_execution_ends_within_a_day():
    """Standard executions may otherwise run a year; one that times out is cleaned up like a stopped one."""
    assert json.loads(ASL_FILE.read_text())["TimeoutSeconds"] == 86400


def test_an_execution_stopped_or_timed_out_is_sent_to_the_abort_step_of_its_own_folder():
    """Stopped by hand or timed out, an execution never runs its Abort state: Step Functions' status
    change reaches the function's abort step (moto routes it in tests/functional/test_distributed_cleanup.py)."""
    rule = resource(DISTRIBUTED, "aws_cloudwatch_event_rule", "ended_unfinished")
    machine = "arn:aws:states:eu-west-1:1:stateMachine:m"
    pattern = value_of(DISTRIBUTED, rule["event_pattern"], INPUTS, known={"local.arn": f'"{machine}"'})
    assert json.loads(pattern) == {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"stateMachineArn": [machine], "status": ["ABORTED", "TIMED_OUT"]},
    }  # not FAILED: its Abort state ran, and counted the failure once
    target = resource(DISTRIBUTED, "aws_cloudwatch_event_target", "abort_step")
    assert target["arn"] == "${var.function_arn}"
    transformer = block(target["input_transformer"])
    template = value_of(DISTRIBUTED, transformer["input_template"], INPUTS, local_names=("working_prefix",))
    event = json.loads(template.replace("<name>", "e-1").replace("<status>", "ABORTED"))
    assert event["ci360_distributed"] == "abort" and event["request_key"] == "p/" + FOLDER + "e-1/request.json"
    permission = resource(DISTRIBUTED, "aws_lambda_permission", "abort_step")
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["source_arn"] == "${aws_cloudwatch_event_rule.ended_unfinished.arn}"
