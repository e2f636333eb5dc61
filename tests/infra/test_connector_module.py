"""modules/connector, the module users call: every input validated once and tested as behaviour by
Terraform core; the workspace root a thin caller; the environment it writes is config.py's."""

from __future__ import annotations

import dataclasses

import pytest

from devkit.paths import ROOT
from devkit.terraform.config import MODULE_DIRS, block, module, resource
from devkit.terraform.evaluate import validation_errors, value_of
from devkit.terraform.values import function_environment
from s3_bulk_upload.config import SETTINGS, Config, load_config

CONNECTOR = "modules/connector"
REQUIRED = {"name": "ci360-s3-dev", "stage_name": "dev", "lambda_zip_path": "x.zip"}

# For each validated input: values at the edges that Terraform must accept, and values it must refuse.
ACCEPTED = {
    "name": "abc",
    "stage_name": "Prod_2",
    "existing_bucket_name": "my.existing-bucket",
    "create_bucket": False,
    "bucket_name": "a.b-c",
    "s3_key_prefix": "ci360/exports/",
    "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234",
    "sse_algorithm": "aws:kms",
    "sse_kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "expire_exports_after_days": 0,
    "lambda_runtime": "python3.13",
    "lambda_architecture": "x86_64",
    "lambda_memory_mb": 10240,
    "lambda_timeout_seconds": 30,
    "lambda_ephemeral_storage": 512,
    "reserved_concurrency": -1,
    "log_retention_days": 3653,
    "async_max_retry_attempts": 0,
    "async_max_event_age_seconds": 21600,
    "alarm_sns_topic_arns": ["arn:aws:sns:eu-west-1:111122223333:alarms"],
    "source_host_allowlist": ["amazonaws.com", "127.0.0.1:8443"],
    "delivery_mode": "sync",
    "async_threshold_bytes": 0,
    "gzip_level": 9,
    "log_level": "CRITICAL",
    "delivery_event_bus_name": "arn:aws:events:eu-west-1:111122223333:event-bus/exports",
    "glue_database_name": "ci360-exports_1",
    "create_glue_database": True,
    "metrics_namespace": "CI360/Exports",
    "part_size_mib": 512,
    "max_concurrency": 64,
    "source_connections": 32,
    "source_max_retries": 0,
    "source_backoff_seconds": 60,
    "api_throttle_rate_limit": 0.5,
    "api_throttle_burst_limit": 1,
    "api_quota_per_day": 0,
    "api_execution_logging_level": "OFF",
    "waf_web_acl_arn": "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/w/1",
    "attach_waf_web_acl": True,
    "allowed_source_cidrs": ["203.0.113.0/24"],
    "code_signing_config_arn": None,
    "run_in_vpc": True,
    "vpc_subnet_ids": ["subnet-0123456789abcdef0"],
    "vpc_security_group_ids": ["sg-0123456789abcdef0"],
    "distributed_threshold_bytes": 0,
    "max_parallel_parts": 1000,
    "distributed_part_size_mib": 5,
    "lakeformation_grants": True,
}
REFUSED = {
    "name": "CI360",
    "stage_name": "dev stage",
    "existing_bucket_name": "Bad_Bucket",
    "bucket_name": "x",
    "s3_key_prefix": "/ci360",
    "kms_key_arn": "key-1234",
    "sse_algorithm": "aws:kms:other",
    # An alias ARN: IAM statements on an alias do not cover its key, so uploads would be denied.
    "sse_kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:alias/exports",
    "expire_exports_after_days": 1.5,
    "lambda_runtime": "python3.12",
    "lambda_architecture": "x86",
    "lambda_memory_mb": 511,
    "lambda_timeout_seconds": 901,
    "lambda_ephemeral_storage": 10241,
    "reserved_concurrency": 0,
    "log_retention_days": 2,
    "async_max_retry_attempts": 3,
    "async_max_event_age_seconds": 59,
    "alarm_sns_topic_arns": ["alarms"],
    "source_host_allowlist": ["https://evil.example"],
    "delivery_mode": "fast",
    "async_threshold_bytes": -1,
    "gzip_level": 10,
    "log_level": "TRACE",
    "delivery_event_bus_name": "bus name!",
    "glue_database_name": "Exports DB",
    "metrics_namespace": "AWS/Lambda",
    "part_size_mib": 4,
    "max_concurrency": 65,
    "source_connections": 33,
    "source_max_retries": 21,
    "source_backoff_seconds": 61,
    "api_throttle_rate_limit": 0,
    "api_throttle_burst_limit": 0,
    "api_quota_per_day": -1,
    "api_execution_logging_level": "DEBUG",
    "waf_web_acl_arn": "web-acl",
    "allowed_source_cidrs": ["10.0.0.0/33"],
    "code_signing_config_arn": "arn:aws:lambda:eu-west-1:111122223333:code-signing-config:csc-1",
    "vpc_subnet_ids": ["subnet-XYZ"],
    "vpc_security_group_ids": ["security-group"],
    "distributed_threshold_bytes": 1.5,
    "max_parallel_parts": 1001,
    "distributed_part_size_mib": 4,
}
# Rules across two inputs, each broken on its own: (inputs, the message Terraform must give).
REFUSED_TOGETHER = [
    (
        {"create_bucket": True, "existing_bucket_name": "my-bucket"},
        "Set existing_bucket_name exactly when create_bucket = false.",
    ),
    ({"sse_algorithm": "AES256", "sse_kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/1"}, "sse_kms_key_arn"),
    # Issue 26, item 9: IAM statements on an alias do not cover its key: every upload would be denied.
    (
        {"sse_algorithm": "aws:kms", "sse_kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:alias/exports"},
        "Not an alias ARN",
    ),
    ({"lakeformation_grants": True}, "lakeformation_grants needs a catalog database"),
    ({"attach_waf_web_acl": True}, "waf_web_acl_arn"),
    ({"run_in_vpc": True, "vpc_subnet_ids": ["subnet-0123456789abcdef0"]}, "vpc_security_group_ids"),
    (
        {"vpc_subnet_ids": ["subnet-0123456789abcdef0"], "vpc_security_group_ids": ["sg-0123456789abcdef0"]},
        "Set vpc_subnet_ids exactly when run_in_vpc = true.",
    ),
    ({"run_in_vpc": True}, "Set vpc_subnet_ids exactly when run_in_vpc = true."),
    # Issue 26, item 12: an existing bucket's lifecycle is its owner's; the setting would be ignored.
    (
        {"create_bucket": False, "existing_bucket_name": "theirs", "expire_exports_after_days": 30},
        "expire_exports_after_days applies to a bucket this module creates",
    ),
]


