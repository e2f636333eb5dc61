"""The Terraform make targets, run against a stand-in terraform that records what it is asked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import boto3
import pytest

from devkit.paths import ROOT

CLOUDWATCH_ROLE = "arn:aws:iam::123456789012:role/ci360-s3-apigateway-cloudwatch"


def set_cloudwatch_role(value):
    """API Gateway's account setting in the tfvars' Region (moto): what `make bootstrap` sets."""
    apigateway = boto3.client("apigateway", region_name="eu-west-1")
    apigateway.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": value}])


@pytest.fixture(autouse=True)
def bootstrapped(aws_env):
    """`make apply` checks the account's CloudWatch role first: here it is set, as after make bootstrap."""
    set_cloudwatch_role(CLOUDWATCH_ROLE)


FAKE_TERRAFORM = """#!/usr/bin/env bash
echo "$PWD|$*" >> "$TF_LOG_FILE"
[ "$1" = version ] && echo "Terraform v1.15.5"
case "$1 $2" in
  "workspace select") [ -f "$TF_LOG_FILE.ws-$3" ] || exit 1 ;;
  "workspace new") touch "$TF_LOG_FILE.ws-$3" ;;
  "output -raw")
    [ "$3" = ci360_setup ] && echo "CI360 setup text"
    [ "$3" = ci360_api_key ] && printf 'k3y-value' ;;
esac
exit 0
"""


@pytest.fixture
def checkout(tmp_path):
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        target = tmp_path / "repo" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    fake = tmp_path / "terraform"
    fake.write_text(FAKE_TERRAFORM)
    fake.chmod(0o755)
    return tmp_path / "repo", fake, tmp_path / "calls.log"


