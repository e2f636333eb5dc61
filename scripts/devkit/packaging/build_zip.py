"""Build the Lambda deployment zip: handler package at the root plus every library it imports.

The SDK (boto3, botocore, s3transfer) is bundled at the versions the tests use: the one inside
Lambda's Python runtime varies by runtime version and Region.

Byte-for-byte reproducible: fixed timestamps, permissions and order, no caches, no scripts
with machine-specific shebangs. Dependencies are installed as wheels for the Lambda
platform (not this machine's), so the zip is the same whatever builds it. Bytecode is
compiled by an interpreter of the runtime's Python version (Lambda cannot write it: /var/task
is read-only, so without it every cold start compiles botocore, ~0.8 s instead of ~0.2 s),
with hash-based invalidation and the path /var/task recorded, so it does not depend on file
times or on the build folder.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from devkit.paths import LAMBDA_DIR, ROOT

PACKAGE = LAMBDA_DIR / "s3_bulk_upload"
REQUIREMENTS = LAMBDA_DIR / "requirements.lock"  # exported from uv.lock, with hashes (make lock)
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
RUNTIME_PYTHON = "3.13"
TASK_ROOT = "/var/task"  # where Lambda unpacks the zip: the path tracebacks name
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_ZIP_BYTES = 25 * 1024 * 1024
# Nothing the function runs: caches of other interpreters, console scripts (their shebang names
# the build machine), and the install RECORDs (they hash those scripts, so they differ from
# machine to machine).
EXCLUDED_PARTS = {"bin", "tests", "test"}
EXCLUDED_NAMES = {"RECORD"}
# Parts of bundled libraries the function never imports (Powertools' REST/OpenAPI event handler
# alone is 2.2 MB, a Swagger UI bundle included).
EXCLUDED_TREES = ("aws_lambda_powertools/event_handler/",)


def install_dependencies(target: Path, arch: str, python_version: str) -> None:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-compile", "--no-deps", "--only-binary=:all:", "--require-hashes",
            "--platform", PLATFORMS[arch], "--implementation", "cp", "--python-version", python_version,
            "--target", str(target), "--requirement", str(REQUIREMENTS),
        ],
        check=True,
    )  # fmt: skip


def runtime_interpreter(python_version: str) -> str | None:
    """An interpreter of the runtime's version: this one, ``pythonX.Y`` on PATH, or pyenv's."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python_version:
        return sys.executable
    candidates = [shutil.which(f"python{python_version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{python_version}.*/bin/python{python_version}"))
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == python_version:
            return candidate
    return None


def compile_bytecode(tree: Path, interpreter: str) -> None:
    subprocess.run(
        [
            interpreter, "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
            "-s", str(tree), "-p", TASK_ROOT, str(tree),
        ],
        check=True,
    )  # fmt: skip


def bytecode_tag(python_version: str) -> str:
    return "cpython-" + python_version.replace(".", "")


def included(path: Path, root: Path, python_version: str) -> bool:
    parts = path.relative_to(root).parts
    if not path.is_file() or EXCLUDED_PARTS.intersection(parts) or path.name in EXCLUDED_NAMES:
        return False
    if path.relative_to(root).as_posix().startswith(EXCLUDED_TREES):
        return False
    if "__pycache__" in parts or path.suffix in {".pyc", ".pyo"}:
        return parts[-2:-1] == ("__pycache__",) and path.name.endswith(f".{bytecode_tag(python_version)}.pyc")
    return True


def write_zip(root: Path, output: Path, python_version: str = RUNTIME_PYTHON) -> None:
    """Zip ``root`` with fixed metadata so equal trees give equal bytes."""
    files = sorted(
        (p for p in root.rglob("*") if included(p, root, python_version)), key=lambda p: p.relative_to(root).as_posix()
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w") as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=FIXED_TIME)
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)


def build(output: Path, arch: str, python_version: str = RUNTIME_PYTHON, *, bytecode: bool = True) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "package"
        install_dependencies(staging, arch, python_version)
        shutil.copytree(PACKAGE, staging / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        if bytecode:
            interpreter = runtime_interpreter(python_version)
            if interpreter is None:
                print(
                    f"warning: no Python {python_version} here: the zip has no bytecode (slower cold starts, "
                    "and not byte-identical to builds that have it)",
                    file=sys.stderr,
                )
            else:
                compile_bytecode(staging, interpreter)
        write_zip(staging, output, python_version)
    size = output.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise SystemExit(f"{output} is {size} bytes, over the {MAX_ZIP_BYTES} byte budget")
    return hashlib.sha256(output.read_bytes()).hexdigest()


BUILD_CACHE = ROOT / "build" / "function-zip"
KEPT_BUILDS = 4  # the newest cached zips kept (one per source state: older edits are not asked for again)


def inputs_digest(arch: str, python_version: str) -> str:
    """What a build's bytes depend on: the package's files, the lock, this builder, the target, and
    the interpreter that compiles the bytecode."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(REQUIREMENTS.read_bytes() + Path(__file__).read_bytes())
    interpreter = runtime_interpreter(python_version)
    compiler = "none"
    if interpreter is not None:
        probe = [interpreter, "-c", "import sys; print(sys.version)"]
        compiler = subprocess.run(probe, capture_output=True, text=True, check=True).stdout.strip()
    digest.update(f"{arch} {python_version} {compiler}".encode())
    return digest.hexdigest()[:32]


def cached_build(output: Path, arch: str, python_version: str = RUNTIME_PYTHON) -> None:
    """``build`` once per set of inputs, kept under build/function-zip/: the suites and the toolkit ask
    for the same zip many times, from several processes at once. The first builds (to a file of its
    own, renamed into place) while the others wait on its lock. ``make package`` builds afresh."""
    key = inputs_digest(arch, python_version)
    cached = BUILD_CACHE / f"{key}.zip"
    if not cached.exists():
        BUILD_CACHE.mkdir(parents=True, exist_ok=True)
        with (BUILD_CACHE / f".{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not cached.exists():
                descriptor, name = tempfile.mkstemp(dir=BUILD_CACHE, prefix=".building-")
                os.close(descriptor)
                try:
                    build(Path(name), arch, python_version)
                    os.replace(name, cached)
                finally:
                    Path(name).unlink(missing_ok=True)
                kept = sorted((p.stat().st_mtime, p) for p in BUILD_CACHE.glob("[0-9a-f]*.zip"))
                for _, old in kept[:-KEPT_BUILDS]:
                    old.unlink(missing_ok=True)
                    old.with_name(f".{old.stem}.lock").unlink(missing_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached, output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "dist" / "s3_bulk_upload.zip")
    parser.add_argument("--arch", choices=sorted(PLATFORMS), default="arm64", help="Lambda architecture")
    parser.add_argument("--python-version", default=RUNTIME_PYTHON, help="Lambda runtime's Python version")
    args = parser.parse_args()
    digest = build(args.output, args.arch, args.python_version)
    # The architecture beside the zip: what a later look (or a person) can check against the workspace's.
    args.output.with_name(args.output.name + ".arch").write_text(args.arch + "\n")
    print(f"{args.output}  {args.output.stat().st_size} bytes  {args.arch}  sha256 {digest}")


if __name__ == "__main__":
    main()
