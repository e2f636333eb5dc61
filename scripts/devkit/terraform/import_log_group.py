"""``make import-log-group``: the stage's execution-log group into a workspace's state, once.

Workspaces applied before the api module created ``API-Gateway-Execution-Logs_<api id>/<stage>``
logged at ERROR, so API Gateway created that group itself (without retention). The first apply
that adds the group to the configuration then fails with ``ResourceAlreadyExistsException``.
This imports it when it exists:

- the group already in state: nothing to do;
- no REST API in state (a new workspace): nothing to do, the apply creates the group;
- otherwise ``terraform import`` with the API's id and the stage name from state; a group that
  does not exist (the stage never logged) is not an error: the apply creates it.

Terraform (``--terraform``) runs in ``--terraform-dir`` with the workspace already selected; one
line says what was done.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

API = "module.connector.module.api"
LOG_GROUP = f"{API}.aws_cloudwatch_log_group.execution"
NOT_THERE = "non-existent remote object"


def _resource(state: dict[str, Any], module: str, kind: str, name: str) -> dict[str, Any] | None:
    for resource in state.get("resources", []):
        if (resource.get("module"), resource.get("type"), resource.get("name"), resource.get("mode")) == (
            module,
            kind,
            name,
            "managed",
        ):
            instances = resource.get("instances") or [{}]
            attributes: dict[str, Any] = instances[0].get("attributes") or {}
            return attributes
    return None


def group_name(state: dict[str, Any], workspace: str) -> str | None:
    """The execution-log group of the workspace's stage, or None when the state holds no REST API."""
    api = _resource(state, API, "aws_api_gateway_rest_api", "this")
    if api is None:
        return None
    stage = _resource(state, API, "aws_api_gateway_stage", "this")
    stage_name = stage["stage_name"] if stage else workspace
    return f"API-Gateway-Execution-Logs_{api['id']}/{stage_name}"


def run(terraform: str, directory: str, workspace: str, tfvars: str) -> str:
    """What was done, in one line; raises SystemExit when Terraform fails otherwise."""

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([terraform, *args], cwd=directory, capture_output=True, text=True, check=False)

    pulled = call("state", "pull")
    if pulled.returncode != 0:
        raise SystemExit(f"terraform state pull failed: {pulled.stderr.strip()}")
    state = json.loads(pulled.stdout or "{}")
    if _resource(state, API, "aws_cloudwatch_log_group", "execution") is not None:
        return f"{LOG_GROUP} is already in the state of workspace {workspace}: nothing to import"
    name = group_name(state, workspace)
    if name is None:
        return f"workspace {workspace} has no API yet: the first apply creates its execution-log group"
    imported = call("import", "-input=false", f"-var-file={tfvars}", LOG_GROUP, name)
    if imported.returncode == 0:
        return f"imported {name} into workspace {workspace}: the next apply sets its retention"
    if NOT_THERE in imported.stdout + imported.stderr:
        return f"{name} does not exist (the stage never logged): the next apply creates it"
    raise SystemExit(f"terraform import of {name} failed:\n{imported.stderr.strip() or imported.stdout.strip()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default="terraform")
    parser.add_argument("--terraform-dir", required=True)
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--tfvars", required=True, help="relative to --terraform-dir, e.g. env/dev.tfvars")
    args = parser.parse_args()
    print(run(args.terraform, args.terraform_dir, args.workspace, args.tfvars))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
