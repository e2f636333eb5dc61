"""modules/lambda: the function, its logs, its asynchronous failures and alarms; the VPC block's
presence evaluated by Terraform core."""

from __future__ import annotations

import pytest

from devkit.packaging.build_zip import RUNTIME_PYTHON
from devkit.terraform.config import MODULE_DIRS, TERRAFORM, block, module, resource
from devkit.terraform.evaluate import placeholder_inputs, validation_errors, value_of

LAMBDA = "modules/lambda"
CONNECTOR = "modules/connector"
REQUIRED = {"name": "ci360-s3-dev", "stage_name": "dev", "lambda_zip_path": "x.zip"}


def test_lambda_function_wiring():
    function = resource(LAMBDA, "aws_lambda_function", "this")
    assert module(LAMBDA)["variable"]["handler"]["default"] == "s3_bulk_upload.handler.lambda_handler"
    assert module(CONNECTOR)["variable"]["lambda_runtime"]["default"] == f"python{RUNTIME_PYTHON}"
    assert module(CONNECTOR)["module"]["lambda"]["runtime"] == "${var.lambda_runtime}"
    assert module(CONNECTOR)["variable"]["lambda_architecture"]["default"] == "arm64"
    assert function["filename"] == "${var.zip_path}"
    assert function["source_code_hash"] == "${filebase64sha256(var.zip_path)}"
    assert block(function["ephemeral_storage"])["size"] == "${var.ephemeral_storage_mb}"
    assert block(function["tracing_config"])["mode"] == "Active"
    assert function["reserved_concurrent_executions"] == "${var.reserved_concurrency}"
    assert function["depends_on"] == ["${aws_cloudwatch_log_group.this}"]
    assert module(CONNECTOR)["variable"]["lambda_timeout_seconds"]["default"] == 900


@pytest.mark.parametrize("runtime", ["python3.12", "python3.14", "nodejs22.x"])
def test_only_the_runtime_the_zip_is_built_for(runtime):
    """The zip carries bytecode and wheels for one Python: Terraform refuses any other runtime."""
    assert validation_errors(CONNECTOR, {**REQUIRED, "lambda_runtime": runtime})
    assert validation_errors(CONNECTOR, {**REQUIRED, "lambda_runtime": f"python{RUNTIME_PYTHON}"}) == []


@pytest.mark.parametrize(
    ("size", "accepted"), [(511, False), (512, True), (10240, True), (10241, False), (600.5, False)]
)
def test_ephemeral_storage_is_validated_to_lambda_limits(size, accepted):
    assert (validation_errors(CONNECTOR, {**REQUIRED, "lambda_ephemeral_storage": size}) == []) is accepted
    inner = module(LAMBDA)["variable"]["ephemeral_storage_mb"]
    assert inner["type"] == "number" and "default" not in inner  # the connector's default applies
    assert module(CONNECTOR)["variable"]["lambda_ephemeral_storage"]["default"] == 512
    assert module(CONNECTOR)["module"]["lambda"]["ephemeral_storage_mb"] == "${var.lambda_ephemeral_storage}"


def test_async_failures_go_to_an_encrypted_queue_with_alarms():
    invoke = resource(LAMBDA, "aws_lambda_function_event_invoke_config", "this")
    on_failure = block(block(invoke["destination_config"])["on_failure"])
    assert on_failure["destination"] == "${aws_sqs_queue.failures.arn}"
    assert resource(LAMBDA, "aws_sqs_queue", "failures")["sqs_managed_sse_enabled"] is True
    alarms = module(LAMBDA)["locals"]["_blocks"][0]["alarms"]
    assert (alarms["errors"]["namespace"], alarms["errors"]["metric"]) == ("AWS/Lambda", "Errors")
    assert alarms["failed-transfers"]["dimensions"] == {"QueueName": "${aws_sqs_queue.failures.name}"}
    alarm = resource(LAMBDA, "aws_cloudwatch_metric_alarm", "this")
    assert alarm["for_each"] == "${local.alarms}" and alarm["threshold"] == 0
    assert resource(LAMBDA, "aws_cloudwatch_log_group", "this")["retention_in_days"] == "${var.log_retention_days}"


@pytest.mark.parametrize("in_vpc", [False, True])
def test_code_signing_and_vpc_reach_the_function(in_vpc):
    function = resource(LAMBDA, "aws_lambda_function", "this")
    assert function["code_signing_config_arn"] == "${var.code_signing_config_arn}"
    (vpc,) = function["dynamic"]
    assert block(vpc["vpc_config"]["content"]) == {
        "subnet_ids": "${var.vpc_subnet_ids}",
        "security_group_ids": "${var.vpc_security_group_ids}",
    }
    written = value_of(LAMBDA, vpc["vpc_config"]["for_each"], {**placeholder_inputs(LAMBDA), "in_vpc": in_vpc})
    assert len(written) == (1 if in_vpc else 0)


def test_whether_the_function_runs_in_a_vpc_is_a_boolean_known_at_plan():
    """Issue 26, item 15: subnets created in the same apply, passed through distinct() or a data
    source, have no length at plan time; a count or for_each on their length fails "Invalid count"."""
    assert module(CONNECTOR)["module"]["iam"]["in_vpc"] == "${var.run_in_vpc}"
    assert module(CONNECTOR)["module"]["lambda"]["in_vpc"] == "${var.run_in_vpc}"
    assert module(CONNECTOR)["variable"]["run_in_vpc"]["type"] == "bool"
    for relative in MODULE_DIRS:
        text = " ".join((TERRAFORM / relative / name).read_text() for name in ("main.tf",))
        for line in text.splitlines():
            if "count" in line or "for_each" in line:
                assert "length(var.vpc_" not in line and "length(var.allowed_source_cidrs" not in line, (relative, line)
