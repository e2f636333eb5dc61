"""The Terraform commands the deployment tools run on a workspace, each a method (tests pass a
stand-in binary that records its calls)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Terraform:
    binary: str
    folder: Path | str

    def run(self, *arguments: str, capture: bool = False) -> str:
        result = subprocess.run(
            [self.binary, *arguments], cwd=self.folder, check=True, text=True, capture_output=capture
        )
        return result.stdout if capture else ""

    def selected_workspace(self) -> str:
        return self.run("workspace", "show", capture=True).strip()

    def outputs(self) -> dict[str, Any]:
        """The root outputs' values (none once a destroy has removed them)."""
        raw = self.run("output", "-json", capture=True).strip() or "{}"
        return {name: value["value"] for name, value in json.loads(raw).items()}

    def state(self) -> list[str]:
        return self.run("state", "list", capture=True).split()

    def state_rm(self, addresses: list[str]) -> None:
        self.run("state", "rm", *addresses)

    def destroy(self, tfvars: str) -> None:
        self.run("destroy", "-input=false", "-auto-approve", f"-var-file={tfvars}")
