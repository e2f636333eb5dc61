"""Every process a make target starts ends with it: on SIGINT (Ctrl-C, to the whole group), on
SIGTERM to make itself, on SIGTERM to the server; and after a linter run. Counted in /proc before
and after."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from devkit.local.loopback import free_port
from devkit.paths import ROOT

MARKERS = ("moto.server", "aws-lambda-rie", "awslambdaric", "devkit.", "act-as-bundled-plugin")


def ours() -> dict[int, str]:
    """Processes of the toolkit (servers, the emulator, the runtime, tflint's plugin) now running."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(marker in command for marker in MARKERS):
            found[int(entry.name)] = command.strip()
    return found


def left_after(before: dict[int, str], seconds: float = 15.0) -> dict[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        left = {pid: command for pid, command in ours().items() if pid not in before}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def start_serve() -> subprocess.Popen[str]:
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={free_port()}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a group of its own, as a terminal gives it (Ctrl-C goes to the group)
    )
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + 240
    for line in process.stdout:
        seen.append(line)
        if line.startswith("Local stack up"):
            return process
        if time.monotonic() > deadline:
            break
    process.kill()
    raise AssertionError("make serve did not come up:\n" + "".join(seen))


@pytest.mark.parametrize(
    ("what", "how"),
    [
        ("Ctrl-C", lambda make: os.killpg(make.pid, signal.SIGINT)),
        ("SIGTERM to make", lambda make: make.send_signal(signal.SIGTERM)),
        ("SIGTERM to the server", lambda make: os.kill(server_pid(make.pid), signal.SIGTERM)),
    ],
)
def test_make_serve_leaves_nothing_running(what, how):
    before = ours()
    make = start_serve()
    started = {pid: command for pid, command in ours().items() if pid not in before}
    assert any("moto.server" in c for c in started.values()), started  # there was something to stop
    how(make)
    make.wait(timeout=30)
    assert left_after(before) == {}, what


def server_pid(make_pid: int) -> int:
    for pid, command in ours().items():
        if "devkit.local.demo serve" in command and Path(f"/proc/{pid}/stat").read_text().split()[3] == str(make_pid):
            return pid
    raise AssertionError("no devkit.local.demo serve under make")


def test_make_tflint_leaves_no_plugin_process():
    if not (ROOT / ".tools" / "bin" / "tflint").exists():
        pytest.skip("tflint is not built (no Go)")
    before = ours()
    subprocess.run(["make", "--no-print-directory", "tflint"], cwd=ROOT, check=True, capture_output=True)
    assert left_after(before, seconds=2) == {}
