"""What happens in a real account, checked on the parsed configuration (AWS's rules, the provider's
documented behaviour): destroy keeps exports safe, no workspace owns an account-wide setting,
alarms can notify, plans work with inputs computed in the same apply, and the apply- and
run-time details of issue 20."""

from __future__ import annotations

import re

import pytest

from devkit.paths import ROOT
from devkit.terraform.config import MODULE_DIRS, TERRAFORM, block, module, resource

CONNECTOR = "modules/connector"
CONNECTOR_TREE = [d for d in MODULE_DIRS if d.startswith("modules/")] + [""]


# -- 1. destroy never strips the exports' protections ----------------------------------------------


def test_the_created_bucket_refuses_destroy_before_anything_is_touched():
    bucket = resource("modules/bucket", "aws_s3_bucket", "this")
    assert block(bucket["lifecycle"])["prevent_destroy"] is True


def test_teardown_is_deliberate_and_documented():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^teardown: .*## .*asks for the workspace name", makefile, re.M)
    readme = (ROOT / "README.md").read_text()
    assert "## Tear down a workspace" in readme
    assert "delete markers" in readme.split("## Tear down a workspace")[1].split("\n## ")[0]


# -- 2. no workspace owns an account-wide setting -----------------------------------------------------


@pytest.mark.parametrize("relative", CONNECTOR_TREE)
def test_no_connector_module_manages_the_api_gateway_account(relative):
    assert "aws_api_gateway_account" not in module(relative).get("resource", {})
    assert "manage_api_gateway_account" not in module(relative).get("variable", {})


def test_the_account_setting_lives_in_a_bootstrap_of_its_own():
    bootstrap = module("bootstrap")
    account = bootstrap["resource"]["aws_api_gateway_account"]["this"]
    assert account["cloudwatch_role_arn"] == "${aws_iam_role.apigateway_logs.arn}"
    assert block(account["lifecycle"])["prevent_destroy"] is True
    assert "backend" in str(bootstrap["terraform"])  # a state of its own, not a workspace's
    makefile = (ROOT / "Makefile").read_text()
    assert "cd $(TF_DIR)/bootstrap && $(TERRAFORM) init" in makefile
    assert "-backend-config=key=ci360-s3-bulk-connector/bootstrap/$(REGION)/terraform.tfstate" in makefile
    readme = (ROOT / "README.md").read_text()
    assert readme.index("make bootstrap") < readme.index("make apply WORKSPACE=dev")


def test_execution_logs_go_to_a_group_in_state_that_expires():
    group = resource("modules/api", "aws_cloudwatch_log_group", "execution")
    assert group["name"] == "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.stage_name}"
    assert group["retention_in_days"] == "${var.log_retention_days}"
    stage = resource("modules/api", "aws_api_gateway_stage", "this")
    assert stage["depends_on"] == ["${aws_cloudwatch_log_group.execution}"]


# -- 3. alarms that can notify -------------------------------------------------------------------------


def test_the_example_alarm_topic_uses_a_key_cloudwatch_may_use():
    example = module("../examples/complete")
    topic = example["resource"]["aws_sns_topic"]["alarms"]
    assert "alias/aws/sns" not in topic["kms_master_key_id"]  # CloudWatch cannot use the AWS-managed key
    key = topic["kms_master_key_id"].removeprefix("${").removesuffix(".arn}")
    kind, name = key.split(".")
    policy_name = (
        example["resource"][kind][name]["policy"].removeprefix("${data.aws_iam_policy_document.").split(".")[0]
    )
    statements = example["data"]["aws_iam_policy_document"][policy_name]["statement"]
    cloudwatch = [s for s in statements if block(s["principals"])["identifiers"] == ["cloudwatch.amazonaws.com"]]
    assert cloudwatch and set(cloudwatch[0]["actions"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}


# -- 4. plans with inputs computed in the same apply ---------------------------------------------------

NULL_TEST = re.compile(r"var\.\w+\s*[!=]=\s*null")


@pytest.mark.parametrize("relative", CONNECTOR_TREE)
def test_no_count_or_for_each_depends_on_whether_an_input_is_null(relative):
    """A null test of an ARN or name computed in the same apply is unknown at plan: "Invalid count
    argument". Presence comes from booleans known at plan (create_bucket, attach_waf_web_acl, …)."""
    for kind, named in module(relative).get("resource", {}).items():
        for name, spec in named.items():
            for meta in ("count", "for_each"):
                assert not NULL_TEST.search(str(spec.get(meta, ""))), f"{relative} {kind}.{name} {meta}"
    bucket_call = module(CONNECTOR)["module"]["bucket"]
    assert not NULL_TEST.search(bucket_call["create"])


def test_the_complete_example_attaches_a_web_acl_created_in_the_same_apply():
    call = module("../examples/complete")["module"]["ci360_connector"]
    assert call["attach_waf_web_acl"] is True
    assert call["waf_web_acl_arn"] == "${aws_wafv2_web_acl.webhook.arn}"
    assert resource("modules/api", "aws_wafv2_web_acl_association", "stage")["count"] == (
        "${var.attach_waf_web_acl ? 1 : 0}"
    )


# -- 5. other apply-time and run-time details ------------------------------------------------------------


def test_retention_descriptions_say_what_a_versioned_bucket_really_does():
    description = module(CONNECTOR)["variable"]["expire_exports_after_days"]["description"]
    noncurrent_days = module("modules/bucket")["variable"]["noncurrent_version_expiration_days"]["default"]
    assert "delete marker" in description and f"{noncurrent_days} days later" in description


def test_the_function_can_send_the_encryption_header_a_bucket_policy_requires():
    environment = module(CONNECTOR)["module"]["lambda"]["environment"]
    assert environment["sse_algorithm"] == "${var.sse_algorithm}"
    assert environment["sse_kms_key_arn"] == "${var.sse_kms_key_arn}"
    iam_key = module(CONNECTOR)["module"]["iam"]["kms_key_arn"]
    assert iam_key == '${var.sse_kms_key_arn == "" ? var.kms_key_arn : var.sse_kms_key_arn}'


def test_code_signing_is_refused_until_the_signing_path_exists():
    validations = module(CONNECTOR)["variable"]["code_signing_config_arn"]["validation"]
    assert any(v["condition"] == "${var.code_signing_config_arn == null}" for v in validations)
    assert any("unsigned" in v["error_message"] for v in validations)


@pytest.mark.parametrize("path", ["terraform/env/dev.tfvars", "terraform/env/prod.tfvars", "examples/complete/main.tf"])
def test_shipped_configurations_leave_concurrency_unreserved(path):
    assert not re.search(r"^\s*reserved_concurrency\s*=", (ROOT / path).read_text(), re.M)


def test_bootstrap_is_formatted_and_declares_what_it_uses():
    assert set(module("bootstrap")["variable"]) == {"aws_region", "role_name", "tags"}
    assert (TERRAFORM / "bootstrap" / "versions.tf").exists()
