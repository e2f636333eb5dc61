"""examples/: callers of the connector module, loaded by Terraform core, setting only its inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.paths import example_dirs
from devkit.terraform.config import TERRAFORM, module
from devkit.terraform.evaluate import validation_errors
from devkit.terraform.offline import load

CONNECTOR = "modules/connector"
EXAMPLES = [f"../examples/{p.name}" for p in example_dirs()]


def test_at_least_two_examples_call_the_module_by_relative_path():
    assert {Path(e).name for e in EXAMPLES} >= {"complete", "existing-bucket"}
    for example in EXAMPLES:
        calls = module(example)["module"]
        assert [c["source"] for c in calls.values()] == ["../../terraform/modules/connector"], example
        for name in ("main.tf", "versions.tf", "README.md"):
            assert (TERRAFORM / example / name).is_file(), f"{example} lacks {name}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: Path(e).name)
def test_every_example_loads_with_terraform_core_and_sets_only_module_inputs(example):
    load(TERRAFORM / example)
    inputs = set(module(CONNECTOR)["variable"])
    for call in module(example)["module"].values():
        assert set(call) - {"source"} <= inputs
        required = {n for n, v in module(CONNECTOR)["variable"].items() if "default" not in v}
        assert required <= set(call), required - set(call)


# Stand-ins for inputs an example sets from a reference (known only at apply): valid values of the same kind.
AT_APPLY = {
    "lambda_zip_path": "dist/s3_bulk_upload.zip",
    "existing_bucket_name": "my-existing-bucket",
    "delivery_event_bus_name": "ci360-s3-example-exports",
    "alarm_sns_topic_arns": ["arn:aws:sns:eu-west-1:111122223333:alarms"],
    "sse_kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234",
    "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/5678",
    "waf_web_acl_arn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/w/1",
}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: Path(e).name)
def test_every_examples_inputs_pass_the_modules_validation(example):
    """Terraform accepts what each example sets (references replaced by valid stand-ins)."""
    for call in module(example)["module"].values():
        inputs = {k: v for k, v in call.items() if k != "source"}
        referenced = {k for k, v in inputs.items() if "${" in str(v)}
        assert referenced <= set(AT_APPLY), f"add a stand-in for {referenced - set(AT_APPLY)}"
        assert validation_errors(CONNECTOR, {**inputs, **{k: AT_APPLY[k] for k in referenced}}) == []


def test_the_existing_bucket_example_creates_no_bucket():
    call = module("../examples/existing-bucket")["module"]["ci360_connector"]
    assert call["existing_bucket_name"] == "${var.bucket_name}" and call["create_bucket"] is False
    assert module(CONNECTOR)["module"]["bucket"]["create"] == "${var.create_bucket}"


def test_the_complete_example_turns_the_catalog_on():
    call = module("../examples/complete")["module"]["ci360_connector"]
    assert call["glue_database_name"] == "ci360_s3_example" and call["create_glue_database"] is True


def test_the_complete_examples_alarm_key_serves_only_this_accounts_alarms():
    """Issue 26, item 13: CloudWatch may use the alarm topic's key only for this account's alarms in
    this Region (aws:SourceAccount and aws:SourceArn), not on behalf of anyone else's."""
    document = module("../examples/complete")["data"]["aws_iam_policy_document"]["alarms_key"]
    (cloudwatch,) = [s for s in document["statement"] if s["sid"] == "CloudWatchAlarmsPublishToTheTopic"]
    conditions = {(c["test"], c["variable"]): c["values"] for c in cloudwatch["condition"]}
    assert conditions == {
        ("StringEquals", "aws:SourceAccount"): ["${data.aws_caller_identity.current.account_id}"],
        ("ArnLike", "aws:SourceArn"): [
            "arn:${data.aws_partition.current.partition}:cloudwatch:${var.region}:"
            "${data.aws_caller_identity.current.account_id}:alarm:*"
        ],
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: Path(e).name)
def test_every_examples_readme_says_how_it_is_torn_down(example):
    """Issue 26, item 14: a created bucket carries prevent_destroy, so `terraform destroy` alone stops."""
    readme = (TERRAFORM / example / "README.md").read_text()
    assert "**Tearing it down.**" in readme
    creates_a_bucket = module(example)["module"]["ci360_connector"].get("create_bucket", True) is not False
    assert ("terraform state rm" in readme) is creates_a_bucket
