"""The catalog table's Terraform: the inputs (validated by Terraform core), the database, the
role's Glue statement (evaluated by Terraform core: which ARNs, and when) and the environment."""

from __future__ import annotations

import pytest

from devkit.terraform.config import module, resource
from devkit.terraform.evaluate import evaluate, validation_errors
from devkit.terraform.values import function_environment

CONNECTOR = "modules/connector"
REQUIRED = {"name": "ci360-s3-dev", "stage_name": "dev", "lambda_zip_path": "x.zip"}
KNOWN = {
    "data.aws_partition.current.partition": '"aws"',
    "data.aws_caller_identity.current.account_id": '"111122223333"',
    "local.region": '"eu-west-1"',
}


@pytest.mark.parametrize(
    ("inputs", "refused"),
    [
        ({}, None),
        ({"glue_database_name": "ci360_exports"}, None),
        ({"glue_database_name": "marketing-data", "create_glue_database": True}, None),
        ({"create_glue_database": True}, "create_glue_database needs glue_database_name"),
        ({"glue_database_name": "Exports DB"}, "glue_database_name must be 1-255 characters"),
        ({"glue_database_name": "x" * 256}, "glue_database_name must be 1-255 characters"),
    ],
)
def test_terraform_accepts_only_usable_catalog_inputs(inputs, refused):
    errors = validation_errors(CONNECTOR, {**REQUIRED, **inputs})
    if refused is None:
        assert errors == []
    else:
        assert any(refused in error for error in errors), errors


def glue_resource_arns(database):
    expression = module(CONNECTOR)["locals"]["_blocks"][0]["glue_resource_arns"].removeprefix("${").removesuffix("}")
    inputs = {**REQUIRED, "glue_database_name": database}
    evaluation = evaluate(CONNECTOR, inputs, {"arns": expression}, KNOWN, local_names=("glue_arn",))
    assert evaluation.errors == []
    return evaluation.outputs["arns"]


def test_the_role_may_reach_that_database_and_its_tables_only():
    assert glue_resource_arns("ci360_exports") == [
        "arn:aws:glue:eu-west-1:111122223333:catalog",
        "arn:aws:glue:eu-west-1:111122223333:database/ci360_exports",
        "arn:aws:glue:eu-west-1:111122223333:table/ci360_exports/*",
    ]
    assert glue_resource_arns(None) == []


def glue_statement():
    document = module("modules/iam")["data"]["aws_iam_policy_document"]["function"]
    (dynamic,) = [d for d in document["dynamic"] if d["statement"]["content"][0]["sid"] == "RegisterExportTables"]
    return dynamic["statement"]


@pytest.mark.parametrize("arns", [[], ["arn:aws:glue:eu-west-1:111122223333:catalog", "arn:db", "arn:tables"]])
def test_the_glue_statement_exists_only_with_a_database_and_holds_three_actions(arns):
    statement = glue_statement()
    content = statement["content"][0]
    assert content["actions"] == ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"]
    assert content["resources"] == "${statement.value}"
    for_each = statement["for_each"].removeprefix("${").removesuffix("}")
    rendered = evaluate("modules/iam", _iam_inputs(arns), {"statements": for_each}).outputs["statements"]
    assert rendered == ([arns] if arns else [])


def _iam_inputs(arns):
    """The iam module's inputs: arbitrary values, apart from the Glue ARNs under test."""
    names = module("modules/iam")["variable"]
    values = {name: "x" for name, variable in names.items() if variable["type"] == "string"}
    values |= {name: False for name, variable in names.items() if variable["type"] == "bool"}
    return {**values, "glue_resource_arns": arns}


def test_the_connector_passes_the_arns_and_the_database_name_on():
    connector = module(CONNECTOR)
    assert connector["module"]["iam"]["glue_resource_arns"] == "${local.glue_resource_arns}"
    environment = function_environment({"name": "x", "glue_database_name": "ci360_exports"}, bucket_name="b")
    assert environment["glue_database"] == "ci360_exports"
    assert function_environment({"name": "x"}, bucket_name="b")["glue_database"] == ""


@pytest.mark.parametrize(
    ("inputs", "told"),
    [
        ({}, ""),
        ({"glue_database_name": "ci360_exports"}, "ci360_exports"),
        ({"glue_database_name": "ci360_exports", "create_glue_database": True}, "ci360_exports"),
    ],
)
def test_the_function_is_told_the_database_whether_created_or_existing(inputs, told):
    # The created database's name is the input's name (the resource sets it so).
    created = {"aws_glue_catalog_database.this[0].name": "var.glue_database_name"}
    evaluation = evaluate(
        CONNECTOR, {**REQUIRED, **inputs}, {"told": "local.glue_database"}, created, local_names=("glue_database",)
    )
    assert evaluation.errors == [] and evaluation.outputs["told"] == told


def test_the_database_is_created_only_when_asked():
    database = resource(CONNECTOR, "aws_glue_catalog_database", "this")
    assert database["count"] == "${var.create_glue_database ? 1 : 0}"
    assert database["name"] == "${var.glue_database_name}"


def test_the_complete_example_turns_the_catalog_on():
    call = module("../examples/complete")["module"]["ci360_connector"]
    assert call["glue_database_name"] and call["create_glue_database"] is True
    assert validation_errors(CONNECTOR, {**REQUIRED, "glue_database_name": call["glue_database_name"]}) == []
