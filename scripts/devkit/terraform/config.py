"""Terraform configuration as plain Python data, read with python-hcl2 (the contract tests)."""

from __future__ import annotations

from functools import cache
from typing import Any

import hcl2

from devkit.paths import TERRAFORM_DIR, module_dirs

TERRAFORM = TERRAFORM_DIR


def _clean(value: Any) -> Any:
    """python-hcl2 keeps literal quotes and comment metadata: drop both."""
    if isinstance(value, dict):
        return {_unquote(k): _clean(v) for k, v in value.items() if not (k.startswith("__") and k.endswith("__"))}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return _unquote(value)
    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


@cache
def module(relative: str = "") -> dict[str, Any]:
    """All blocks of one module folder, merged: resource[type][name], variable[name], …"""
    merged: dict[str, Any] = {}
    for path in sorted((TERRAFORM / relative).glob("*.tf")):
        with path.open() as handle:
            document = _clean(hcl2.load(handle))
        for block_type, entries in document.items():
            target = merged.setdefault(block_type, {})
            for entry in entries:
                if block_type in ("resource", "data"):
                    for kind, named in entry.items():
                        target.setdefault(kind, {}).update(named)
                elif block_type in ("variable", "output", "module"):
                    target.update(entry)
                else:
                    target.setdefault("_blocks", []).append(entry)
    return merged


def resource(relative: str, kind: str, name: str) -> dict[str, Any]:
    return module(relative)["resource"][kind][name]


def block(value: Any) -> dict[str, Any]:
    """A nested block: python-hcl2 gives a list of one dict."""
    assert isinstance(value, list) and len(value) == 1, value
    return value[0]


MODULE_DIRS = ["" if p == TERRAFORM else str(p.relative_to(TERRAFORM)) for p in module_dirs()]
