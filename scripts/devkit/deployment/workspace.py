"""Checks a workspace target makes before it builds or runs anything (one clear line each), and the
architecture the workspace deploys.

``python -m devkit.deployment.workspace preflight TFVARS`` checks the Terraform version against
``.terraform-version``, the tfvars file and ``backend.hcl``; with ``--action apply`` also that the
account has API Gateway's CloudWatch role in the workspace's Region (``make bootstrap`` sets it;
without it the first apply creates most of the stack, then fails on the stage).
``arch TFVARS [--requested ARCH]``
prints the architecture the workspace deploys (its tfvars, else the variable's default) and
refuses an ``ARCH=`` given on the command line that differs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import hcl2

from devkit.paths import ROOT
from devkit.terraform.config import module

_VERSION = re.compile(r"Terraform v(\d+)\.(\d+)\.(\d+)")


def required_version() -> tuple[int, int, int]:
    """The version in .terraform-version (of the checkout make runs in, else this one)."""
    pinned = Path(".terraform-version") if Path(".terraform-version").exists() else ROOT / ".terraform-version"
    major, minor, patch = pinned.read_text().strip().split(".")
    return int(major), int(minor), int(patch)


def version_problem(terraform: str) -> str | None:
    """Why this terraform cannot run the workspace, or None."""
    if shutil.which(terraform) is None:
        wanted = ".".join(map(str, required_version()))
        return f"terraform is not installed: install {wanted} (`tfenv install` reads .terraform-version)"
    output = subprocess.run([terraform, "version"], capture_output=True, text=True, check=False).stdout
    match = _VERSION.search(output)
    need = required_version()
    if match and tuple(map(int, match.groups())) < need:
        have, wanted = ".".join(match.groups()), ".".join(map(str, need))
        return f"terraform {have} is older than {wanted} (.terraform-version): `tfenv install` reads that file"
    return None


def tfvars_values(tfvars: Path) -> dict[str, Any]:
    """The workspace's tfvars as Python values (strings without their quotes); {} when there is none."""
    if not tfvars.exists():
        return {}
    with tfvars.open() as handle:
        values = hcl2.load(handle)
    return {name: value.strip('"') if isinstance(value, str) else value for name, value in values.items()}


def workspace_region(tfvars: Path, outputs: Mapping[str, Any] | None = None) -> str:
    """The Region the workspace deploys to: its ``aws_region`` output, else its tfvars' ``aws_region``
    (the variable has no default). Never the caller's default Region."""
    region = (outputs or {}).get("aws_region") or tfvars_values(tfvars).get("aws_region")
    if not region:
        raise SystemExit(f"no aws_region in {tfvars}: set the workspace's Region there")
    return str(region)


def cloudwatch_role_problem(apigateway: Any, region: str) -> str | None:
    """Why an apply would fail on the stage for want of API Gateway's CloudWatch role, or None.

    A check that cannot run (no credentials, no permission) says so and lets the apply go on:
    Terraform reports those itself."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        account = apigateway.get_account()
    except (BotoCoreError, ClientError) as error:
        print(f"could not check API Gateway's CloudWatch role in {region} ({error}): going on")
        return None
    if account.get("cloudwatchRoleArn"):
        return None
    return (
        f"API Gateway has no CloudWatch role in {region} (apigateway get-account: no cloudwatchRoleArn), "
        f"so the stage would fail: run `make bootstrap REGION={region}` once for this account and Region first"
    )


def preflight_problem(tfvars: Path, terraform: str, action: str = "", apigateway: Any = None) -> str | None:
    """The first reason the workspace target cannot run, in one line, or None."""
    problem = version_problem(terraform)
    backend = tfvars.parent.parent / "backend.hcl"  # terraform/env/<workspace>.tfvars → terraform/
    if problem is None and not tfvars.exists():
        problem = f"no {tfvars}: copy {tfvars.parent}/dev.tfvars and adjust"
    if problem is None and not backend.exists():
        problem = f"no {backend}: copy {backend}.example and fill in your state bucket"
    if problem is None and action == "apply":
        region = workspace_region(tfvars)
        if apigateway is None:
            import boto3

            apigateway = boto3.client("apigateway", region_name=region)
        problem = cloudwatch_role_problem(apigateway, region)
    return problem


def workspace_arch(tfvars: Path) -> str:
    """``lambda_architecture`` of the workspace: its tfvars, else the connector's default (the root passes null)."""
    values = tfvars_values(tfvars)
    if "lambda_architecture" in values:
        return str(values["lambda_architecture"])
    return str(module("modules/connector")["variable"]["lambda_architecture"]["default"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    preflight = commands.add_parser("preflight")
    preflight.add_argument("tfvars", type=Path)
    preflight.add_argument("--terraform", default="terraform")
    preflight.add_argument("--action", default="", help="apply: also check the account's API Gateway CloudWatch role")
    arch = commands.add_parser("arch")
    arch.add_argument("tfvars", type=Path)
    arch.add_argument("--requested", default="")
    args = parser.parse_args()
    if args.command == "preflight":
        problem = preflight_problem(args.tfvars, args.terraform, args.action)
        if problem:
            raise SystemExit(problem)
        return
    deployed = workspace_arch(args.tfvars)
    if args.requested and args.requested != deployed:
        source = args.tfvars if args.tfvars.exists() else "the default"
        raise SystemExit(
            f"ARCH={args.requested}, but {source} deploys lambda_architecture = {deployed}: "
            f"drop ARCH= (the workspace decides) or change lambda_architecture"
        )
    print(deployed)


if __name__ == "__main__":
    main()
