"""Issue 26, item 15: the connector in a VPC whose subnets, security groups and source CIDRs are
created in the same apply, through distinct() (lists of unknown length at plan time): it plans
(no "Invalid count argument"), applies, and plans no change after."""

from __future__ import annotations

import json

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes, diff

GAPS = moto_apply.gaps("module.ci360_connector")


def test_lists_known_only_at_apply_plan_apply_and_stay_put(root, aws):
    tf = root("fixtures/lists-from-the-same-apply")
    planned = changes(tf.plan())
    assert "module.ci360_connector.module.iam.aws_iam_role_policy_attachment.vpc[0]" in planned
    applied = tf.apply()
    assert {address for address, _, _ in applied.diagnostics()} == set(GAPS), applied.diagnostics()
    function = aws("lambda").get_function_configuration(FunctionName="ci360-s3-lists")
    subnet = aws("ec2").describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.42.1.0/24"]}])["Subnets"][0]
    assert function["VpcConfig"]["SubnetIds"] == [subnet["SubnetId"]]
    plan = tf.plan()
    assert changes(plan) == {address: ["create"] for address in GAPS}, json.dumps(diff(plan), indent=1, default=str)
