"""One locked dependency set: pyproject.toml declares, uv.lock pins the closure with hashes, and
the two files pip installs (--require-hashes) are exports of it; the zip holds exactly the runtime set."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from devkit.packaging.build_zip import PLATFORMS, RUNTIME_PYTHON, build
from devkit.packaging.lock import pinned
from devkit.paths import ROOT

UV = Path(sys.executable).parent / "uv"
EXPORTS = {
    "lambda/requirements.lock": ["--no-dev"],
    "requirements-dev.lock": ["--all-groups"],
    "requirements-checkov.lock": ["--project", "scripts/checkov"],  # checkov's own venv
}


def locked(path: str) -> dict[str, tuple[str, str | None]]:
    """name -> (version, marker) of an exported lock; every entry carries at least one hash."""
    entries = pinned(ROOT / path)
    assert all(entry.hashes for entry in entries.values()), f"{path}: an entry without a hash"
    return {name: (entry.version, entry.marker) for name, entry in entries.items()}


def lambda_environment(arch: str) -> dict[str, str]:
    machine = {"arm64": "aarch64", "x86_64": "x86_64"}[arch]
    return {
        "python_version": RUNTIME_PYTHON,
        "python_full_version": f"{RUNTIME_PYTHON}.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": machine,
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }


def runtime_set(arch: str) -> dict[str, str]:
    """The runtime lock's packages that apply in Lambda's Python on ``arch``."""
    environment = lambda_environment(arch)
    return {
        name: version
        for name, (version, marker) in locked("lambda/requirements.lock").items()
        if marker is None or Marker(marker).evaluate(environment)
    }


@pytest.mark.skipif(not UV.exists(), reason="uv is installed from the dev lock")
@pytest.mark.parametrize("path", EXPORTS)
def test_the_installed_files_are_exports_of_uv_lock(path, tmp_path):
    exported = tmp_path / "export.txt"
    subprocess.run(
        [str(UV), "export", "--frozen", "--quiet", "--format", "requirements-txt", "--no-emit-project",
         "--hashes", *EXPORTS[path], "-o", str(exported)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    body = lambda text: text.split("\n", 2)[2]  # noqa: E731 - the header names the output file
    assert body(exported.read_text()) == body((ROOT / path).read_text()), f"{path} is stale: run make lock"


@pytest.mark.skipif(not UV.exists(), reason="uv is installed from the dev lock")
def test_uv_lock_is_the_resolution_of_pyproject():
    for project in (".", "scripts/checkov"):
        command = [str(UV), "lock", "--check", "--offline", "--project", project]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{project}: {result.stderr}"


def test_the_runtime_set_is_the_projects_dependencies_and_their_closure_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    runtime = runtime_set("arm64")
    assert declared <= set(runtime)
    assert "requests" in runtime and {"boto3", "botocore", "s3transfer"} <= set(runtime)
    dev = locked("requirements-dev.lock")
    for name, version in runtime.items():
        assert dev[name][0] == version, f"the dev venv tests {name} {dev[name][0]}, the zip holds {version}"


@pytest.mark.parametrize("arch", PLATFORMS)
def test_every_runtime_package_has_a_locked_wheel_for_lambda(arch):
    """The lock resolves for Python 3.13 on both Lambda architectures: a wheel (with its hash) for each."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    wheels: dict[str, list[str]] = {
        canonicalize_name(p["name"]): [w["url"].rsplit("/", 1)[1] for w in p.get("wheels", [])] for p in lock["package"]
    }
    platform = PLATFORMS[arch]
    major, minor = (int(part) for part in RUNTIME_PYTHON.split("."))
    manylinux = [platform, platform.replace("manylinux2014", "manylinux_2_17")]
    tags = {*cpython_tags((major, minor), platforms=manylinux), *compatible_tags((major, minor), platforms=manylinux)}
    for name in runtime_set(arch):
        assert any(tags & set(parse_wheel_filename(w)[3]) for w in wheels[name]), f"{name}: no wheel for {arch}"


@pytest.fixture(scope="module")
def built_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("lockzip") / "function.zip"
    build(path, "arm64", RUNTIME_PYTHON, bytecode=False)
    return path


def test_the_zip_holds_exactly_the_locked_runtime_set(built_zip):
    names = zipfile.ZipFile(built_zip).namelist()
    bundled = {}
    for name in names:
        match = re.fullmatch(r"([^/]+)-([^-/]+)\.dist-info/METADATA", name)
        if match:
            bundled[canonicalize_name(match.group(1))] = match.group(2)
    assert bundled == runtime_set("arm64")
