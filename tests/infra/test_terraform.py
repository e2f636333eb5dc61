"""Contract tests over terraform/: the wiring a reviewer and CI360 rely on."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from devkit.packaging.build_zip import RUNTIME_PYTHON
from devkit.paths import ROOT, configuration_dirs, example_dirs, module_dirs
from devkit.terraform.config import MODULE_DIRS, TERRAFORM, block, module, resource
from devkit.terraform.offline import TERRAFORM_DIR, fmt, load
from s3_bulk_upload.config import load_config

CONNECTOR = "modules/connector"

CONTRACT_ENV = {
    "s3_bucket_name",
    "s3_key_prefix",
    "source_host_allowlist",
    "include_header",
    "overwrite",
    "delivery_mode",
    "async_threshold_bytes",
    "gzip_level",
    "return_presigned_url",
    "log_level",
}


# -- real Terraform core ------------------------------------------------------------------------


def test_terraform_fmt_is_clean():
    assert fmt(check=True) == []


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda p: str(p.relative_to(TERRAFORM_DIR.parent)))
def test_every_module_loads_with_terraform_core(directory):
    load(directory)


def test_offline_loader_reports_errors_hidden_by_validation_blocks(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "x" {\n  type = string\n  validation {\n    condition     = var.x != "{"\n'
        '    error_message = "no"\n  }\n}\nresource "a" "b" {\n  count    = 1\n  for_each = {}\n}\n'
    )
    with pytest.raises(SystemExit, match='Invalid combination of "count" and "for_each"'):
        load(tmp_path)


# -- the reusable module's examples ----------------------------------------------------------------------


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


def test_the_existing_bucket_example_creates_no_bucket():
    call = module("../examples/existing-bucket")["module"]["ci360_connector"]
    assert call["existing_bucket_name"] == "${var.bucket_name}" and call["create_bucket"] is False
    assert module(CONNECTOR)["module"]["bucket"]["create"] == "${var.create_bucket}"


# -- layout and style ----------------------------------------------------------------------------


@pytest.mark.parametrize("relative", MODULE_DIRS)
def test_module_layout(relative):
    folder = TERRAFORM / relative
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (folder / name).is_file(), f"{relative or 'root'} lacks {name}"
    if relative:
        assert (folder / "README.md").is_file()


@pytest.mark.parametrize("relative", MODULE_DIRS)
def test_every_variable_is_typed_and_described(relative):
    for name, variable in module(relative)["variable"].items():
        assert variable.get("type"), f"{relative}: variable {name} has no type"
        assert variable.get("description"), f"{relative}: variable {name} has no description"


def test_versions_match_terraform_version_file():
    pinned = (ROOT / ".terraform-version").read_text().strip()
    for relative in MODULE_DIRS:
        terraform = module(relative)["terraform"]["_blocks"][0]
        assert f">= {pinned}" in terraform["required_version"]
        # The reusable module states minimum versions only; the deployment and inner modules pin ~> 6.0.
        expected = ">= 6.0" if relative == CONNECTOR else "~> 6.0"
        assert terraform["required_providers"][0]["aws"]["version"] == expected


def test_no_hard_coded_account_region_or_partition():
    for path in TERRAFORM.rglob("*.tf"):
        # Descriptions and error messages may name an example Region; values may not.
        text = "\n".join(
            line for line in path.read_text().splitlines() if not re.match(r"\s*(description|error_message)\s*=", line)
        )
        assert not re.search(r"\b\d{12}\b", text), path
        assert not re.search(r"\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b", text), path
        assert "arn:aws:" not in text.replace('"arn:aws[a-z-]*:', ""), path


def test_example_tfvars_set_only_declared_variables():
    declared = set(module("")["variable"])
    for path in (TERRAFORM / "env").glob("*.tfvars"):
        names = set(re.findall(r"(?m)^([a-z_0-9]+)\s*=", path.read_text()))
        assert names <= declared, f"{path.name}: {names - declared}"
    assert {"dev.tfvars", "prod.tfvars"} <= {p.name for p in (TERRAFORM / "env").glob("*.tfvars")}


# -- bucket ----------------------------------------------------------------------------------------


def test_bucket_hardening():
    m = "modules/bucket"
    assert (
        block(resource(m, "aws_s3_bucket_ownership_controls", "this")["rule"])["object_ownership"]
        == "BucketOwnerEnforced"
    )
    pab = resource(m, "aws_s3_bucket_public_access_block", "this")
    assert all(
        pab[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    sse = block(resource(m, "aws_s3_bucket_server_side_encryption_configuration", "this")["rule"])
    default = block(sse["apply_server_side_encryption_by_default"])
    assert "aws:kms" in default["sse_algorithm"] and "AES256" in default["sse_algorithm"]
    assert "kms_key_arn != null" in sse["bucket_key_enabled"]
    assert block(resource(m, "aws_s3_bucket_versioning", "this")["versioning_configuration"])["status"] == "Enabled"
    deny = block(module(m)["data"]["aws_iam_policy_document"]["bucket"]["statement"])
    assert deny["effect"] == "Deny" and block(deny["condition"])["variable"] == "aws:SecureTransport"
    rules = resource(m, "aws_s3_bucket_lifecycle_configuration", "this")["rule"]
    abort = [r for r in rules if r["id"] == "abort-incomplete-multipart-uploads"]
    assert abort and block(abort[0]["abort_incomplete_multipart_upload"])["days_after_initiation"]
    expiring = resource(m, "aws_s3_bucket_lifecycle_configuration", "this")["dynamic"][0]["rule"]
    assert "expire_exports_after_days > 0" in expiring["for_each"]


def test_existing_bucket_is_looked_up_not_managed():
    m = module("modules/bucket")
    assert m["data"]["aws_s3_bucket"]["existing"]["count"] == "${var.create ? 0 : 1}"
    for kind, named in m["resource"].items():
        for name, body in named.items():
            assert body["count"].startswith("${var.create ?") or body["count"].startswith("${var.create &&"), (
                f"{kind}.{name} must only exist for a created bucket"
            )


# -- IAM ------------------------------------------------------------------------------------------------


def iam_statements():
    document = module("modules/iam")["data"]["aws_iam_policy_document"]["function"]
    statements = list(document["statement"])
    statements += [
        d["statement"]["content"][0] | {"sid": d["statement"]["content"][0]["sid"]} for d in document["dynamic"]
    ]
    return {s["sid"]: s for s in statements}


def test_iam_is_least_privilege():
    statements = iam_statements()
    for sid, statement in statements.items():
        assert statement.get("effect", "Allow") == "Allow"
        for action in statement["actions"]:
            assert not action.endswith(":*") and action != "*", f"{sid}: {action}"
        if statement["resources"] == ["*"]:
            assert all(a.startswith("xray:") for a in statement["actions"]), f"{sid} uses * for non-X-Ray actions"
    assert set(statements["WriteExportsUnderPrefix"]["actions"]) == {"s3:PutObject", "s3:AbortMultipartUpload"}
    assert statements["WriteExportsUnderPrefix"]["resources"] == ["${var.bucket_arn}/${var.key_prefix}*"]
    assert statements["ReadExportsForRedeliveryCheck"]["resources"] == ["${var.bucket_arn}/${var.key_prefix}*"]
    listing = statements["ListOnlyThePrefix"]
    assert listing["actions"] == ["s3:ListBucket"] and listing["resources"] == ["${var.bucket_arn}"]
    condition = listing["dynamic"][0]["condition"]["content"][0]
    assert (condition["test"], condition["variable"]) == ("StringLike", "s3:prefix")
    assert statements["WriteOwnLogs"]["resources"] == ["${var.log_group_arn}:*"]
    assert statements["AsynchronousHandOffToItself"]["resources"] == ["${var.function_arn}", "${var.function_arn}:*"]
    assert statements["ReportFailedAsynchronousTransfers"]["actions"] == ["sqs:SendMessage"]
    assert statements["EncryptWithTheBucketKey"]["resources"] == ["${statement.value}"]


def test_redelivery_check_needs_exactly_the_listing_and_the_head():
    """ListObjectsV2(Prefix=key) is authorised by the s3:prefix condition (the key starts with the prefix);
    HeadObject of a listed key by GetObject on the prefix. Nothing else reads the bucket."""
    statements = iam_statements()
    assert statements["ListOnlyThePrefix"]["actions"] == ["s3:ListBucket"]
    condition = statements["ListOnlyThePrefix"]["dynamic"][0]["condition"]["content"][0]
    assert condition["values"] == ["${condition.value}*"]
    assert statements["ReadExportsForRedeliveryCheck"]["actions"] == ["s3:GetObject"]
    reads = [a for s in statements.values() for a in s["actions"] if a.startswith("s3:") and a != "s3:PutObject"]
    assert sorted(reads) == ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListBucket"]


def test_delivery_events_may_go_to_the_configured_bus_only():
    statement = next(
        d["statement"]["content"][0]
        for d in module("modules/iam")["data"]["aws_iam_policy_document"]["function"]["dynamic"]
        if d["statement"]["content"][0]["sid"] == "PublishDeliveryEvents"
    )
    assert statement["actions"] == ["events:PutEvents"] and statement["resources"] == ["${statement.value}"]
    dynamic = next(
        d
        for d in module("modules/iam")["data"]["aws_iam_policy_document"]["function"]["dynamic"]
        if d["statement"]["content"][0]["sid"] == "PublishDeliveryEvents"
    )
    assert (
        dynamic["statement"]["for_each"] == "${var.delivery_event_bus_arn == null ? [] : [var.delivery_event_bus_arn]}"
    )
    assert module(CONNECTOR)["module"]["iam"]["delivery_event_bus_arn"] == "${local.delivery_event_bus_arn}"
    assert module(CONNECTOR)["variable"]["delivery_event_bus_name"]["default"] is None
    environment = module(CONNECTOR)["module"]["lambda"]["environment"]
    assert environment["delivery_event_bus"] == "${local.delivery_event_bus}"
    assert environment["POWERTOOLS_SERVICE_NAME"] == "${local.name}"


def test_dashboard_and_5xx_alarm_watch_this_workspace():
    dashboard = resource("modules/dashboard", "aws_cloudwatch_dashboard", "this")
    assert dashboard["dashboard_name"] == "${var.name}"
    alarm = resource("modules/dashboard", "aws_cloudwatch_metric_alarm", "api_5xx")
    assert (alarm["namespace"], alarm["metric_name"], alarm["threshold"]) == ("AWS/ApiGateway", "5XXError", 0)
    assert alarm["dimensions"] == {"ApiName": "${var.api_name}", "Stage": "${var.stage_name}"}
    wiring = module(CONNECTOR)["module"]["dashboard"]
    assert wiring["service_name"] == "${local.name}" and wiring["metrics_namespace"] == "${var.metrics_namespace}"
    assert wiring["api_5xx_alarm_actions"] == "${var.alarm_sns_topic_arns}"
    assert "dashboard_url" in module(CONNECTOR)["output"] and "dashboard_url" in module("")["output"]
    body = str(module("modules/dashboard")["locals"]["_blocks"])
    for metric in (
        "Deliveries",
        "BytesDelivered",
        "Throughput",
        "Rows",
        "TransferSeconds",
        "Failures",
        "4XXError",
        "5XXError",
        "Latency",
        "ApproximateNumberOfMessagesVisible",
    ):
        assert metric in body, metric


def test_no_broad_managed_policies_anywhere():
    for path in TERRAFORM.rglob("*.tf"):
        text = path.read_text()
        assert "AmazonS3FullAccess" not in text and "AdministratorAccess" not in text
        assert '"s3:*"' not in text.replace('actions = ["s3:*"]\n    resources = [\n      aws_s3_bucket', "")


def test_role_arn_waits_for_its_policy_and_the_vpc_attachment():
    """Lambda needs the ENI permissions at creation and while it deletes the ENIs on destroy."""
    output = module("modules/iam")["output"]["role_arn"]
    assert output["depends_on"] == ["${aws_iam_role_policy.function}", "${aws_iam_role_policy_attachment.vpc}"]


# -- Lambda ----------------------------------------------------------------------------------------------


def test_lambda_function_wiring():
    m = "modules/lambda"
    function = resource(m, "aws_lambda_function", "this")
    variables = module(m)["variable"]
    assert variables["handler"]["default"] == "s3_bulk_upload.handler.lambda_handler"
    # Only the runtime whose Python the zip is built for and the artifact tests run on.
    runtime = module(CONNECTOR)["variable"]["lambda_runtime"]
    assert block(runtime["validation"])["condition"] == '${contains(["python3.13"], var.lambda_runtime)}'
    assert runtime["default"] == f"python{RUNTIME_PYTHON}"
    assert module(CONNECTOR)["module"]["lambda"]["runtime"] == "${var.lambda_runtime}"
    assert module(CONNECTOR)["variable"]["lambda_architecture"]["default"] == "arm64"
    assert function["filename"] == "${var.zip_path}"
    assert function["source_code_hash"] == "${filebase64sha256(var.zip_path)}"
    assert block(function["ephemeral_storage"])["size"] == "${var.ephemeral_storage_mb}"
    assert block(function["tracing_config"])["mode"] == "Active"
    assert function["reserved_concurrent_executions"] == "${var.reserved_concurrency}"
    assert function["depends_on"] == ["${aws_cloudwatch_log_group.this}"]
    assert module(CONNECTOR)["variable"]["lambda_timeout_seconds"]["default"] == 900


def test_ephemeral_storage_is_validated_to_lambda_limits():
    variable = module(CONNECTOR)["variable"]["lambda_ephemeral_storage"]
    condition = block(variable["validation"])["condition"]
    assert ">= 512" in condition and "<= 10240" in condition
    assert variable["type"] == "number" and variable["default"] == 512
    inner = module("modules/lambda")["variable"]["ephemeral_storage_mb"]
    assert inner["type"] == "number" and "default" not in inner  # the connector's default applies
    assert module(CONNECTOR)["module"]["lambda"]["ephemeral_storage_mb"] == "${var.lambda_ephemeral_storage}"


@pytest.mark.parametrize("relative", ["", *[m for m in MODULE_DIRS[1:] if m != CONNECTOR]])
def test_inputs_are_validated_once_in_the_layer_users_call(relative):
    """The connector module validates its inputs; inner modules and the workspace root pass them on,
    typed and described (the root validates only what is its own: the Region and the name prefix)."""
    validated = {name for name, variable in module(relative)["variable"].items() if "validation" in variable}
    assert validated <= ({"aws_region", "name_prefix"} if relative == "" else set()), validated


def test_every_connector_input_is_validated_or_needs_none():
    unvalidated = {
        name
        for name, variable in module(CONNECTOR)["variable"].items()
        if "validation" not in variable and variable["type"] != "bool"
    }
    # The zip path is checked by filebase64sha256 when planning.
    assert unvalidated == {"lambda_zip_path"}, unvalidated


def test_the_workspace_root_is_a_thin_caller_of_the_connector():
    """Same inputs with the same defaults, passed through; names and stage from the workspace."""
    root, connector = module("")["variable"], module(CONNECTOR)["variable"]
    call = module("")["module"]["connector"]
    assert call["source"] == "./modules/connector"
    assert call["name"] == "${var.name_prefix}-${terraform.workspace}"
    assert call["stage_name"] == "${terraform.workspace}"
    assert call["lambda_zip_path"] == "${path.root}/${var.lambda_zip_path}"
    for name, variable in connector.items():
        if name in ("name", "stage_name", "lambda_zip_path"):
            continue
        assert call[name] == f"${{var.{name}}}", name
        # One owner per default: the root passes null, which the connector (nullable = false) replaces by its own.
        assert root[name]["type"] == variable["type"] and root[name]["default"] is None, name
        if variable.get("default") is not None:
            assert variable["nullable"] is False, name
    assert set(root) == (set(connector) - {"name", "stage_name"}) | {"aws_region", "name_prefix", "tags"}
    assert set(module("")["output"]) == set(module(CONNECTOR)["output"])
    assert set(module("")) >= {"provider", "module"} and "provider" not in module(CONNECTOR)
    assert "backend" not in str(module(CONNECTOR)["terraform"])


def test_environment_carries_every_contract_variable():
    environment = module(CONNECTOR)["module"]["lambda"]["environment"]
    assert set(environment) >= CONTRACT_ENV


# Read by Powertools itself (service name and metrics namespace), not by config.py.
POWERTOOLS_ENV = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


def test_the_environment_terraform_writes_is_the_one_config_declares():
    """One setting, one variable: every key Terraform writes is a setting of config.py, and back."""
    from s3_bulk_upload.config import SETTINGS

    written = set(module(CONNECTOR)["module"]["lambda"]["environment"]) - POWERTOOLS_ENV
    assert written == {setting.metadata["env"] for setting in SETTINGS}


def test_terraform_defaults_are_the_functions_defaults():
    """The environment Terraform writes with every input at its default loads as config.py's defaults."""
    from devkit.terraform.values import function_environment
    from s3_bulk_upload.config import Config

    environment = function_environment({"name": "x"}, bucket_name="example-bucket")
    # The one deliberate difference: the contract's s3_key_prefix default is "" (the whole bucket);
    # a deployment defaults to ci360/, so that its role is scoped to a prefix.
    assert load_config(environment) == dataclasses.replace(Config(bucket="example-bucket"), key_prefix="ci360/")


