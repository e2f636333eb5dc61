"""The built zip under AWS's Lambda Runtime Interface Emulator, started the way the managed runtime
starts it: ``python3.13 -m awslambdaric <handler>`` over the unpacked zip (cwd as ``/var/task``),
with a runtime folder (awslambdaric and the runtime's own, older SDK) after it on the path.

Events go in over HTTP (``POST /2015-03-31/functions/function/invocations``); the emulator and
the runtime write START / END / REPORT and the function's own lines to one log, as CloudWatch
would receive them. The emulator is built from its Go module by ``make tools``; where it is
missing, ``available()`` says why and callers fall back to the in-process runner.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from devkit.local.loopback import LOOPBACK, free_port
from devkit.paths import ROOT
from devkit.processes import dies_with_parent

RIE = ROOT / ".tools" / "bin" / "aws-lambda-rie"
INVOCATIONS = "/2015-03-31/functions/function/invocations"
# The emulator reports the INIT phase (runtime start and the handler's import) as Lambda does.
_INIT_DURATION = re.compile(r"INIT REPORT\(durationMs: ([0-9.]+)\)")
_FIRST_INVOKE = re.compile(r"INVOKE RTDONE\(status: \w+, produced bytes: \d+, duration: ([0-9.]+)ms\)")
# Lines the emulator and the runtime write themselves (CloudWatch gets START/END/REPORT from Lambda).
RUNTIME_LINE = re.compile(r"(START|END|REPORT) RequestId: |\d{2} \w{3} \d{4} [\d:,]+ \[\w+\] \(rapid\) ")


def available() -> str | None:
    """None when the emulator is built; otherwise one line saying why not and what to do."""
    if RIE.exists() and os.access(RIE, os.X_OK):
        return None
    where = RIE.relative_to(ROOT)
    return f"AWS's Lambda Runtime Interface Emulator is not built ({where}): `make tools` builds it (needs Go)"


def is_error(answer: Any) -> bool:
    """The runtime's error payload (``errorType``, ``errorMessage``: what Lambda answers with
    ``X-Amz-Function-Error``), not an answer the handler returned."""
    return isinstance(answer, dict) and {"errorType", "errorMessage"} <= set(answer) and "statusCode" not in answer


@dataclass
class EmulatedFunction:
    """One function under the emulator; a context manager. ``path`` is the import path, the unpacked
    zip first (it is also the working directory, as /var/task is)."""

    python: str
    path: list[Path]
    handler: str
    environment: dict[str, str]
    timeout_seconds: int = 900
    memory_mb: int = 1769
    function_name: str = "ci360-s3-bulk-upload-local"
    port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}{INVOCATIONS}"

    def start(self) -> EmulatedFunction:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        task = self.path[0]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": os.pathsep.join(str(p) for p in self.path),
            "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only
            "LAMBDA_TASK_ROOT": str(task),
            "AWS_LAMBDA_FUNCTION_NAME": self.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_mb),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(self.timeout_seconds),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "local",
            **self.environment,
        }
        command = [
            str(RIE),
            "--runtime-interface-emulator-address", f"{LOOPBACK}:{self.port}",
            "--runtime-api-address", f"{LOOPBACK}:{free_port()}",
            # -S: this machine's site-packages are not the runtime's; the path is what Lambda's is.
            self.python, "-S", "-m", "awslambdaric", self.handler,
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            cwd=task,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the runtime too
            preexec_fn=dies_with_parent,  # noqa: PLW1509 - Linux parent-death signal, no other work
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, seconds: float = 20.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the emulator exited ({self._process.returncode}):\n{self.logs()[-4000:]}")
            try:
                with contextlib.closing(__import__("socket").create_connection((LOOPBACK, self.port), timeout=1)):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the emulator did not listen in {seconds:.0f} s") from None
                time.sleep(0.05)

    def invoke(self, event: Any, timeout: float | None = None) -> Any:
        """The function's answer to ``event`` (one invocation at a time, as one execution environment)."""
        body = json.dumps(event).encode()
        request = Request(self.url, data=body, method="POST", headers={"Content-Type": "application/json"})  # noqa: S310
        with self._lock:
            try:
                with urlopen(request, timeout=timeout or self.timeout_seconds + 30) as response:  # noqa: S310 - loopback
                    return json.loads(response.read() or b"null")
            except URLError as error:
                raise RuntimeError(f"the emulator did not answer: {error}\n{self.logs()[-4000:]}") from None

    def logs(self) -> str:
        """Everything the emulator and the function wrote so far, as CloudWatch would receive it."""
        if self._log is None:
            return ""
        self._log.flush()
        position = self._log.tell()
        self._log.seek(0)
        text = self._log.read().decode("utf-8", "replace")
        self._log.seek(position)
        return text

    def init_durations_ms(self) -> list[float]:
        return [float(ms) for ms in _INIT_DURATION.findall(self.logs())]

    def invoke_durations_ms(self) -> list[float]:
        return [float(ms) for ms in _FIRST_INVOKE.findall(self.logs())]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> EmulatedFunction:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def emulated(
    python: str, path: list[Path], handler: str, environment: dict[str, str], **options: Any
) -> Iterator[EmulatedFunction]:
    with EmulatedFunction(python, path, handler, environment, **options) as function:
        yield function
