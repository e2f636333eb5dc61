"""Where things are in the checkout (the toolkit is installed editable, so this is the work tree)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAMBDA_DIR = ROOT / "lambda"
TERRAFORM_DIR = ROOT / "terraform"
EXAMPLES_DIR = ROOT / "examples"
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