def test_async_failures_go_to_an_encrypted_queue_with_alarms():
    m = "modules/lambda"
    invoke = resource(m, "aws_lambda_function_event_invoke_config", "this")
    on_failure = block(block(invoke["destination_config"])["on_failure"])
    assert on_failure["destination"] == "${aws_sqs_queue.failures.arn}"
    assert resource(m, "aws_sqs_queue", "failures")["sqs_managed_sse_enabled"] is True
    alarms = module(m)["locals"]["_blocks"][0]["alarms"]
    assert (alarms["errors"]["namespace"], alarms["errors"]["metric"]) == ("AWS/Lambda", "Errors")
    assert alarms["failed-transfers"]["dimensions"] == {"QueueName": "${aws_sqs_queue.failures.name}"}
    alarm = resource(m, "aws_cloudwatch_metric_alarm", "this")
    assert alarm["for_each"] == "${local.alarms}" and alarm["threshold"] == 0
    assert resource(m, "aws_cloudwatch_log_group", "this")["retention_in_days"] == "${var.log_retention_days}"


# -- API Gateway --------------------------------------------------------------------------------------------


def test_rest_api_method_requires_api_key_and_proxies_to_lambda():
    m = "modules/api"
    assert block(resource(m, "aws_api_gateway_rest_api", "this")["endpoint_configuration"])["types"] == ["REGIONAL"]
    assert module(m)["variable"]["resource_path"]["default"] == "upload"
    method = resource(m, "aws_api_gateway_method", "post")
    assert method["http_method"] == "POST" and method["api_key_required"] is True
    assert method["request_validator_id"] == "${aws_api_gateway_request_validator.body.id}"
    integration = resource(m, "aws_api_gateway_integration", "lambda")
    assert integration["type"] == "AWS_PROXY" and integration["integration_http_method"] == "POST"
    assert integration["uri"] == "${var.function_invoke_arn}"


