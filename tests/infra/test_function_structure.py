"""The function package's shape: no import cycle (type-only imports included), no module over 300 lines."""

from __future__ import annotations

import ast

import pytest

from devkit.paths import ROOT

PACKAGE = ROOT / "lambda" / "s3_bulk_upload"
MODULES = sorted(PACKAGE.glob("*.py"))


def imports_of(module):
    """The package's modules that ``module`` imports (relative imports, under TYPE_CHECKING too)."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {alias.name for alias in node.names}
    return found


def test_the_function_package_has_no_import_cycle():
    graph = {module.stem: imports_of(module) for module in MODULES}
    done: set[str] = set()

    def visit(name, path):
        assert name not in path, f"import cycle: {' -> '.join([*path, name])}"
        if name in done:
            return
        for imported in sorted(graph.get(name, ())):
            visit(imported, [*path, name])
        done.add(name)

    for name in graph:
        visit(name, [])


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.name)
def test_every_function_module_is_under_300_lines(module):
    assert len(module.read_text().splitlines()) < 300


def test_a_webhook_cold_start_does_not_load_the_distributed_steps_code():
    """The state machine's steps (part copy and counts) are imported by the step invocations only."""
    import subprocess
    import sys

    probe = (
        "import sys, s3_bulk_upload.handler; print(sorted(m for m in sys.modules if m.startswith('s3_bulk_upload')))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "s3_bulk_upload.handler" in loaded
    assert "s3_bulk_upload.distributed_steps" not in loaded and "s3_bulk_upload.part_counts" not in loaded
