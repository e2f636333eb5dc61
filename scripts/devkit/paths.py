"""Where things are in the checkout (the toolkit is installed editable, so this is the work tree)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_DIR = ROOT / "lambda"
TERRAFORM_DIR = ROOT / "terraform"
EXAMPLES_DIR = ROOT / "examples"
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def module_dirs() -> list[Path]:
    """The workspace root, then each module under terraform/modules."""
    return [TERRAFORM_DIR, *sorted(p for p in (TERRAFORM_DIR / "modules").iterdir() if p.is_dir())]


def example_dirs() -> list[Path]:
    return sorted(p for p in EXAMPLES_DIR.iterdir() if p.is_dir())


def configuration_dirs() -> list[Path]:
    """Every Terraform configuration in the project: modules, the bootstrap, the examples."""
    return [*module_dirs(), TERRAFORM_DIR / "bootstrap", *example_dirs()]
