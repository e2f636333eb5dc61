"""The Terraform make targets, run against a stand-in terraform that records what it is asked."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from devkit.paths import ROOT

FAKE_TERRAFORM = """#!/usr/bin/env bash
echo "$PWD|$*" >> "$TF_LOG_FILE"
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


def make(checkout, *args):
    repo, fake, log = checkout
    env = {**os.environ, "TF_LOG_FILE": str(log)}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "package", f"TERRAFORM={fake}", *args],
        cwd=repo, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    calls = [line.split("|", 1)[1] for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_plan_needs_a_backend_configuration(checkout):
    result, calls = make(checkout, "plan", "WORKSPACE=dev")
    assert result.returncode != 0
    assert "copy terraform/backend.hcl.example" in result.stdout + result.stderr
    assert calls == []


def test_plan_inits_with_the_backend_creates_the_workspace_and_passes_its_tfvars(checkout):
    repo = checkout[0]
    (repo / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    result, calls = make(checkout, "plan", "WORKSPACE=prod")
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls == [
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
