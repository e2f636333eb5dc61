"""The workspace root (terraform/) applied against moto with dev's and prod's tfvars side by side in
one account: each keeps its own catalog database, prod's next plan is empty and its function names
what the apply created, and destroy is stopped by the bucket alone. Dev alone: test_workspace_dev.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from devkit.terraform import moto_apply

from .workspaces import (
    BUCKET_MODULE,
    applied,
    resources_named,
    select,
    the_functions_environment_names_what_the_apply_created,
    the_second_plan_has_no_changes,
)


@pytest.fixture(scope="module")
def workspaces(root: Callable[[str], moto_apply.Root]) -> moto_apply.Root:
    """The root, validated, with dev and prod applied (in that order)."""
    return applied(root("terraform"), ("dev", "prod"))


def test_the_second_plan_has_no_changes(workspaces):
    the_second_plan_has_no_changes(workspaces, "prod")


def test_the_functions_environment_names_what_the_apply_created(workspaces, aws):
    the_functions_environment_names_what_the_apply_created(workspaces, "prod", aws)


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