def test_request_model_requires_presigned_urls_and_send_parameters():
    m = "modules/api"
    assert resource(m, "aws_api_gateway_request_validator", "body")["validate_request_body"] is True
    assert resource(m, "aws_api_gateway_model", "bulk_request")["schema"] == (
        '${file("${path.module}/bulk_request.schema.json")}'
    )
    schema = json.loads((TERRAFORM / m / "bulk_request.schema.json").read_text())
    assert schema["required"] == ["presignedUrls", "sendParameters"]
    assert schema["properties"]["presignedUrls"]["required"] == ["dataFile"]
    assert schema["properties"]["sendParameters"]["required"] == ["s3_filename"]


def test_deployment_redeploys_on_change_and_stage_logs_safely():
    m = "modules/api"
    deployment = resource(m, "aws_api_gateway_deployment", "this")
    assert "sha1(jsonencode" in deployment["triggers"]["redeployment"]
    assert block(deployment["lifecycle"])["create_before_destroy"] is True
    stage = resource(m, "aws_api_gateway_stage", "this")
    assert module(CONNECTOR)["module"]["api"]["stage_name"] == "${var.stage_name}"
    assert stage["xray_tracing_enabled"] is True
    access = block(stage["access_log_settings"])
    assert access["destination_arn"] == "${aws_cloudwatch_log_group.access.arn}"
    assert "$context.requestId" in access["format"] and "body" not in access["format"].lower()
    settings = block(resource(m, "aws_api_gateway_method_settings", "all")["settings"])
    assert settings["data_trace_enabled"] is False
    assert settings["throttling_rate_limit"] == "${var.throttle_rate_limit}"


