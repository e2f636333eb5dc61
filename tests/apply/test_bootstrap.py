"""terraform/bootstrap (`make bootstrap REGION=…`) applied in two Regions of one account, each with a
state of its own (issue 26, item 7): both clean, each Region's API Gateway account setting names
its own role, the next plans empty, and destroy refused (the setting serves every API there)."""

from __future__ import annotations

import pytest

from devkit.terraform.moto_apply import changes

REGIONS = ["eu-west-1", "us-east-1"]


@pytest.fixture(scope="module")
def bootstrapped(root):
    tf = root("terraform/bootstrap")
    tf.run("validate", "-no-color")
    for region in REGIONS:
        tf.workspace(region)  # one state per Region, as make bootstrap keeps one key per Region
        planned = changes(tf.plan(variables={"aws_region": region}))
        assert planned and all(actions == ["create"] for actions in planned.values()), planned
        applied = tf.apply(variables={"aws_region": region})
        assert applied.returncode == 0, applied.diagnostics()
    return tf


@pytest.mark.parametrize("region", REGIONS)
def test_each_region_sets_its_own_role_and_plans_no_change_after(bootstrapped, region, aws):
    bootstrapped.workspace(region)
    role = bootstrapped.outputs()["cloudwatch_role_arn"]
    assert role.endswith(f":role/apigateway-cloudwatch-logs-{region}")
    assert aws("apigateway", region=region).get_account()["cloudwatchRoleArn"] == role
    attached = aws("iam").list_attached_role_policies(RoleName=role.rsplit("/", 1)[1])["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonAPIGatewayPushToCloudWatchLogs"]
    assert changes(bootstrapped.plan(variables={"aws_region": region})) == {}


def test_destroy_is_refused_for_the_account_setting(bootstrapped, aws):
    bootstrapped.workspace(REGIONS[0])
    refused = bootstrapped.destroy(variables={"aws_region": REGIONS[0]})
    assert refused.returncode != 0
    assert any("Instance cannot be destroyed" in summary for _, summary, _ in refused.diagnostics())
    assert aws("iam").get_role(RoleName=f"apigateway-cloudwatch-logs-{REGIONS[0]}")
