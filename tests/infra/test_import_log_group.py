"""`make import-log-group` (issue 26, item 8), run against a stand-in terraform that records what
it is asked and answers `state pull` with the state the test gives it. The apply suite
(tests/apply/test_workspace_dev.py) runs the same script with real Terraform against moto."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from devkit.paths import ROOT

FAKE_TERRAFORM = """#!/usr/bin/env bash
echo "$PWD|$*" >> "$TF_LOG_FILE"
case "$1 $2" in
  "version ") echo "Terraform v1.15.5" ;;
  "workspace select") exit 0 ;;
  "state pull") cat "$TF_STATE_FILE" ;;
esac
if [ "$1" = import ]; then
  if [ -n "$TF_IMPORT_MISSING" ]; then
    echo "Error: Cannot import non-existent remote object" >&2; exit 1
  fi
  echo "Import successful!"
fi
exit 0
"""
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$2" = devkit.packaging.build_zip ]; then exit 0; fi
exec {python} "$@"
"""
API = "module.connector.module.api"
GROUP = f"{API}.aws_cloudwatch_log_group.execution"


def resource(kind, label, **attributes):
    return {"module": API, "mode": "managed", "type": kind, "name": label, "instances": [{"attributes": attributes}]}


REST_API = resource("aws_api_gateway_rest_api", "this", id="a1b2c3d4e5")
STAGE = resource("aws_api_gateway_stage", "this", stage_name="dev")
LOG_GROUP = resource("aws_cloudwatch_log_group", "execution", name="API-Gateway-Execution-Logs_a1b2c3d4e5/dev")


@pytest.fixture
def checkout(tmp_path):
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (tmp_path / "repo" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tmp_path / "repo" / name)
    (tmp_path / "repo" / "terraform" / "backend.hcl").write_text('bucket = "state"\n')
    for name, text in (("terraform", FAKE_TERRAFORM), ("python", FAKE_PYTHON.format(python=sys.executable))):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    return tmp_path


def import_log_group(checkout, resources, *, missing=False):
    state = checkout / "state.json"
    state.write_text(json.dumps({"version": 4, "resources": resources}))
    log = checkout / "calls.log"
    env = {**os.environ, "TF_LOG_FILE": str(log), "TF_STATE_FILE": str(state)}
    if missing:
        env["TF_IMPORT_MISSING"] = "1"
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", f"PY={checkout / 'python'}",
         f"TERRAFORM={checkout / 'terraform'}", "import-log-group", "WORKSPACE=dev"],
        cwd=checkout / "repo", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    calls = [line.split("|", 1) for line in log.read_text().splitlines()]
    terraform_dir = str(checkout / "repo" / "terraform")
    assert all(where == terraform_dir for where, args in calls if args != "version"), calls
    return result, [args for _, args in calls if args != "version"]


def test_an_existing_workspace_gets_the_group_api_gateway_created_imported(checkout):
    result, calls = import_log_group(checkout, [REST_API, STAGE])
    assert result.returncode == 0, result.stderr
    assert calls[-2:] == [
        "state pull",
        f"import -input=false -var-file=env/dev.tfvars {GROUP} API-Gateway-Execution-Logs_a1b2c3d4e5/dev",
    ]
    assert calls.index("workspace select dev") < calls.index("state pull")
    assert "imported API-Gateway-Execution-Logs_a1b2c3d4e5/dev into workspace dev" in result.stdout


def test_a_group_already_in_state_is_left_alone(checkout):
    result, calls = import_log_group(checkout, [REST_API, STAGE, LOG_GROUP])
    assert result.returncode == 0 and not [c for c in calls if c.startswith("import")]
    assert f"{GROUP} is already in the state of workspace dev: nothing to import" in result.stdout


def test_a_new_workspace_has_nothing_to_import(checkout):
    result, calls = import_log_group(checkout, [])
    assert result.returncode == 0 and not [c for c in calls if c.startswith("import")]
    assert "workspace dev has no API yet: the first apply creates its execution-log group" in result.stdout


def test_a_stage_that_never_logged_has_no_group_and_that_is_no_error(checkout):
    result, calls = import_log_group(checkout, [REST_API, STAGE], missing=True)
    assert result.returncode == 0, result.stderr
    assert calls[-1].startswith("import ")
    assert "API-Gateway-Execution-Logs_a1b2c3d4e5/dev does not exist (the stage never logged)" in result.stdout