def test_usage_plan_binds_stage_and_key():
    m = "modules/api"
    plan = resource(m, "aws_api_gateway_usage_plan", "this")
    stage = block(plan["api_stages"])
    assert stage == {
        "api_id": "${aws_api_gateway_rest_api.this.id}",
        "stage": "${aws_api_gateway_stage.this.stage_name}",
    }
    assert block(plan["throttle_settings"])["rate_limit"] == "${var.throttle_rate_limit}"
    assert "quota_per_day > 0" in plan["dynamic"][0]["quota_settings"]["for_each"]
    key = resource(m, "aws_api_gateway_usage_plan_key", "ci360")
    assert key == {
        "key_id": "${aws_api_gateway_api_key.ci360.id}",
        "key_type": "API_KEY",
        "usage_plan_id": "${aws_api_gateway_usage_plan.this.id}",
    }


def test_lambda_permission_is_scoped_to_this_method():
    permission = resource("modules/api", "aws_lambda_permission", "api")
    assert permission["principal"] == "apigateway.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["source_arn"] == (
        "${aws_api_gateway_rest_api.this.execution_arn}/${aws_api_gateway_stage.this.stage_name}/"
        "${aws_api_gateway_method.post.http_method}${aws_api_gateway_resource.upload.path}"
    )


