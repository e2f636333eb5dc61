"""Processes the toolkit starts end with whoever started them: on SIGINT, SIGTERM, or the parent's death.

- ``dies_with_parent``: a ``preexec_fn`` for child servers (moto, the staging server, the Lambda
  emulator). Linux's parent-death signal ends the child when the process that started it dies,
  even by SIGKILL; elsewhere it does nothing.
- ``stopped_by_signals``: SIGTERM (and SIGHUP) raise ``SystemExit`` in the main thread, so
  ``with`` blocks and ``finally`` clauses stop the servers they started; ``make`` passes SIGTERM
  on to nothing, so a long-running target also watches its parent and stops when it is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from types import FrameType

from devkit.local.loopback import wait_for

_PR_SET_PDEATHSIG = 1


def dies_with_parent() -> None:
    """In the child, before exec: receive SIGTERM when the parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@contextlib.contextmanager
def server_process(command: list[str], ready_url: str, *, seconds: float = 120.0) -> Iterator[None]:
    """A server in a process of its own (its CPU is not the caller's) that ends with the caller:
    started, awaited until ``ready_url`` answers, terminated (then killed) on the way out. One that
    exits first, or does not answer in ``seconds`` (generous: a loaded machine, such as `make test`
    running both suites at once, starts it slowly), fails with the end of what it wrote."""
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=errors,
        preexec_fn=dies_with_parent,  # noqa: PLW1509 - the parent-death signal only
    )
    try:
        try:
            wait_for(ready_url, seconds, exited=process.poll)
        except RuntimeError as exc:
            errors.seek(0)
            written = errors.read().decode(errors="replace").strip().splitlines()[-20:]
            raise RuntimeError(f"{exc}; its last lines:\n" + "\n".join(written)) from None
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()


def _exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def stopped_by_signals(watch_parent: bool = True) -> Iterator[None]:
    """Within: SIGTERM/SIGHUP end the main thread through SystemExit (so cleanup runs); with
    ``watch_parent``, the same happens when the parent process is gone (``make`` was killed)."""
    previous = {sig: signal.signal(sig, _exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    stop = threading.Event()
    if watch_parent:
        parent = os.getppid()

        def watch() -> None:
            while not stop.wait(0.5):
                if os.getppid() != parent:
                    os.kill(os.getpid(), signal.SIGTERM)
                    return

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    try:
        yield
    finally:
        stop.set()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
