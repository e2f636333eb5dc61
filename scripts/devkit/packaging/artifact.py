"""The built zip as Lambda runs it: unpacked, on the runtime's Python, with a runtime SDK behind it.

``python -m devkit.packaging.artifact import-time`` builds the zip for this machine and reports the
handler's cold import time (``python -X importtime``, no bytecode written, as on Lambda's
read-only /var/task). ``python -m devkit.packaging.artifact cold-start`` reports the INIT duration the
Runtime Interface Emulator measures for the zip, for a boto3-only handler (the yardstick) and for a
handler that imports only the libraries the connector loads at INIT (boto3, requests, Powertools and
zlib-ng: what no code of ours can take away), median of 5 each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.local import rie
from devkit.packaging import build_zip
from devkit.packaging.lock import pinned
from devkit.paths import ROOT

BOOTSTRAP = Path(__file__).resolve().parent / "lambda_bootstrap.py"
SDK_CACHE = ROOT / "build" / "runtime-sdk"
# The SDK a python3.13 runtime carried in late 2024: too old for what the function asks of botocore.
OLD_RUNTIME_SDK = "1.35.49"
# The runtime interface client the managed python3.13 runtime starts the function with.
AWSLAMBDARIC = "4.2.2"


@dataclass(frozen=True)
class DeployedFunction:
    """What Terraform deploys, read from the modules (not retyped): handler, runtime, architecture."""

    handler: str
    runtime: str
    architecture: str

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")


def deployed_function() -> DeployedFunction:
    from devkit.terraform.config import module, resource

    assert resource("modules/lambda", "aws_lambda_function", "this")["handler"] == "${var.handler}"
    lambda_inputs = module("modules/lambda")["variable"]
    connector = module("modules/connector")["variable"]
    return DeployedFunction(
        handler=lambda_inputs["handler"]["default"],
        runtime=connector["lambda_runtime"]["default"],
        architecture=connector["lambda_architecture"]["default"],
    )


def pinned_sdk_version() -> str:
    """The boto3 version the zip bundles (and the tests use)."""
    boto3 = pinned(build_zip.REQUIREMENTS).get("boto3")
    if boto3 is None:
        raise LookupError(f"no boto3 pin in {build_zip.REQUIREMENTS}")
    return boto3.version


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
    """The zip for this machine and the runtime's version (built once per source state), unpacked as
    Lambda's /var/task."""
    zip_path = folder / "s3_bulk_upload.zip"
    build_zip.cached_build(zip_path, machine_arch(), runtime.version)
    task = folder / "task"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(task)
    return task


def runtime_sdk(version: str, runtime: Runtime) -> Path:
    """A folder holding what a Lambda runtime's /var/runtime holds: its runtime interface client
    (awslambdaric) and boto3 ``version`` with its dependencies. Built once, cached under build/."""
    target = SDK_CACHE / f"py{runtime.version}-boto3-{version}-awslambdaric-{AWSLAMBDARIC}"
    if (target / ".complete").exists():
        return target
    # Installed beside it and renamed into place: pytest's workers and the apply suite, which
    # `make test` runs side by side, may ask for the same folder at once.
    SDK_CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=SDK_CACHE, prefix=".installing-"))
    try:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                "--no-warn-conflicts",  # the folder is the runtime's, not this venv's: its boto3 differs
                "--only-binary=:all:", "--python-version", runtime.version, "--implementation", "cp",
                "--target", str(staging), "--upgrade", f"boto3=={version}", f"botocore=={version}",
                f"awslambdaric=={AWSLAMBDARIC}",
            ],
            check=True,
        )  # fmt: skip
        (staging / ".complete").touch()
        if target.exists() and not (target / ".complete").exists():  # an install interrupted in place
            shutil.rmtree(target, ignore_errors=True)
        try:
            staging.rename(target)
        except OSError:
            if not (target / ".complete").exists():  # unless another process was first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
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


def emulator_missing(runtime: Runtime) -> str | None:
    """Why the zip cannot run under the runtime emulator here, in one line; None when it can."""
    return rie.available() or (
        None if runtime.is_lambda_version else f"no Python {build_zip.RUNTIME_PYTHON} for the Lambda runtime"
    )


def runner_description(runtime: Runtime) -> str:
    """Which way ``run_artifact`` runs the zip here, in one line."""
    missing = emulator_missing(runtime)
    if missing is None:
        return f"AWS's Runtime Interface Emulator + awslambdaric {AWSLAMBDARIC} on {runtime.describe()}"
    return f"{missing}; falling back to the in-process bootstrap on {runtime.describe()}"