# -- outputs ---------------------------------------------------------------------------------------------------


def test_outputs_give_what_ci360_needs():
    assert module("")["output"]["ci360_webhook_url"]["value"] == "${module.connector.ci360_webhook_url}"
    assert module("")["output"]["ci360_api_key"]["sensitive"] is True
    outputs = module(CONNECTOR)["output"]
    assert outputs["ci360_webhook_url"]["value"] == "${module.api.webhook_url}"
    assert outputs["ci360_api_key"]["sensitive"] is True
    assert outputs["ci360_api_key_header"]["value"] == "x-api-key"
    for name in ("bucket_name", "s3_key_prefix", "function_name", "log_group_name", "ci360_setup"):
        assert name in outputs
    setup = outputs["ci360_setup"]["value"]
    for needed in ("${module.api.webhook_url}", "x-api-key", "s3_filename", "{date}", "{taskName}", "{occurrenceId}"):
        assert needed in setup
    webhook = module("modules/api")["output"]["webhook_url"]["value"]
    assert webhook == "${aws_api_gateway_stage.this.invoke_url}/${var.resource_path}"


def test_module_readmes_list_every_input_and_output():
    for relative in MODULE_DIRS:
        readme = (TERRAFORM / relative / "README.md").read_text()
        for name in module(relative)["variable"]:
            assert f"| {name} |" in readme, f"{relative}/README.md lacks input {name}"
        for name in module(relative)["output"]:
            assert f"| {name} |" in readme, f"{relative}/README.md lacks output {name}"


