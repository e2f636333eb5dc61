"""Checks a workspace target makes before it builds or runs anything (one clear line each), and the
architecture the workspace deploys.

``python -m devkit.deployment.workspace preflight TFVARS`` checks the Terraform version against
``.terraform-version``, the tfvars file and ``backend.hcl``; ``arch TFVARS [--requested ARCH]``
prints the architecture the workspace deploys (its tfvars, else the variable's default) and
refuses an ``ARCH=`` given on the command line that differs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from pathlib import Path

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


def workspace_arch(tfvars: Path) -> str:
    """``lambda_architecture`` of the workspace: its tfvars, else the connector's default (the root passes null)."""
    if tfvars.exists():
        with tfvars.open() as handle:
            values = hcl2.load(handle)
        if "lambda_architecture" in values:
            return str(values["lambda_architecture"]).strip('"')
    return str(module("modules/connector")["variable"]["lambda_architecture"]["default"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    preflight = commands.add_parser("preflight")
    preflight.add_argument("tfvars", type=Path)
    preflight.add_argument("--terraform", default="terraform")
    arch = commands.add_parser("arch")
    arch.add_argument("tfvars", type=Path)
    arch.add_argument("--requested", default="")
    args = parser.parse_args()
    if args.command == "preflight":
        tfvars = args.tfvars
        problem = version_problem(args.terraform)
        backend = tfvars.parent.parent / "backend.hcl"  # terraform/env/<workspace>.tfvars → terraform/
        if problem is None and not tfvars.exists():
            problem = f"no {tfvars}: copy {tfvars.parent}/dev.tfvars and adjust"
        if problem is None and not backend.exists():
            problem = f"no {backend}: copy {backend}.example and fill in your state bucket"
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
