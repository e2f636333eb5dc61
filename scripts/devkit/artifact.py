"""The built zip as Lambda runs it: unpacked, on the runtime's Python, with a runtime SDK behind it.

``python -m devkit.artifact import-time`` builds the zip for this machine and reports the
handler's cold import time (``python -X importtime``, no bytecode written, as on Lambda's
read-only /var/task).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import build_zip
from .paths import ROOT

BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"
SDK_CACHE = ROOT / "build" / "runtime-sdk"
# The SDK a python3.13 runtime carried in late 2024: too old for what the function asks of botocore.
OLD_RUNTIME_SDK = "1.35.49"


def pinned_sdk_version() -> str:
    """The boto3 version the zip bundles (and the tests use)."""
    for line in build_zip.REQUIREMENTS.read_text().splitlines():
        if line.startswith("boto3=="):
            return line.split("==", 1)[1].strip()
    raise LookupError(f"no boto3 pin in {build_zip.REQUIREMENTS}")


def machine_arch() -> str:
    return "arm64" if platform.machine() in ("aarch64", "arm64") else "x86_64"


@dataclass(frozen=True)
class Runtime:
    """An interpreter to run the artifact on, and whether it is the Lambda runtime's version."""

    python: str
    version: str

    @property
    def is_lambda_version(self) -> bool:
        return self.version == build_zip.RUNTIME_PYTHON

    def describe(self) -> str:
        if self.is_lambda_version:
            return f"Python {self.version} (the Lambda runtime's version)"
        return f"Python {self.version}: no Python {build_zip.RUNTIME_PYTHON} here, so NOT the Lambda runtime's version"


def lambda_runtime() -> Runtime:
    interpreter = build_zip.runtime_interpreter(build_zip.RUNTIME_PYTHON)
    if interpreter is not None:
        return Runtime(interpreter, build_zip.RUNTIME_PYTHON)
    return Runtime(sys.executable, f"{sys.version_info.major}.{sys.version_info.minor}")


def build_and_unpack(folder: Path, runtime: Runtime) -> Path:
    """Build the zip for this machine and the runtime's version; unpack it as Lambda's /var/task."""
    zip_path = folder / "s3_bulk_upload.zip"
    build_zip.build(zip_path, machine_arch(), runtime.version)
    task = folder / "task"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task)
    return task


def runtime_sdk(version: str, runtime: Runtime) -> Path:
    """A folder holding boto3 ``version`` and its dependencies, as a Lambda runtime's /var/runtime would."""
    target = SDK_CACHE / f"py{runtime.version}-boto3-{version}"
    if (target / ".complete").exists():
        return target
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
            "--only-binary=:all:", "--python-version", runtime.version, "--implementation", "cp",
            "--target", str(target), "--upgrade", f"boto3=={version}", f"botocore=={version}",
        ],
        check=True,
    )  # fmt: skip
    (target / ".complete").touch()
    return target


def isolated_env(path: list[Path], extra: dict[str, str]) -> dict[str, str]:
    """Only what Lambda would give: the path entries, no site-packages, no user settings."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only
        **extra,
    }


@dataclass(frozen=True)
class Invocation:
    answer: dict[str, Any]
    logs: str


def invoke(
    runtime: Runtime, path: list[Path], event: Any, env: dict[str, str], remaining_ms: int = 900_000
) -> Invocation:
    """One invocation in a fresh interpreter whose import path is ``path`` and the standard library only."""
    command = [runtime.python, "-S", "-P", str(BOOTSTRAP)]
    return invoke_together(command, [event], isolated_env(path, env), cwd=path[0], remaining_ms=remaining_ms)[0]


def invoke_together(
    command: list[str], events: list[Any], env: dict[str, str], *, cwd: Path | None = None, remaining_ms: int = 900_000
) -> list[Invocation]:
    """Each event in an interpreter of its own (``command`` runs the bootstrap), all released at once.

    Every process imports the function first and says so; only when all are ready do the events
    go in, so the invocations really overlap (racing re-deliveries).
    """
    processes = [
        subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True
        )
        for _ in events
    ]
    try:
        for process in processes:
            assert process.stderr is not None
            ready = process.stderr.readline()
            if ready.strip() != "ready":
                raise RuntimeError(f"the function's interpreter did not start:\n{ready}{process.stderr.read()[-4000:]}")
        for process, event in zip(processes, events, strict=True):
            assert process.stdin is not None
            process.stdin.write(json.dumps({"event": event, "remaining_ms": remaining_ms}))
            process.stdin.close()
        invocations = []
        for process in processes:
            assert process.stdout is not None and process.stderr is not None
            stdout, stderr = process.stdout.read(), process.stderr.read()
            if process.wait(timeout=300) != 0:
                raise RuntimeError(f"the function's interpreter failed ({process.returncode}):\n{stderr[-4000:]}")
            *logged, last = stdout.strip().splitlines()  # the function logs to stdout too (Powertools)
            invocations.append(Invocation(json.loads(last), "\n".join(logged) + "\n" + stderr))
        return invocations
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def import_seconds(runtime: Runtime, path: list[Path], rounds: int = 5) -> list[float]:
    """Cumulative import time of the handler module, per fresh interpreter."""
    times = []
    for _ in range(rounds):
        result = subprocess.run(
            [runtime.python, "-S", "-P", "-X", "importtime", "-c", "import s3_bulk_upload.handler"],
            env=isolated_env(path, {}),
            cwd=path[0],
            capture_output=True,
            text=True,
            check=True,
        )
        last = [line for line in result.stderr.splitlines() if line.rstrip().endswith("| s3_bulk_upload.handler")][-1]
        times.append(int(last.split("|")[1]) / 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["import-time"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    runtime = lambda_runtime()
    with tempfile.TemporaryDirectory() as tmp:
        task = build_and_unpack(Path(tmp), runtime)
        size = (Path(tmp) / "s3_bulk_upload.zip").stat().st_size
        times = import_seconds(runtime, [task], args.rounds)
    print(f"{runtime.describe()}")
    print(f"zip {size / 1024 / 1024:.1f} MiB; handler cold import median {statistics.median(times) * 1000:.0f} ms")
    print("  rounds (ms): " + ", ".join(f"{t * 1000:.0f}" for t in times))


if __name__ == "__main__":
    main()
