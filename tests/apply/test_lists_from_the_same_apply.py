"""Issue 26, item 15: the connector in a VPC whose subnets, security groups and source CIDRs are
created in the same apply, through distinct() (lists of unknown length at plan time): it plans
(no "Invalid count argument"), applies, and plans no change after."""

from __future__ import annotations

from devkit.terraform.moto_apply import changes

from .gaps import EXAMPLE_CONNECTOR, only_the_moto_gaps_failed, the_next_plan_creates_only_the_moto_gaps


def test_lists_known_only_at_apply_plan_apply_and_stay_put(root, aws):
    tf = root("fixtures/lists-from-the-same-apply")
    planned = changes(tf.plan())
    assert "module.ci360_connector.module.iam.aws_iam_role_policy_attachment.vpc[0]" in planned
    only_the_moto_gaps_failed(tf.apply(), EXAMPLE_CONNECTOR)
    function = aws("lambda").get_function_configuration(FunctionName="ci360-s3-lists")
    subnet = aws("ec2").describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.42.1.0/24"]}])["Subnets"][0]
    assert function["VpcConfig"]["SubnetIds"] == [subnet["SubnetId"]]
    the_next_plan_creates_only_the_moto_gaps(tf.plan(), EXAMPLE_CONNECTOR)
