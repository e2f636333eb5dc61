#!/usr/bin/env python3
"""Build the Lambda deployment zip: handler package at the root plus runtime dependencies.

Byte-for-byte reproducible: fixed timestamps, permissions and order, no caches, no scripts
with machine-specific shebangs. Dependencies are installed as wheels for the Lambda
platform (not this machine's), so the zip is the same whatever builds it.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lambda" / "s3_bulk_upload"
REQUIREMENTS = ROOT / "lambda" / "requirements.txt"
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_ZIP_BYTES = 5 * 1024 * 1024
# Nothing the function runs: caches, console scripts (their shebang names the build machine),
# and the install RECORDs (they hash those scripts, so they differ from machine to machine).
EXCLUDED_PARTS = {"__pycache__", "bin", "tests", "test"}
EXCLUDED_NAMES = {"RECORD"}


def install_dependencies(target: Path, arch: str, python_version: str) -> None:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--no-deps", "--only-binary=:all:",
            "--platform", PLATFORMS[arch], "--implementation", "cp", "--python-version", python_version,
            "--target", str(target), "--requirement", str(REQUIREMENTS),
        ],
        check=True,
    )  # fmt: skip


def included(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return (
        path.is_file()
        and not EXCLUDED_PARTS.intersection(parts)
        and path.name not in EXCLUDED_NAMES
        and path.suffix not in {".pyc", ".pyo"}
    )


def write_zip(root: Path, output: Path) -> None:
    """Zip ``root`` with fixed metadata so equal trees give equal bytes."""
    files = sorted((p for p in root.rglob("*") if included(p, root)), key=lambda p: p.relative_to(root).as_posix())
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=FIXED_TIME)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)


def build(output: Path, arch: str, python_version: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "package"
        install_dependencies(staging, arch, python_version)
        shutil.copytree(PACKAGE, staging / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        write_zip(staging, output)
    size = output.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise SystemExit(f"{output} is {size} bytes, over the {MAX_ZIP_BYTES} byte budget")
    return hashlib.sha256(output.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "dist" / "s3_bulk_upload.zip")
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64", help="Lambda architecture")
    parser.add_argument("--python-version", default="3.13", help="Lambda runtime's Python version")
    args = parser.parse_args()
    digest = build(args.output, args.arch, args.python_version)
    print(f"{args.output}  {args.output.stat().st_size} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
