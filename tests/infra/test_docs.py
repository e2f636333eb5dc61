"""The README promises match the code: variables and defaults, make targets, named files."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from devkit.paths import ROOT
from devkit.terraform.config import module
from s3_bulk_upload.config import Config

README = (ROOT / "README.md").read_text()
ENV_NAMES = {  # Config field → environment variable
    "bucket": "s3_bucket_name",
    "key_prefix": "s3_key_prefix",
}


def table_rows(heading: str) -> dict[str, str]:
    section = README.split(heading, 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"(?m)^\| `([a-z0-9_]+)` \| ([^|]+) \|", section)
    return {name: default.strip() for name, default in rows}


def hcl_default(value: object) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if value is None:
        return "`null`"
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if isinstance(value, dict) and not value:
        return "`{}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def test_every_terraform_variable_is_documented_with_its_default():
    """The README shows the default that applies: the connector's, for the inputs the root passes through."""
    documented = table_rows("### Terraform variables")
    variables = module("")["variable"]
    connector = module("modules/connector")["variable"]
    assert set(documented) == set(variables)
    for name, variable in variables.items():
        effective = connector[name] if name in connector and name != "lambda_zip_path" else variable
        expected = hcl_default(effective["default"]) if "default" in effective else "required"
        assert documented[name] == expected, name


def test_every_lambda_variable_is_documented_with_its_default():
    documented = table_rows("### Lambda environment variables")
    defaults = Config(bucket="x")
    for field in dataclasses.fields(Config):
        name = ENV_NAMES.get(field.name, field.name)
        assert name in documented, name
        if field.name == "bucket":
            assert documented[name] == "required"
            continue
        value = getattr(defaults, field.name)
        if isinstance(value, tuple):
            value = ",".join(value)
        shown = str(value).lower() if isinstance(value, bool) else '""' if value == "" else str(value)
        assert documented[name] == f"`{shown}`", name


def test_the_performance_figures_and_verdicts_are_the_committed_results():
    """docs/performance.md's marked sections are what devkit.bench.docs renders from the JSON."""
    from devkit.bench import docs as bench_docs

    text = bench_docs.DOC.read_text()
    assert bench_docs.render(text) == text, "docs/performance.md disagrees with its results: make bench-docs"


def test_the_readmes_request_fields_are_the_api_modules_schema():
    from devkit.docs import readme as readme_docs

    text = readme_docs.README.read_text()
    assert readme_docs.render(text) == text, "README.md's request fields are stale: make docs"
    assert "| `sendParameters.s3_filename` | string, at least 1 character | yes |" in text


def test_the_bench_children_report_their_own_peak_memory():
    """VmHWM is reset by exec; ru_maxrss would carry a large parent's figure into the child."""
    import subprocess
    import sys

    code = (
        "import sys; big = bytearray(300 * 1024 * 1024); import subprocess; "
        "print(subprocess.run([sys.executable, '-c', 'from devkit.bench.loopback import peak_rss_mib; "
        "print(peak_rss_mib())'], capture_output=True, text=True).stdout)"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    child_peak = float(child.stdout)
    assert child_peak < 200, child_peak  # not the parent's 300+ MiB


def test_every_make_target_named_exists():
    targets = set(re.findall(r"(?m)^([a-z0-9-]+):", (ROOT / "Makefile").read_text()))
    named = set(re.findall(r"make ([a-z0-9-]+)", README))
    assert named <= targets, named - targets


PROJECT_DIRS = (
    "terraform/",
    "lambda/",
    "scripts/",
    "tests/",
    "docs/",
    ".github/",
    "env/",
    "modules/",
    "dist/",
    "../dist/",
)


@pytest.mark.parametrize(
    "path", sorted({p for p in re.findall(r"`([A-Za-z0-9_./-]+)`", README) if p.startswith(PROJECT_DIRS)})
)
def test_every_file_named_exists(path):
    if path.endswith(("dist/s3_bulk_upload.zip", "dist/s3_bulk_upload.zip.arch")):
        return  # built by make package
    assert any((base / path).exists() for base in (ROOT, ROOT / "terraform", ROOT / "lambda")), path


def test_the_distributed_figures_are_the_committed_results():
    """docs/distributed-performance.md is what devkit.bench.distributed renders from its JSON."""
    from devkit.bench import distributed

    results = json.loads((ROOT / "docs" / "distributed-results.json").read_text())
    rendered = (ROOT / "docs" / "distributed-performance.md").read_text()
    assert distributed.render(results) == rendered, "docs/distributed-performance.md disagrees with its results"
