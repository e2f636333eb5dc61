"""`make smoke` and `make teardown` build their AWS clients in the workspace's Region (its
``aws_region`` output, else its tfvars'), never the caller's default Region, and work where no
default Region is set at all."""

from __future__ import annotations

import json
import sys

import pytest

from devkit.deployment import smoke, teardown

OUTPUTS = {
    "ci360_webhook_url": "https://abc.execute-api.eu-west-3.amazonaws.com/dev/upload",
    "ci360_api_key": "k3y",
    "bucket_name": "ci360-s3-dev-exports-123456789012",
    "s3_key_prefix": "ci360/",
    "glue_database_name": "ci360",
    "function_name": "ci360-s3-dev",
}
FAKE_TERRAFORM = """#!{python}
import sys
if sys.argv[1:3] == ["output", "-json"]:
    print({outputs!r})
"""


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A Terraform folder: a stand-in terraform answering `output -json`, and env/dev.tfvars."""

    def make(outputs, caller_region):
        fake = tmp_path / "terraform"
        document = json.dumps({name: {"value": value} for name, value in outputs.items()})
        fake.write_text(FAKE_TERRAFORM.format(python=sys.executable, outputs=document))
        fake.chmod(0o755)
        (tmp_path / "env").mkdir(exist_ok=True)
        (tmp_path / "env" / "dev.tfvars").write_text('aws_region = "eu-west-3"\nname_prefix = "ci360-s3"\n')
        for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
            monkeypatch.delenv(name, raising=False)
        if caller_region:
            monkeypatch.setenv("AWS_DEFAULT_REGION", caller_region)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))  # no Region from a profile either
        return str(fake), str(tmp_path)

    return make


CASES = [
    ({}, None, "eu-west-3"),  # no default Region anywhere: the tfvars'
    ({}, "us-east-1", "eu-west-3"),  # the caller's default Region is not the workspace's
    ({"aws_region": "ap-southeast-2"}, "us-east-1", "ap-southeast-2"),  # the output, where the root has it
]


@pytest.mark.parametrize(("extra_outputs", "caller_region", "expected"), CASES)
def test_smoke_builds_its_clients_in_the_workspaces_region(
    workspace, monkeypatch, extra_outputs, caller_region, expected
):
    fake, folder = workspace({**OUTPUTS, **extra_outputs}, caller_region)
    used: dict[str, str] = {}

    def run_smoke(s3, *args, glue=None, **kwargs):
        used.update(s3=s3.meta.region_name, glue=glue.meta.region_name)
        return smoke.SmokeReport(ok=True)

    monkeypatch.setattr(smoke, "run_smoke", run_smoke)
    argv = ["smoke", "--terraform", fake, "--terraform-dir", folder, "--tfvars", "env/dev.tfvars"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        smoke.main()
    assert exited.value.code == 0
    assert used == {"s3": expected, "glue": expected}


@pytest.mark.parametrize(("extra_outputs", "caller_region", "expected"), CASES)
def test_teardown_builds_its_clients_in_the_workspaces_region(
    workspace, monkeypatch, extra_outputs, caller_region, expected
):
    fake, folder = workspace({**OUTPUTS, **extra_outputs}, caller_region)
    used: dict[str, str] = {}

    def run_teardown(binary, terraform_dir, name, tfvars, aws, **kwargs):
        used.update({kind: client.meta.region_name for kind, client in vars(aws).items()})
        return True

    monkeypatch.setattr(teardown, "teardown", run_teardown)
    argv = [
        "teardown",
        "--terraform",
        fake,
        "--terraform-dir",
        folder,
        "--workspace",
        "dev",
        "--tfvars",
        "env/dev.tfvars",
    ]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        teardown.main()
    assert exited.value.code == 0
    assert used == {"s3": expected, "lambda_": expected, "sts": expected}
