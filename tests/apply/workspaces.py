"""What the two workspace-root files of the apply suite share: the root's tfvars and settings, how
a workspace is applied, and the checks both make (test_workspace_dev.py, test_workspace_root.py)."""

from __future__ import annotations

import json
from typing import Any

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes

from .gaps import ROOT_CONNECTOR, only_the_moto_gaps_failed, the_next_plan_creates_only_the_moto_gaps

GAPS = moto_apply.gaps(ROOT_CONNECTOR)
DEV, PROD = "env/dev.tfvars", "env/prod.tfvars"
# Both workspaces create a catalog database: each must get its own (issue 27); prod's role also gets
# the Lake Formation grants (off by default).
DEV_VARS: dict[str, Any] = {"create_glue_database": True}
PROD_VARS: dict[str, Any] = {"create_glue_database": True, "lakeformation_grants": True}
API = "module.connector.module.api"
EXECUTION_LOG_GROUP = f"{API}.aws_cloudwatch_log_group.execution"
BUCKET_MODULE = "module.connector.module.bucket"


def applied(tf: moto_apply.Root, names: tuple[str, ...]) -> moto_apply.Root:
    """The root, validated, with these workspaces applied in this order: every resource created but the gaps."""
    tf.run("validate", "-no-color")
    for workspace in names:
        tfvars, variables = select(tf, workspace)
        planned = changes(tf.plan(tfvars, variables=variables))
        assert planned and all(actions == ["create"] for actions in planned.values()), planned
        only_the_moto_gaps_failed(tf.apply(tfvars, variables=variables), ROOT_CONNECTOR)
    return tf


def select(tf: moto_apply.Root, workspace: str) -> tuple[str, dict[str, Any]]:
    tf.workspace(workspace)
    return (DEV, DEV_VARS) if workspace == "dev" else (PROD, PROD_VARS)


def the_second_plan_has_no_changes(workspaces: moto_apply.Root, workspace: str) -> None:
    tfvars, variables = select(workspaces, workspace)
    the_next_plan_creates_only_the_moto_gaps(workspaces.plan(tfvars, variables=variables), ROOT_CONNECTOR)


def the_functions_environment_names_what_the_apply_created(
    workspaces: moto_apply.Root, workspace: str, aws: Any
) -> None:
    select(workspaces, workspace)
    outputs = workspaces.outputs()
    function = aws("lambda").get_function_configuration(FunctionName=outputs["function_name"])
    environment = function["Environment"]["Variables"]
    assert environment["s3_bucket_name"] == outputs["bucket_name"]
    aws("s3").head_bucket(Bucket=environment["s3_bucket_name"])
    assert environment["glue_database"] == outputs["glue_database_name"] == f"ci360_s3_{workspace}_exports"
    aws("glue").get_database(Name=environment["glue_database"])
    # The failure queue the asynchronous runs report to, and the log group the function writes to.
    destination = aws("lambda").get_function_event_invoke_config(FunctionName=outputs["function_name"])
    queue_arn = destination["DestinationConfig"]["OnFailure"]["Destination"]
    queue_url = aws("sqs").get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]
    assert queue_url == outputs["failure_queue_url"]
    (group,) = aws("logs").describe_log_groups(logGroupNamePrefix=outputs["log_group_name"])["logGroups"]
    assert group["logGroupName"] == f"/aws/lambda/{function['FunctionName']}" and group["retentionInDays"] > 0
    assert function["Role"] == aws("iam").get_role(RoleName=function["FunctionName"])["Role"]["Arn"]


def policy_of(aws, api_id: str) -> dict[str, Any]:
    raw = aws("apigateway").get_rest_api(restApiId=api_id)["policy"]
    policy: dict[str, Any] = json.loads(raw.replace('\\"', '"') if raw.startswith('{\\"') else raw)
    return policy


def id_in_state(tf: moto_apply.Root, address: str) -> str:
    """The id of the one resource at ``address`` (in a module of the connector module) in the state."""
    state = json.loads(tf.run("show", "-json").stdout)
    (found,) = [
        r["values"]["id"]
        for m in state["values"]["root_module"]["child_modules"]
        for c in m.get("child_modules", [])
        for r in c["resources"]
        if r["address"] == address
    ]
    return str(found)


def resources_named(aws, prefix: str) -> dict[str, list[str]]:
    """What moto still holds whose name starts with ``prefix`` (the workspace's name)."""
    return {
        "buckets": [b["Name"] for b in aws("s3").list_buckets()["Buckets"] if b["Name"].startswith(prefix)],
        "functions": [f["FunctionName"] for f in aws("lambda").list_functions()["Functions"]
                      if f["FunctionName"].startswith(prefix)],
        "apis": [a["name"] for a in aws("apigateway").get_rest_apis()["items"] if a["name"].startswith(prefix)],
        "roles": [r["RoleName"] for r in aws("iam").list_roles()["Roles"] if r["RoleName"].startswith(prefix)],
        "queues": aws("sqs").list_queues(QueueNamePrefix=prefix).get("QueueUrls", []),
        "log groups": [g["logGroupName"] for g in aws("logs").describe_log_groups()["logGroups"]
                       if prefix in g["logGroupName"]],
        "api keys": [k["name"] for k in aws("apigateway").get_api_keys()["items"] if k["name"].startswith(prefix)],
        "usage plans": [p["name"] for p in aws("apigateway").get_usage_plans()["items"]
                        if p["name"].startswith(prefix)],
        "databases": [d["Name"] for d in aws("glue").get_databases()["DatabaseList"]
                      if d["Name"].startswith(prefix.replace("-", "_"))],
        "state machines": [m["name"] for m in aws("stepfunctions").list_state_machines()["stateMachines"]
                           if m["name"].startswith(prefix)],
    }  # fmt: skip