def test_static_checks_are_configured():
    assert 'plugin "aws"' in (ROOT / ".tflint.hcl").read_text()
    checkov = (ROOT / ".checkov.yaml").read_text()
    skipped = re.findall(r"(?m)^\s*-\s*(CKV2?_AWS_\d+)\s*#\s*(\S.*)$", checkov)
    listed = re.findall(r"(?m)^\s*-\s*(CKV2?_AWS_\d+)", checkov)
    assert len(skipped) == len(listed), "every skipped checkov check needs a one-line justification"
    assert Path(ROOT / ".terraform-version").read_text().strip() == "1.15.5"


TERRAFORM_DOCS = ROOT / ".tools" / "bin" / "terraform-docs"


@pytest.mark.skipif(not TERRAFORM_DOCS.exists(), reason="terraform-docs is built by `make tools`, which needs Go")
@pytest.mark.parametrize("relative", MODULE_DIRS + EXAMPLES)
def test_module_readmes_are_what_terraform_docs_writes(relative):
    import subprocess

    result = subprocess.run(
        [
            str(TERRAFORM_DOCS),
            "--config",
            str(ROOT / ".terraform-docs.yml"),
            "--output-check",
            str(TERRAFORM / relative),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{relative or 'terraform'}/README.md is stale: run make docs\n{result.stderr}"


# -- tflint (built from its Go module by `make tools`; skipped where Go is absent) --------------------


TFLINT = ROOT / ".tools" / "bin" / "tflint"


def test_tflint_versions_are_pinned_in_one_place():
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"(?m)^TFLINT_AWS_VERSION\s*:=\s*(\S+)", makefile)
    assert pinned, "the Makefile pins TFLINT_AWS_VERSION"
    assert f'version = "{pinned.group(1)}"' in (ROOT / ".tflint.hcl").read_text()
    assert re.search(r"(?m)^TFLINT_VERSION\s*:=\s*v\d+\.\d+\.\d+$", makefile)


def run_tflint(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """tflint in a session and TMPDIR of its own, ended whole afterwards (it leaves its bundled plugin running)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PATH": "/usr/bin:/bin", "TMPDIR": tmp, "TFLINT_PLUGIN_DIR": str(ROOT / ".tools" / "tflint-plugins")}
        process = subprocess.Popen([str(TFLINT), f"--chdir={cwd}", f"--config={ROOT / '.tflint.hcl'}", *arguments],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)  # fmt: skip
        stdout, stderr = process.communicate(timeout=300)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.skipif(not TFLINT.exists(), reason="tflint is built by `make tools`, which needs Go")
def test_tflint_with_the_aws_ruleset_reports_a_core_and_an_aws_finding(tmp_path):
    """The configuration make test lints with really loads the AWS ruleset, and its rules bite: a
    ruleset that loads but checks nothing would not find the invalid runtime."""
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_version = ">= 1.15.5"\n}\n\n'
        'variable "unused" {\n  description = "Declared, never used."\n  type        = string\n}\n\n'
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n'
        '  role          = "arn:aws:iam::123456789012:role/r"\n'
        '  handler       = "h.handler"\n  runtime       = "python2.8"\n  filename      = "f.zip"\n}\n'
    )
    assert "ruleset.aws (0.48.0)" in run_tflint("--version", cwd=tmp_path).stdout
    result = run_tflint(cwd=tmp_path)
    assert result.returncode != 0
    assert "terraform_unused_declarations" in result.stdout  # a core rule
    assert "aws_lambda_function_invalid_runtime" in result.stdout  # a rule of the AWS ruleset


# -- the provider's schema, offline (a snapshot of @cdktn/provider-aws: make provider-schema) ------------


def provider_schema():
    from devkit.terraform import provider_schema

    return provider_schema, json.loads(provider_schema.SNAPSHOT.read_text())


def test_every_aws_block_of_every_module_and_example_matches_the_provider_schema():
    tool, schema = provider_schema()
    assert tool.check(schema, configuration_dirs()) == []
    assert {t for _, t in tool.used_types()} <= set(schema["resource"]) | set(schema["data"])


def test_the_schema_check_catches_what_validate_would():
    tool, schema = provider_schema()
    function = schema["resource"]["aws_lambda_function"]
    body = {"function_name": "f", "role": "r", "ephemeral_storage": [{"sise": 512}]}
    assert tool.check_body(body, function, "x") == ["x.ephemeral_storage: unknown argument or block 'sise'"]
    assert tool.check_body({"function_name": "f", "role": "r", "ephemeral_storage": {"size": 512}}, function, "x") == [
        "x: 'ephemeral_storage' is a block, written as an argument"
    ]
    assert tool.check_body({"function_name": "f", "role": "r", "handler": [{"a": 1}]}, function, "x") == [
        "x: 'handler' is an argument, written as a block"
    ]
    assert tool.check_body({"role": "r"}, function, "x") == ["x: missing required argument 'function_name'"]
    policy = schema["data"]["aws_iam_policy_document"]
    dynamic = {"dynamic": [{"statement": {"for_each": "${[1]}", "content": [{"actons": ["s3:GetObject"]}]}}]}
    assert tool.check_body(dynamic, policy, "p") == ["p.statement: unknown argument or block 'actons'"]


def test_the_snapshot_is_of_the_provider_version_the_configuration_allows():
    _, schema = provider_schema()
    assert schema["provider"]["name"] == "registry.terraform.io/hashicorp/aws"
    major = schema["provider"]["version"].split(".")[0]
    for relative in MODULE_DIRS:
        constraint = module(relative)["terraform"]["_blocks"][0]["required_providers"][0]["aws"]["version"]
        assert constraint in (f"~> {major}.0", f">= {major}.0"), (relative, constraint)


# -- hardening options, each off by default ------------------------------------------------------------


def test_hardening_options_are_off_by_default_and_documented():
    variables = module(CONNECTOR)["variable"]
    defaults = {
        "allowed_source_cidrs": [],
        "bucket_eventbridge_notifications": False,
        "code_signing_config_arn": None,
        "vpc_subnet_ids": [],
        "vpc_security_group_ids": [],
    }
    for name, default in defaults.items():
        assert variables[name]["default"] == default, name
        assert f"`{name}`" in (ROOT / "README.md").read_text(), name


def test_allowed_source_cidrs_deny_other_addresses_and_redeploy_the_stage():
    policy = module("modules/api")["data"]["aws_iam_policy_document"]["source_ips"]
    assert policy["count"] == "${length(var.allowed_source_cidrs) > 0 ? 1 : 0}"
    deny = next(s for s in policy["statement"] if s.get("effect") == "Deny")
    condition = block(deny["condition"])
    assert (condition["test"], condition["variable"], condition["values"]) == (
        "NotIpAddress",
        "aws:SourceIp",
        "${var.allowed_source_cidrs}",
    )
    assert deny["actions"] == ["execute-api:Invoke"]
    attached = resource("modules/api", "aws_api_gateway_rest_api_policy", "source_ips")
    assert attached["policy"] == "${data.aws_iam_policy_document.source_ips[0].json}"
    triggers = resource("modules/api", "aws_api_gateway_deployment", "this")["triggers"]["redeployment"]
    assert "aws_api_gateway_rest_api_policy.source_ips" in triggers
    assert module(CONNECTOR)["module"]["api"]["allowed_source_cidrs"] == "${var.allowed_source_cidrs}"


def test_eventbridge_notifications_only_on_a_created_bucket():
    notification = resource("modules/bucket", "aws_s3_bucket_notification", "eventbridge")
    assert notification["count"] == "${var.create && var.eventbridge_notifications ? 1 : 0}"
    assert notification["eventbridge"] is True


def test_code_signing_and_vpc_reach_the_function_and_its_role():
    function = resource("modules/lambda", "aws_lambda_function", "this")
    assert function["code_signing_config_arn"] == "${var.code_signing_config_arn}"
    vpc = function["dynamic"][0]["vpc_config"]
    assert vpc["for_each"] == "${length(var.vpc_subnet_ids) > 0 ? [1] : []}"
    assert block(vpc["content"]) == {
        "subnet_ids": "${var.vpc_subnet_ids}",
        "security_group_ids": "${var.vpc_security_group_ids}",
    }
    attachment = resource("modules/iam", "aws_iam_role_policy_attachment", "vpc")
    assert attachment["count"] == "${var.in_vpc ? 1 : 0}"
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    assert module(CONNECTOR)["module"]["iam"]["in_vpc"] == "${length(var.vpc_subnet_ids) > 0}"
    together = [v["condition"] for v in module(CONNECTOR)["variable"]["vpc_security_group_ids"]["validation"]]
    assert "${(length(var.vpc_security_group_ids) > 0) == (length(var.vpc_subnet_ids) > 0)}" in together


@pytest.mark.parametrize("inner", ["bucket", "iam", "lambda", "api", "dashboard"])
def test_inner_module_inputs_the_connector_always_passes_have_no_default_of_their_own(inner):
    """A default the connector always overrides is dead text that drifts: only the connector's counts."""
    passed = set(module(CONNECTOR)["module"][inner]) - {"source"}
    for name, variable in module(f"modules/{inner}")["variable"].items():
        if name in passed:
            assert "default" not in variable, f"modules/{inner} {name}"
