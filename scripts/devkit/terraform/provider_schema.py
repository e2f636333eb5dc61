"""The AWS provider's schema, offline, and a check of every ``aws_*`` block against it.

``terraform validate`` needs the provider binary, which cannot be downloaded everywhere. The npm
package ``@cdktn/provider-aws`` is generated from the provider's schema: in
``lib/<resource>/index.js`` each resource's ``synthesizeHclAttributes`` (and each nested block's
``…ToHclTerraform`` function) lists every argument and block with ``isBlock``, and
``index.d.ts`` marks optional fields with ``?`` (its doc link names the HCL attribute).

``python -m devkit.terraform.provider_schema extract`` (``make provider-schema``) packs the pinned package
and writes the schema of the resource and data types the project uses to ``SNAPSHOT``;
``python -m devkit.terraform.provider_schema check`` checks every module and example against it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from devkit.paths import TERRAFORM_DIR, configuration_dirs
from devkit.terraform.config import module

PACKAGE = "@cdktn/provider-aws"
PACKAGE_VERSION = "25.7.0"
SNAPSHOT = Path(__file__).resolve().parent / "aws_provider_schema.json"
# Terraform's own arguments and blocks, valid in every resource.
META = {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"}
_FIELD = re.compile(r"\{@link [^#}]*#(\w+) [^}]*\}\s*\*/\s*readonly (\w+)(\??):", re.S)


def _interface(dts: str, name: str) -> dict[str, bool]:
    """HCL name → required, for one interface of an index.d.ts."""
    match = re.search(rf"export interface {name} (?:extends [\w.]+ )?\{{(.*?)\n\}}", dts, re.S)
    if not match:
        return {}
    return {hcl: not optional for hcl, _, optional in _FIELD.findall(match.group(1))}


def _attrs(js: str, function: str | None) -> str:
    """The ``attrs`` object literal of ``synthesizeHclAttributes`` (None) or of a struct's function."""
    # A method body is indented twice, a function's once.
    opening, closing = (
        ("synthesizeHclAttributes() {", "\n        };")
        if function is None
        else (
            f"function {function}(struct) {{",
            "\n    };",
        )
    )
    begin = js.index("const attrs = {", js.index(opening))
    return js[begin : js.index(closing, begin)]


_ENTRY = re.compile(r"\n\s+(\w+): \{\n\s+value: (.*?),\n\s+isBlock: (true|false),", re.S)


def _schema(js: str, dts: str, function: str | None, interface: str, depth: int = 0) -> dict[str, Any]:
    required = _interface(dts, interface)
    arguments: dict[str, dict[str, bool]] = {}
    blocks: dict[str, dict[str, Any]] = {}
    for name, value, is_block in _ENTRY.findall(_attrs(js, function)):
        if is_block == "false":
            arguments[name] = {"required": required.get(name, False)}
            continue
        struct = re.search(r"(\w+)ToHclTerraform", value)
        nested: dict[str, Any] = {"arguments": {}, "blocks": {}}
        if struct and depth < 6:
            fn = struct.group(1) + "ToHclTerraform"
            nested = _schema(js, dts, fn, struct.group(1)[0].upper() + struct.group(1)[1:], depth + 1)
        blocks[name] = {"required": required.get(name, False), **nested}
    return {"arguments": arguments, "blocks": blocks}


def _folder(kind: str, type_name: str) -> str:
    name = type_name.removeprefix("aws_").replace("_", "-")
    return f"data-aws-{name}" if kind == "data" else name


def _class_name(folder: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in folder.split("-"))


def used_types() -> set[tuple[str, str]]:
    types = set()
    for directory in configuration_dirs():
        config = module(os.path.relpath(directory, TERRAFORM_DIR))
        for kind in ("resource", "data"):
            types |= {(kind, name) for name in config.get(kind, {}) if name.startswith("aws_")}
    return types


def extract(package: Path, types: set[tuple[str, str]]) -> dict[str, Any]:
    meta = json.loads((package / "package.json").read_text())
    schema: dict[str, Any] = {"package": f"{PACKAGE}@{meta['version']}", "provider": meta["cdktn"]["provider"]}
    for kind, type_name in sorted(types):
        folder = _folder(kind, type_name)
        js = (package / "lib" / folder / "index.js").read_text()
        dts = (package / "lib" / folder / "index.d.ts").read_text()
        schema.setdefault(kind, {})[type_name] = _schema(js, dts, None, _class_name(folder) + "Config")
    return schema


def _is_block(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def check_body(body: dict[str, Any], schema: dict[str, Any], where: str) -> list[str]:
    """Problems of one block body against its schema (recursing into nested and dynamic blocks)."""
    problems = []
    present = set()
    for name, value in body.items():
        if name in META:
            continue
        if name == "dynamic":
            for dynamic in value:
                for label, spec in dynamic.items():
                    present.add(label)
                    if label not in schema["blocks"]:
                        problems.append(f"{where}: unknown block {label!r} (dynamic)")
                        continue
                    for content in spec.get("content", []):
                        problems += check_body(content, schema["blocks"][label], f"{where}.{label}")
            continue
        present.add(name)
        if name in schema["arguments"]:
            if _is_block(value) and name not in schema["blocks"]:
                problems.append(f"{where}: {name!r} is an argument, written as a block")
        elif name in schema["blocks"]:
            if not _is_block(value):
                problems.append(f"{where}: {name!r} is a block, written as an argument")
                continue
            for nested in value:
                problems += check_body(nested, schema["blocks"][name], f"{where}.{name}")
        else:
            problems.append(f"{where}: unknown argument or block {name!r}")
    for kind in ("arguments", "blocks"):
        for name, spec in schema[kind].items():
            if spec["required"] and name not in present:
                problems.append(f"{where}: missing required {kind[:-1] if kind == 'blocks' else 'argument'} {name!r}")
    return problems


def check(schema: dict[str, Any], directories: list[Path]) -> list[str]:
    problems = []
    for directory in directories:
        relative = os.path.relpath(directory, TERRAFORM_DIR)
        config = module(relative)
        for kind in ("resource", "data"):
            for type_name, named in config.get(kind, {}).items():
                if not type_name.startswith("aws_"):
                    continue
                if type_name not in schema.get(kind, {}):
                    problems.append(
                        f"{relative}: {kind} {type_name} is not in the schema snapshot (make provider-schema)"
                    )
                    continue
                for name, body in named.items():
                    where = f"{relative}: {kind}.{type_name}.{name}"
                    problems += check_body(body, schema[kind][type_name], where)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["extract", "check"])
    args = parser.parse_args()
    if args.command == "extract":
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", "--silent", f"{PACKAGE}@{PACKAGE_VERSION}"], cwd=tmp, check=True)
            (archive,) = Path(tmp).glob("*.tgz")
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
            schema = extract(Path(tmp) / "package", used_types())
        SNAPSHOT.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
        print(f"wrote {SNAPSHOT.name}: {sum(len(v) for k, v in schema.items() if k in ('resource', 'data'))} types")
        return
    problems = check(json.loads(SNAPSHOT.read_text()), configuration_dirs())
    print("\n".join(problems) or "every aws_* block matches the provider schema")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
