"""Regenerate the inputs/outputs tables of terraform/modules/*/README.md (terraform-docs style).

The text above the BEGIN marker is hand-written and kept; the tables between the markers are
rebuilt from variables.tf and outputs.tf. `--check` fails when a README is out of date.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .paths import ROOT
from .tfconfig import TERRAFORM, module

BEGIN, END = "<!-- BEGIN_TF_DOCS -->", "<!-- END_TF_DOCS -->"


def _cell(value: object) -> str:
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def tables(relative: str) -> str:
    config = module(relative)
    lines = ["## Inputs", "", "| Name | Description | Type | Default |", "|---|---|---|---|"]
    for name, variable in config.get("variable", {}).items():
        default = f"`{_cell(variable['default'])}`" if "default" in variable else "required"
        lines.append(
            f"| `{name}` | {_cell(variable.get('description', ''))} | `{_cell(variable.get('type'))}` | {default} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|---|---|"]
    for name, output in config.get("output", {}).items():
        sensitive = " (sensitive)" if output.get("sensitive") else ""
        lines.append(f"| `{name}` | {_cell(output.get('description', ''))}{sensitive} |")
    return "\n".join(lines)


def render(readme: Path, relative: str) -> str:
    text = readme.read_text() if readme.exists() else f"# {relative}\n\n"
    head = text.split(BEGIN, 1)[0].rstrip() + "\n\n"
    return f"{head}{BEGIN}\n{tables(relative)}\n{END}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    folders = [TERRAFORM, *sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir())]
    for folder in folders:
        relative = "" if folder == TERRAFORM else f"modules/{folder.name}"
        readme = folder / "README.md"
        wanted = render(readme, relative)
        if readme.exists() and readme.read_text() == wanted:
            continue
        if args.check:
            stale.append(str(readme.relative_to(ROOT)))
        else:
            readme.write_text(wanted)
            print(f"wrote {readme.relative_to(ROOT)}")
    if stale:
        raise SystemExit("out of date (run make docs): " + ", ".join(stale))


if __name__ == "__main__":
    main()
