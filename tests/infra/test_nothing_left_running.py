"""Every process a make target starts ends with it: on SIGINT (Ctrl-C, to the whole group), on
SIGTERM to make itself, on SIGTERM to the server; and after a linter run. Counted in /proc before
and after; what other work on the machine starts meanwhile (pytest's other worker, the apply suite
that `make test` runs beside pytest) is not counted."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
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


def parent_and_start(pid: int) -> tuple[int, int] | None:
    """A process's parent and start time (clock ticks since boot); None once it has ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[19])  # stat's 4th and 22nd fields


@dataclass
class Before:
    """The machine before a test: the toolkit's processes, every process (by start time, so a reused
    pid is not taken for the old process), and this test's own line of ancestors."""

    toolkit: dict[int, str] = field(default_factory=ours)
    running: dict[int, int] = field(default_factory=dict)
    lineage: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        for entry in Path("/proc").iterdir():
            known = parent_and_start(int(entry.name)) if entry.name.isdigit() else None
            if known is not None:
                self.running[int(entry.name)] = known[1]
        pid = os.getpid()
        while pid > 1:
            self.lineage.add(pid)
            pid = (parent_and_start(pid) or (0, 0))[0]

    def elsewhere(self, pid: int) -> bool:
        """Whether ``pid`` descends from a process that was already running and is not this test's
        ancestor: other work's child. What a make target leaves behind is orphaned to init (or to a
        subreaper among this test's ancestors), so it is never elsewhere."""
        known = parent_and_start(pid)
        while known is not None and known[0] > 1:
            parent = known[0]
            known = parent_and_start(parent)
            if known is not None and self.running.get(parent) == known[1] and parent not in self.lineage:
                return True
        return False

    def new(self) -> dict[int, str]:
        """The toolkit's processes started since, by what this test started."""
        return {pid: command for pid, command in ours().items() if pid not in self.toolkit and not self.elsewhere(pid)}


def left_after(before: Before, seconds: float = 15.0) -> dict[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        left = before.new()
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
    before = Before()
    make = start_serve()
    started = before.new()
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
    before = Before()
    subprocess.run(["make", "--no-print-directory", "tflint"], cwd=ROOT, check=True, capture_output=True)
    assert left_after(before, seconds=2) == {}


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_side_by_side_stopped_with_its_output_piped_ends_what_ran_beside(tmp_path, sent):
    """`make test | tee log`, then Ctrl-C: the reader goes first, and what ran beside (the apply suite,
    in a session of its own) must still be ended."""
    before = Before()
    script = ROOT / "scripts" / "side_by_side.sh"
    command = f"bash {script} {tmp_path / 'beside.log'} 'exec -a devkit.beside sleep 60' 'sleep 60' 2>&1 | cat"
    piped = subprocess.Popen(["bash", "-c", command], start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not any("devkit.beside" in c for c in before.new().values()):
        assert time.monotonic() < deadline, "nothing started beside"
        time.sleep(0.1)
    os.killpg(piped.pid, sent)
    piped.wait(timeout=10)
    assert left_after(before, seconds=5) == {}