# The venv's Python for the workspace checks; the zip build is recorded, not run (tested elsewhere).
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$2" = devkit.packaging.build_zip ]; then echo "python|build_zip $*" >> "$TF_LOG_FILE"; exit 0; fi
exec {python} "$@"
"""


def make(checkout, *args, terraform=None):
    repo, fake, log = checkout
    python = repo.parent / "python"
    python.write_text(FAKE_PYTHON.format(python=sys.executable))
    python.chmod(0o755)
    env = {**os.environ, "TF_LOG_FILE": str(log)}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", f"PY={python}", f"TERRAFORM={terraform or fake}",
         *args],
        cwd=repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    calls = [line.split("|", 1)[1] for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_plan_needs_a_backend_configuration_and_says_so_before_building_anything(checkout):
    result, calls = make(checkout, "plan", "WORKSPACE=dev")
    assert result.returncode != 0
    assert "copy terraform/backend.hcl.example" in result.stdout + result.stderr
    assert [c for c in calls if not c.startswith("version")] == []  # no zip built, no init


def test_an_old_terraform_is_one_clear_line_before_anything_runs(checkout, tmp_path):
    (checkout[0] / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    old = tmp_path / "old-terraform"
    old.write_text('#!/usr/bin/env bash\necho "old|$*" >> "$TF_LOG_FILE"\necho "Terraform v1.9.8"\n')
    old.chmod(0o755)
    result, calls = make(checkout, "apply", "WORKSPACE=dev", terraform=old)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "terraform 1.9.8 is older than 1.15.5 (.terraform-version)" in output
    assert output.count("older than") == 1
    assert calls == ["version"]


@pytest.mark.parametrize(("tfvars_arch", "requested", "built"), [("x86_64", None, "x86_64"), (None, None, "arm64")])
def test_the_zip_is_built_for_the_architecture_the_workspace_deploys(checkout, tfvars_arch, requested, built):
    repo = checkout[0]
    (repo / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    if tfvars_arch:
        with (repo / "terraform" / "env" / "dev.tfvars").open("a") as tfvars:
            tfvars.write(f'\nlambda_architecture = "{tfvars_arch}"\n')
    result, calls = make(checkout, "apply", "WORKSPACE=dev")
    assert result.returncode == 0, result.stdout + result.stderr
    (build,) = [c for c in calls if c.startswith("build_zip")]
    assert build.endswith(f"--arch {built}")
    assert calls[-1] == "apply -input=false -var-file=env/dev.tfvars"


@pytest.mark.parametrize(("tfvars_arch", "requested"), [("x86_64", "arm64"), (None, "x86_64")])
def test_an_arch_that_differs_from_the_workspaces_is_refused_before_apply(checkout, tfvars_arch, requested):
    repo = checkout[0]
    (repo / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    if tfvars_arch:
        with (repo / "terraform" / "env" / "dev.tfvars").open("a") as tfvars:
            tfvars.write(f'\nlambda_architecture = "{tfvars_arch}"\n')
    result, calls = make(checkout, "apply", "WORKSPACE=dev", f"ARCH={requested}")
    assert result.returncode != 0
    assert f"ARCH={requested}, but" in result.stdout + result.stderr
    assert not any(c.startswith(("build_zip", "apply", "init")) for c in calls)


def test_apply_without_api_gateways_cloudwatch_role_is_one_line_pointing_at_make_bootstrap(checkout):
    """Without it the first apply in an account creates most of the stack, then fails on the stage."""
    (checkout[0] / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    set_cloudwatch_role("")
    result, calls = make(checkout, "apply", "WORKSPACE=dev")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    (line,) = [text for text in output.splitlines() if "CloudWatch role" in text]
    assert "API Gateway has no CloudWatch role in eu-west-1" in line
    assert "run `make bootstrap REGION=eu-west-1`" in line
    assert calls == ["version"]  # nothing built, no init, no apply
    result, calls = make(checkout, "plan", "WORKSPACE=dev")  # a plan does not need it
    assert result.returncode == 0, result.stdout + result.stderr
    set_cloudwatch_role(CLOUDWATCH_ROLE)
    result, calls = make(checkout, "apply", "WORKSPACE=dev")
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls[-1] == "apply -input=false -var-file=env/dev.tfvars"


def test_rotate_api_key_replaces_the_key_at_its_address(checkout):
    (checkout[0] / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    result, calls = make(checkout, "rotate-api-key", "WORKSPACE=prod")
    assert result.returncode == 0, result.stdout + result.stderr
    address = "module.connector.module.api.aws_api_gateway_api_key.ci360"
    assert f"apply -input=false -var-file=env/prod.tfvars -replace={address}" in calls
    assert "new API key (x-api-key): k3y-value" in result.stdout


def test_plan_inits_with_the_backend_creates_the_workspace_and_passes_its_tfvars(checkout):
    repo = checkout[0]
    (repo / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    result, calls = make(checkout, "plan", "WORKSPACE=prod")
    assert result.returncode == 0, result.stdout + result.stderr
    assert [c for c in calls if not c.startswith(("version", "build_zip"))] == [
        "init -input=false -reconfigure -backend-config=backend.hcl",
        "workspace select prod",
        "workspace new prod",
        "plan -input=false -var-file=env/prod.tfvars -out=prod.tfplan",
    ]
    result, calls = make(checkout, "apply", "WORKSPACE=prod")
    assert calls[-2:] == ["workspace select prod", "apply -input=false -var-file=env/prod.tfvars"]


def test_unknown_workspace_without_tfvars_is_refused(checkout):
    (checkout[0] / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    result, calls = make(checkout, "apply", "WORKSPACE=staging")
    assert result.returncode != 0
    assert "no terraform/env/staging.tfvars" in result.stdout + result.stderr
    assert not any(call.startswith("apply") for call in calls)


def test_ci360_config_prints_the_setup_and_the_key(checkout):
    (checkout[0] / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    result, calls = make(checkout, "ci360-config", "WORKSPACE=dev")
    assert result.returncode == 0, result.stderr
    assert "CI360 setup text" in result.stdout
    assert "API key (x-api-key): k3y-value" in result.stdout
    assert "output -raw ci360_api_key" in calls


def test_bootstrap_has_a_state_of_its_own_and_the_workspaces_region(checkout):
    (checkout[0] / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    result, calls = make(checkout, "bootstrap")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "init -input=false -reconfigure -backend-config=../backend.hcl "
        "-backend-config=key=ci360-s3-bulk-connector/bootstrap/eu-west-1/terraform.tfstate"
    ) in calls
    assert calls[-1] == "apply -input=false -var=aws_region=eu-west-1"
