"""Terraform as the field checks it, offline: fmt and loading by Terraform core, the layout and
style of every module, terraform-docs, tflint with the AWS ruleset, and the provider's schema."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from devkit.paths import ROOT, configuration_dirs, example_dirs, module_dirs
from devkit.terraform.config import MODULE_DIRS, TERRAFORM, module
from devkit.terraform.offline import TERRAFORM_DIR, fmt, load

CONNECTOR = "modules/connector"


def test_terraform_fmt_is_clean():
    assert fmt(check=True) == []


@pytest.mark.parametrize("directory", module_dirs(), ids=lambda p: str(p.relative_to(TERRAFORM_DIR.parent)))
def test_every_module_loads_with_terraform_core(directory):
    load(directory)


def test_offline_loader_reports_errors_hidden_by_validation_blocks(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "x" {\n  type = string\n  validation {\n    condition     = var.x != "{"\n'
        '    error_message = "no"\n  }\n}\nresource "a" "b" {\n  count    = 1\n  for_each = {}\n}\n'
    )
    with pytest.raises(SystemExit, match='Invalid combination of "count" and "for_each"'):
        load(tmp_path)


EXAMPLES = [f"../examples/{p.name}" for p in example_dirs()]


@pytest.mark.parametrize("relative", MODULE_DIRS)
def test_module_layout(relative):
    folder = TERRAFORM / relative
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (folder / name).is_file(), f"{relative or 'root'} lacks {name}"
    if relative:
        assert (folder / "README.md").is_file()


@pytest.mark.parametrize("relative", MODULE_DIRS)
def test_every_variable_is_typed_and_described(relative):
    for name, variable in module(relative)["variable"].items():
        assert variable.get("type"), f"{relative}: variable {name} has no type"
        assert variable.get("description"), f"{relative}: variable {name} has no description"


def test_versions_match_terraform_version_file():
    pinned = (ROOT / ".terraform-version").read_text().strip()
    for relative in MODULE_DIRS:
        terraform = module(relative)["terraform"]["_blocks"][0]
        assert f">= {pinned}" in terraform["required_version"]
        # The reusable module states minimum versions only; the deployment and inner modules pin ~> 6.0.
        expected = ">= 6.0" if relative == CONNECTOR else "~> 6.0"
        assert terraform["required_providers"][0]["aws"]["version"] == expected


def test_no_hard_coded_account_region_or_partition():
    for path in TERRAFORM.rglob("*.tf"):
        # Descriptions and error messages may name an example Region; values may not.
        text = "\n".join(
            line for line in path.read_text().splitlines() if not re.match(r"\s*(description|error_message)\s*=", line)
        )
        assert not re.search(r"\b\d{12}\b", text), path
        assert not re.search(r"\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b", text), path
        assert "arn:aws:" not in text.replace('"arn:aws[a-z-]*:', ""), path


def test_example_tfvars_set_only_declared_variables():
    declared = set(module("")["variable"])
    for path in (TERRAFORM / "env").glob("*.tfvars"):
        names = set(re.findall(r"(?m)^([a-z_0-9]+)\s*=", path.read_text()))
        assert names <= declared, f"{path.name}: {names - declared}"
    assert {"dev.tfvars", "prod.tfvars"} <= {p.name for p in (TERRAFORM / "env").glob("*.tfvars")}


def test_module_readmes_list_every_input_and_output():
    for relative in MODULE_DIRS:
        readme = (TERRAFORM / relative / "README.md").read_text()
        for name in module(relative)["variable"]:
            assert f"| {name} |" in readme, f"{relative}/README.md lacks input {name}"
        for name in module(relative)["output"]:
            assert f"| {name} |" in readme, f"{relative}/README.md lacks output {name}"


def test_static_checks_are_configured():
    assert 'plugin "aws"' in (ROOT / ".tflint.hcl").read_text()
    checkov = (ROOT / ".checkov.yaml").read_text()
    skipped = re.findall(r"(?m)^\s*-\s*(CKV2?_AWS_\d+)\s*#\s*(\S.*)$", checkov)
    listed = re.findall(r"(?m)^\s*-\s*(CKV2?_AWS_\d+)", checkov)
    assert len(skipped) == len(listed), "every skipped checkov check needs a one-line justification"
    assert Path(ROOT / ".terraform-version").read_text().strip() == "1.15.5"


TERRAFORM_DOCS = ROOT / ".tools" / "bin" / "terraform-docs"


@pytest.mark.skipif(not TERRAFORM_DOCS.exists(), reason="terraform-docs is built by `make tools`, which needs Go")
@pytest.mark.parametrize("relative", MODULE_DIRS + EXAMPLES)
def test_module_readmes_are_what_terraform_docs_writes(relative):
    import subprocess

    result = subprocess.run(
        [
            str(TERRAFORM_DOCS),
            "--config",
            str(ROOT / ".terraform-docs.yml"),
            "--output-check",
            str(TERRAFORM / relative),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{relative or 'terraform'}/README.md is stale: run make docs\n{result.stderr}"


TFLINT = ROOT / ".tools" / "bin" / "tflint"


def test_tflint_versions_are_pinned_in_one_place():
    makefile = (ROOT / "Makefile").read_text()
    pinned = re.search(r"(?m)^TFLINT_AWS_VERSION\s*:=\s*(\S+)", makefile)
    assert pinned, "the Makefile pins TFLINT_AWS_VERSION"
    assert f'version = "{pinned.group(1)}"' in (ROOT / ".tflint.hcl").read_text()
    assert re.search(r"(?m)^TFLINT_VERSION\s*:=\s*v\d+\.\d+\.\d+$", makefile)


def run_tflint(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """tflint in a session and TMPDIR of its own, ended whole afterwards (it leaves its bundled plugin running)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {"PATH": "/usr/bin:/bin", "TMPDIR": tmp, "TFLINT_PLUGIN_DIR": str(ROOT / ".tools" / "tflint-plugins")}
        process = subprocess.Popen([str(TFLINT), f"--chdir={cwd}", f"--config={ROOT / '.tflint.hcl'}", *arguments],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)  # fmt: skip
        stdout, stderr = process.communicate(timeout=300)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.skipif(not TFLINT.exists(), reason="tflint is built by `make tools`, which needs Go")