@dataclass(frozen=True)
class ArtifactRun:
    answers: list[Any]
    logs: str
    emulated: bool


def run_artifact(
    runtime: Runtime,
    path: list[Path],
    handler: str,
    events: list[Any],
    env: dict[str, str],
    *,
    timeout_seconds: int = 900,
) -> ArtifactRun:
    """Invoke the unpacked zip with ``events``, one after the other in one execution environment:
    under the emulator where it is built (and Python 3.13 is here), else in-process (one interpreter
    per event)."""
    if emulator_missing(runtime) is None:
        with rie.emulated(runtime.python, path, handler, env, timeout_seconds=timeout_seconds) as function:
            answers = [function.invoke(event) for event in events]
            return ArtifactRun(answers, function.logs(), emulated=True)
    invocations = [invoke(runtime, path, event, env, remaining_ms=timeout_seconds * 1000) for event in events]
    return ArtifactRun([i.answer for i in invocations], "\n".join(i.logs for i in invocations), emulated=False)


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


YARDSTICKS = {
    "boto3 only": ("boto3_only", "The smallest function that uses the SDK: the cold-start yardstick.", ["boto3"]),
    "libraries": (
        "libraries_only",
        "The libraries the connector is built on, imported as it imports them, and no code of ours.",
        ["boto3", "requests", "aws_lambda_powertools.logging", "aws_lambda_powertools.metrics", "zlib_ng.zlib_ng"],
    ),
}


def yardstick_source(doc: str, modules: list[str]) -> str:
    imports = "".join(f"import {module}  # noqa: F401\n" for module in modules)
    return f'"""{doc}"""\n{imports}\n\ndef handler(event, context):\n    return {{}}\n'


def cold_starts(rounds: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """INIT durations (ms) that the emulator reports for the zip and for the yardsticks, handlers that
    import only boto3 or only the connector's libraries (the same bundled copies, with their
    bytecode), one fresh execution environment per round, rotating which goes first."""
    runtime = lambda_runtime()
    missing = emulator_missing(runtime)
    if missing is not None:
        raise SystemExit(f"cold starts are measured under the emulator: {missing}")
    handler = deployed_function().handler
    with tempfile.TemporaryDirectory() as tmp:
        task = build_and_unpack(Path(tmp), runtime)
        minimal = Path(tmp) / "minimal"
        minimal.mkdir()
        sdk = runtime_sdk(OLD_RUNTIME_SDK, runtime)
        env = {"POWERTOOLS_SERVICE_NAME": "cold-start", "POWERTOOLS_METRICS_NAMESPACE": "ColdStart",
               "s3_bucket_name": "cold-start", "AWS_DEFAULT_REGION": "eu-west-1"}  # fmt: skip
        contenders = {"connector": ([task, sdk], handler)}
        for name, (module, doc, modules) in YARDSTICKS.items():
            (minimal / f"{module}.py").write_text(yardstick_source(doc, modules))
            contenders[name] = ([minimal, task, sdk], f"{module}.handler")
        durations: dict[str, list[float]] = {name: [] for name in contenders}
        first_invocations: dict[str, list[float]] = {name: [] for name in contenders}
        names = list(contenders)
        for round_number in range(rounds):
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                path, entry = contenders[name]
                with rie.emulated(runtime.python, path, entry, env) as function:
                    function.invoke({})
                    durations[name].extend(function.init_durations_ms()[:1])
                    first_invocations[name].extend(function.invoke_durations_ms()[:1])
    return durations, first_invocations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["import-time", "cold-start"])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.command == "cold-start":
        durations, first = cold_starts(args.rounds)
        medians = {name: statistics.median(values) for name, values in durations.items()}
        print(f"INIT duration under the emulator (INIT REPORT), median of {args.rounds} cold starts each:")
        for name, values in durations.items():
            print(
                f"  {name:<11} {medians[name]:6.0f} ms   (rounds: {', '.join(f'{v:.0f}' for v in values)}; "
                f"first invocation median {statistics.median(first[name]):.0f} ms)"
            )
        for name in YARDSTICKS:
            # Each round's two cold starts ran one after the other: their ratio leaves out how the
            # machine's speed drifts between rounds, which on a shared host moves every median.
            paired = [c / y for c, y in zip(durations["connector"], durations[name], strict=True)]
            print(
                f"  ratio       {medians['connector'] / medians[name]:.2f}x the {name} handler "
                f"(round by round: median {statistics.median(paired):.2f}x, {min(paired):.2f}–{max(paired):.2f}x)"
            )
        print(f"  libraries   {medians['libraries'] / medians['boto3 only']:.2f}x the boto3 only handler")
        return
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
