"""The apply suite: our Terraform planned, applied, planned again and destroyed by the real AWS
provider against one moto server (``devkit.terraform.moto_apply``). Skipped, in one line, where
``make provider`` has not built the provider (no Go)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devkit.local.loopback import LOOPBACK, free_port
from devkit.processes import server_process
from devkit.terraform import moto_apply


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = moto_apply.provider_missing()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "tests/apply/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def moto_for_terraform() -> Iterator[str]:
    """A moto server of its own (its CPU is not the test's) that reads back as AWS does where the
    provider depends on it (devkit.terraform.moto_as_aws), with AWS's managed IAM policies. One per
    test file: a file's applies start from an empty account whichever worker runs it after which file."""
    port = free_port()
    command = [sys.executable, "-m", "devkit.terraform.moto_as_aws", "-H", LOOPBACK, "-p", str(port)]
    endpoint = f"http://{LOOPBACK}:{port}"
    with server_process(command, endpoint + "/moto-api/"):
        yield endpoint


@pytest.fixture(scope="session")
def function_zip(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The function's zip for this machine, which the suite's moto runs under the runtime emulator
    (devkit.terraform.moto_as_aws); None where the emulator or Python 3.13 is missing (a stand-in
    is deployed then, and the invoke test says why it is skipped)."""
    from devkit.packaging import artifact, build_zip

    runtime = artifact.lambda_runtime()
    if artifact.emulator_missing(runtime) is not None:
        return None
    path = tmp_path_factory.mktemp("function") / "s3_bulk_upload.zip"
    build_zip.cached_build(path, artifact.machine_arch(), runtime.version)
    return path


@pytest.fixture(scope="module")
def configuration(moto_for_terraform: str, function_zip: Path | None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of terraform/ and examples/ per test file (its own state), each root with its override file."""
    fixtures = Path(__file__).resolve().parent / "fixtures"
    target = tmp_path_factory.mktemp("tf-apply")
    return moto_apply.copy_configuration(target, moto_for_terraform, fixtures, function_zip)


@pytest.fixture(scope="module")
def terraform_env(moto_for_terraform: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("tf-home")
    return moto_apply.environment(moto_for_terraform, moto_apply.cli_configuration(home), home)


@pytest.fixture(scope="module")
def root(configuration: Path, terraform_env: dict[str, str]) -> Callable[[str], moto_apply.Root]:
    """A root of the copy (``terraform``, ``terraform/bootstrap``, ``examples/complete``, …), initialised once."""
    made: dict[str, moto_apply.Root] = {}

    def get(relative: str) -> moto_apply.Root:
        if relative not in made:
            made[relative] = moto_apply.Root(configuration / relative, terraform_env)
            made[relative].init()
        return made[relative]

    return get


@pytest.fixture(scope="module")
def aws(moto_for_terraform: str) -> Callable[..., Any]:
    """boto3 clients of the suite's moto server: ``aws("s3")``, ``aws("iam", region="us-east-1")``."""

    def client(service: str, region: str = "eu-west-1") -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=moto_for_terraform,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return client