def test_tflint_with_the_aws_ruleset_reports_a_core_and_an_aws_finding(tmp_path):
    """The configuration make test lints with really loads the AWS ruleset, and its rules bite: a
    ruleset that loads but checks nothing would not find the invalid runtime."""
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_version = ">= 1.15.5"\n}\n\n'
        'variable "unused" {\n  description = "Declared, never used."\n  type        = string\n}\n\n'
        'resource "aws_lambda_function" "f" {\n  function_name = "f"\n'
        '  role          = "arn:aws:iam::123456789012:role/r"\n'
        '  handler       = "h.handler"\n  runtime       = "python2.8"\n  filename      = "f.zip"\n}\n'
    )
    assert "ruleset.aws (0.48.0)" in run_tflint("--version", cwd=tmp_path).stdout
    result = run_tflint(cwd=tmp_path)
    assert result.returncode != 0
    assert "terraform_unused_declarations" in result.stdout  # a core rule
    assert "aws_lambda_function_invalid_runtime" in result.stdout  # a rule of the AWS ruleset


def provider_schema():
    from devkit.terraform import provider_schema

    return provider_schema, json.loads(provider_schema.SNAPSHOT.read_text())


def test_every_aws_block_of_every_module_and_example_matches_the_provider_schema():
    tool, schema = provider_schema()
    assert tool.check(schema, configuration_dirs()) == []
    assert {t for _, t in tool.used_types()} <= set(schema["resource"]) | set(schema["data"])


def test_the_schema_check_catches_what_validate_would():
    tool, schema = provider_schema()
    function = schema["resource"]["aws_lambda_function"]
    body = {"function_name": "f", "role": "r", "ephemeral_storage": [{"sise": 512}]}
    assert tool.check_body(body, function, "x") == ["x.ephemeral_storage: unknown argument or block 'sise'"]
    assert tool.check_body({"function_name": "f", "role": "r", "ephemeral_storage": {"size": 512}}, function, "x") == [
        "x: 'ephemeral_storage' is a block, written as an argument"
    ]
    assert tool.check_body({"function_name": "f", "role": "r", "handler": [{"a": 1}]}, function, "x") == [
        "x: 'handler' is an argument, written as a block"
    ]
    assert tool.check_body({"role": "r"}, function, "x") == ["x: missing required argument 'function_name'"]
    policy = schema["data"]["aws_iam_policy_document"]
    dynamic = {"dynamic": [{"statement": {"for_each": "${[1]}", "content": [{"actons": ["s3:GetObject"]}]}}]}
    assert tool.check_body(dynamic, policy, "p") == ["p.statement: unknown argument or block 'actons'"]


def test_the_snapshot_is_of_the_provider_version_the_configuration_allows():
    _, schema = provider_schema()
    assert schema["provider"]["name"] == "registry.terraform.io/hashicorp/aws"
    major = schema["provider"]["version"].split(".")[0]
    for relative in MODULE_DIRS:
        constraint = module(relative)["terraform"]["_blocks"][0]["required_providers"][0]["aws"]["version"]
        assert constraint in (f"~> {major}.0", f">= {major}.0"), (relative, constraint)