def validated_inputs():
    return {name for name, variable in module(CONNECTOR)["variable"].items() if "validation" in variable}


def messages(name):
    rules = module(CONNECTOR)["variable"][name]["validation"]
    # python-hcl2 keeps the HCL string's escapes ("\\\\"): compare the text before any backslash.
    return [rule["error_message"].split("\\")[0] for rule in (rules if isinstance(rules, list) else [rules])]


def test_every_validated_input_has_an_accepted_and_a_refused_case():
    assert validated_inputs() <= set(ACCEPTED) | {"create_bucket"}
    assert validated_inputs() - {"lakeformation_grants", "attach_waf_web_acl", "create_bucket"} <= set(REFUSED)


def test_terraform_accepts_every_edge_value():
    assert validation_errors(CONNECTOR, {**REQUIRED, **ACCEPTED}) == []


def test_terraform_refuses_each_invalid_value_with_that_inputs_message():
    def refused(name, errors):
        return any(message in " ".join(errors) for message in messages(name))

    # All at once; Terraform skips a rule that reads another invalid input, so those are asked alone.
    together = validation_errors(CONNECTOR, {**REQUIRED, **REFUSED})
    for name in [n for n in REFUSED if not refused(n, together)]:
        assert refused(name, validation_errors(CONNECTOR, {**REQUIRED, name: REFUSED[name]})), name


@pytest.mark.parametrize(("inputs", "message"), REFUSED_TOGETHER, ids=lambda v: str(v)[:40])
def test_rules_across_inputs(inputs, message):
    assert any(message in error for error in validation_errors(CONNECTOR, {**REQUIRED, **inputs}))


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
    """Same inputs with the same types, passed through; names and stage from the workspace."""
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


@pytest.mark.parametrize("inner", ["bucket", "iam", "lambda", "api", "dashboard"])
def test_inner_module_inputs_the_connector_always_passes_have_no_default_of_their_own(inner):
    """A default the connector always overrides is dead text that drifts: only the connector's counts."""
    passed = set(module(CONNECTOR)["module"][inner]) - {"source"}
    for name, variable in module(f"modules/{inner}")["variable"].items():
        if name in passed:
            assert "default" not in variable, f"modules/{inner} {name}"


