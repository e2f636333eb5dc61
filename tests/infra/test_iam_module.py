"""modules/iam: the function's role does what the code does and nothing else. Statements are read
as data; a dynamic statement's presence is evaluated by Terraform core for the inputs that decide it."""

from __future__ import annotations

import pytest

from devkit.terraform.config import TERRAFORM, module, resource
from devkit.terraform.evaluate import placeholder_inputs, value_of

IAM = "modules/iam"


def policy_document():
    return module(IAM)["data"]["aws_iam_policy_document"]["function"]


def iam_statements():
    """Every statement by sid: the static ones, and each dynamic one's content."""
    document = policy_document()
    statements = {s["sid"]: s for s in document["statement"]}
    for dynamic in document["dynamic"]:
        content = dynamic["statement"]["content"][0]
        statements[content["sid"]] = content
    return statements


def dynamic_statement(sid):
    (statement,) = [d["statement"] for d in policy_document()["dynamic"] if d["statement"]["content"][0]["sid"] == sid]
    return statement


def instances(sid, **inputs):
    """The values a dynamic statement is written for (Terraform core evaluates its for_each)."""
    return value_of(IAM, dynamic_statement(sid)["for_each"], {**placeholder_inputs(IAM), **inputs})


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
    assert statements["WriteOwnLogs"]["resources"] == ["${var.log_group_arn}:*"]
    assert statements["AsynchronousHandOffToItself"]["resources"] == ["${var.function_arn}", "${var.function_arn}:*"]
    assert statements["ReportFailedAsynchronousTransfers"]["actions"] == ["sqs:SendMessage"]


def test_redelivery_check_needs_exactly_the_listing_and_the_head():
    """ListObjectsV2(Prefix=key) is authorised by the s3:prefix condition (the key starts with the prefix);
    HeadObject of a listed key by GetObject on the prefix. Nothing else reads the bucket."""
    statements = iam_statements()
    listing = statements["ListOnlyThePrefix"]
    assert listing["actions"] == ["s3:ListBucket"] and listing["resources"] == ["${var.bucket_arn}"]
    (condition,) = listing["dynamic"]
    content = condition["condition"]["content"][0]
    assert (content["test"], content["variable"], content["values"]) == (
        "StringLike",
        "s3:prefix",
        ["${condition.value}*"],
    )
    # The condition is written for a prefix, and left out (the whole bucket) for none.
    assert value_of(IAM, condition["condition"]["for_each"], {**placeholder_inputs(IAM), "key_prefix": "ci360/"}) == [
        "ci360/"
    ]
    assert value_of(IAM, condition["condition"]["for_each"], {**placeholder_inputs(IAM), "key_prefix": ""}) == []
    assert statements["ReadExportsForRedeliveryCheck"]["actions"] == ["s3:GetObject"]
    reads = [a for s in statements.values() for a in s["actions"] if a.startswith("s3:") and a != "s3:PutObject"]
    assert sorted(reads) == ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListBucket"]


@pytest.mark.parametrize(
    ("sid", "input_name", "value", "actions"),
    [
        (
            "EncryptWithTheBucketKey",
            "kms_key_arn",
            "arn:aws:kms:eu-west-1:111122223333:key/k",
            ["kms:GenerateDataKey", "kms:Decrypt"],
        ),
        (
            "PublishDeliveryEvents",
            "delivery_event_bus_arn",
            "arn:aws:events:eu-west-1:111122223333:event-bus/b",
            ["events:PutEvents"],
        ),
    ],
)
def test_optional_statements_grant_the_one_resource_they_are_given_and_exist_only_then(sid, input_name, value, actions):
    statement = dynamic_statement(sid)
    assert statement["content"][0]["actions"] == actions
    assert statement["content"][0]["resources"] == ["${statement.value}"]
    assert instances(sid, **{input_name: value}) == [value]
    assert instances(sid, **{input_name: None}) == []


def test_catalog_tables_in_one_database_only_and_only_with_a_catalog():
    statement = dynamic_statement("RegisterExportTables")
    assert statement["content"][0]["actions"] == ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable"]
    assert statement["content"][0]["resources"] == "${statement.value}"
    arns = ["arn:aws:glue:eu-west-1:111122223333:catalog", "arn:aws:glue:eu-west-1:111122223333:database/d",
            "arn:aws:glue:eu-west-1:111122223333:table/d/*"]  # fmt: skip
    assert instances("RegisterExportTables", glue_resource_arns=arns) == [arns]
    assert instances("RegisterExportTables", glue_resource_arns=[]) == []


def test_no_broad_managed_policies_anywhere():
    for path in TERRAFORM.rglob("*.tf"):
        text = path.read_text()
        assert "AmazonS3FullAccess" not in text and "AdministratorAccess" not in text
        assert '"s3:*"' not in text.replace('actions = ["s3:*"]\n    resources = [\n      aws_s3_bucket', "")


def test_role_arn_waits_for_its_policy_and_the_vpc_attachment():
    """Lambda needs the ENI permissions at creation and while it deletes the ENIs on destroy."""
    output = module(IAM)["output"]["role_arn"]
    assert output["depends_on"] == ["${aws_iam_role_policy.function}", "${aws_iam_role_policy_attachment.vpc}"]


def test_the_vpc_policy_is_attached_only_in_a_vpc():
    attachment = resource(IAM, "aws_iam_role_policy_attachment", "vpc")
    assert attachment["policy_arn"].endswith(":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    assert value_of(IAM, attachment["count"], {**placeholder_inputs(IAM), "in_vpc": True}) == 1
    assert value_of(IAM, attachment["count"], {**placeholder_inputs(IAM), "in_vpc": False}) == 0