# Read by Powertools itself (service name and metrics namespace), not by config.py.
POWERTOOLS_ENV = {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


def test_the_environment_terraform_writes_is_the_one_config_declares():
    """One setting, one variable: every key Terraform writes is a setting of config.py, and back."""
    written = set(module(CONNECTOR)["module"]["lambda"]["environment"]) - POWERTOOLS_ENV
    assert written == {setting.metadata["env"] for setting in SETTINGS}


def test_terraform_defaults_are_the_functions_defaults():
    """The environment Terraform writes with every input at its default loads as config.py's defaults."""
    environment = function_environment({"name": "x"}, bucket_name="example-bucket")
    # The one deliberate difference: the contract's s3_key_prefix default is "" (the whole bucket);
    # a deployment defaults to ci360/, so that its role is scoped to a prefix.
    # And the state machine's ARN, which a deployment always has (the distributed path, §2.15).
    assert load_config(environment) == dataclasses.replace(
        Config(bucket="example-bucket"),
        key_prefix="ci360/",
        state_machine_arn="arn:aws:states:eu-west-1:123456789012:stateMachine:x-distributed",
    )
    assert environment["POWERTOOLS_SERVICE_NAME"] == "x"


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


def test_outputs_give_what_ci360_needs():
    assert module("")["output"]["ci360_webhook_url"]["value"] == "${module.connector.ci360_webhook_url}"
    assert module("")["output"]["ci360_api_key"]["sensitive"] is True
    outputs = module(CONNECTOR)["output"]
    assert outputs["ci360_webhook_url"]["value"] == "${module.api.webhook_url}"
    assert outputs["ci360_api_key"]["sensitive"] is True
    assert outputs["ci360_api_key_header"]["value"] == "x-api-key"
    for name in (
        "bucket_name",
        "s3_key_prefix",
        "function_name",
        "log_group_name",
        "ci360_setup",
        "glue_database_name",
    ):
        assert name in outputs
    setup = outputs["ci360_setup"]["value"]
    for needed in ("${module.api.webhook_url}", "x-api-key", "s3_filename", "{date}", "{taskName}", "{occurrenceId}"):
        assert needed in setup
    webhook = module("modules/api")["output"]["webhook_url"]["value"]
    assert webhook == "${aws_api_gateway_stage.this.invoke_url}/${var.resource_path}"


# -- the catalog table: the ARNs the role gets and the database the function is told ----------------

KNOWN = {
    "data.aws_partition.current.partition": '"aws"',
    "data.aws_caller_identity.current.account_id": '"111122223333"',
    "local.region": '"eu-west-1"',
}


KNOWN_NAME = {**KNOWN, "local.name": "var.name"}


def glue_resource_arns(database, create=False, name="ci360-s3-dev"):
    expression = module(CONNECTOR)["locals"]["_blocks"][0]["glue_resource_arns"]
    inputs = {**REQUIRED, "name": name, "glue_database_name": database, "create_glue_database": create}
    return value_of(CONNECTOR, expression, inputs, KNOWN_NAME, local_names=("glue_arn", "glue_database_name"))


def test_the_role_may_reach_that_database_and_its_tables_only():
    assert glue_resource_arns("ci360_exports") == [
        "arn:aws:glue:eu-west-1:111122223333:catalog",
        "arn:aws:glue:eu-west-1:111122223333:database/ci360_exports",
        "arn:aws:glue:eu-west-1:111122223333:table/ci360_exports/*",
    ]
    assert glue_resource_arns(None) == []
    assert (
        glue_resource_arns(None, create=True)[1] == "arn:aws:glue:eu-west-1:111122223333:database/ci360_s3_dev_exports"
    )
    assert module(CONNECTOR)["module"]["iam"]["glue_resource_arns"] == "${local.glue_resource_arns}"


@pytest.mark.parametrize(
    ("inputs", "told"),
    [
        ({}, ""),
        ({"glue_database_name": "ci360_exports"}, "ci360_exports"),
        ({"glue_database_name": "ci360_exports", "create_glue_database": True}, "ci360_exports"),
        ({"create_glue_database": True}, "ci360_s3_dev_exports"),
    ],
)
def test_the_function_is_told_the_database_whether_created_or_existing(inputs, told):
    # The created database's name is the local name (the resource sets it so).
    created = {"aws_glue_catalog_database.this[0].name": "local.glue_database_name", "local.name": "var.name"}
    expression = module(CONNECTOR)["locals"]["_blocks"][0]["glue_database"]
    inputs = {**REQUIRED, **inputs}
    assert value_of(CONNECTOR, expression, inputs, created, local_names=("glue_database_name",)) == told
    assert module(CONNECTOR)["module"]["lambda"]["environment"]["glue_database"] == "${local.glue_database}"
    assert function_environment(inputs, bucket_name="b")["glue_database"] == told


def created_database_name(workspace):
    inputs = {**REQUIRED, "name": f"ci360-s3-{workspace}", "create_glue_database": True}
    return value_of(CONNECTOR, "${local.glue_database_name}", inputs, {"local.name": "var.name"},
                    local_names=("glue_database_name",))  # fmt: skip


def test_two_workspaces_creating_a_database_get_one_each():
    """Issue 27, item 5: with create_glue_database and no name, the database is the deployment's
    (the workspace is in the name), so dev and prod never share one, nor destroy the other's."""
    assert created_database_name("dev") == "ci360_s3_dev_exports"
    assert created_database_name("prod") == "ci360_s3_prod_exports"
    assert validation_errors(CONNECTOR, {**REQUIRED, "create_glue_database": True}) == []


@pytest.mark.parametrize("create", [True, False])
def test_the_database_is_created_only_when_asked(create):
    database = resource(CONNECTOR, "aws_glue_catalog_database", "this")
    inputs = {**REQUIRED, "glue_database_name": "ci360_exports", "create_glue_database": create}
    assert value_of(CONNECTOR, database["count"], inputs) == (1 if create else 0)
    assert database["name"] == "${local.glue_database_name}"


@pytest.mark.parametrize("grants", [True, False])
def test_lake_formation_grants_are_off_by_default_and_exactly_what_the_function_does(grants):
    variable = module(CONNECTOR)["variable"]["lakeformation_grants"]
    assert variable["default"] is False and "`lakeformation_grants`" in (ROOT / "README.md").read_text()
    database = resource(CONNECTOR, "aws_lakeformation_permissions", "database")
    tables = resource(CONNECTOR, "aws_lakeformation_permissions", "tables")
    inputs = {**REQUIRED, "create_glue_database": True, "lakeformation_grants": grants}
    for granted in (database, tables):
        assert value_of(CONNECTOR, granted["count"], inputs) == (1 if grants else 0)
        assert granted["principal"] == "${module.iam.role_arn}"
    assert (database["permissions"], block(database["database"])) == (
        ["CREATE_TABLE"],
        {"name": "${local.glue_database}"},
    )
    assert (tables["permissions"], block(tables["table"])) == (
        ["ALTER", "DESCRIBE"],
        {"database_name": "${local.glue_database}", "wildcard": True},
    )


@pytest.mark.parametrize(
    ("bus", "arn"),
    [
        (None, None),
        ("exports", "arn:aws:events:eu-west-1:111122223333:event-bus/exports"),
        (
            "arn:aws:events:eu-west-1:444455556666:event-bus/shared",
            "arn:aws:events:eu-west-1:444455556666:event-bus/shared",
        ),
    ],
)
def test_delivery_events_may_go_to_the_configured_bus_only(bus, arn):
    expression = module(CONNECTOR)["locals"]["_blocks"][0]["delivery_event_bus_arn"]
    assert value_of(CONNECTOR, expression, {**REQUIRED, "delivery_event_bus_name": bus}, KNOWN) == arn
    assert module(CONNECTOR)["module"]["iam"]["delivery_event_bus_arn"] == "${local.delivery_event_bus_arn}"
    told = function_environment({"name": "x", "delivery_event_bus_name": bus}, bucket_name="b")["delivery_event_bus"]
    assert told == (bus or "")


def test_bootstrap_names_its_role_after_the_region():
    """Issue 26, item 7: IAM is global and each Region's bootstrap has a state of its own, so a role
    named the same in every Region fails the second bootstrap with EntityAlreadyExists."""
    role = resource("bootstrap", "aws_iam_role", "apigateway_logs")
    name = {
        region: value_of("bootstrap", role["name"], {"aws_region": region}) for region in ("eu-west-1", "us-east-1")
    }
    assert name == {
        "eu-west-1": "apigateway-cloudwatch-logs-eu-west-1",
        "us-east-1": "apigateway-cloudwatch-logs-us-east-1",
    }
    assert value_of("bootstrap", role["name"], {"aws_region": "eu-west-1", "role_name": "mine"}) == "mine"
    assert block(role["lifecycle"])["create_before_destroy"] is True
