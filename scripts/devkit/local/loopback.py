"""Servers on loopback: a threaded HTTP server in the background, free ports, waiting for one to answer."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.request import urlopen

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, seconds: float = 30.0, exited: Callable[[], int | None] | None = None) -> None:
    """Until ``url`` answers; ``exited`` (a process's ``poll``) ends the wait at once when the server has."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=2):  # noqa: S310 - loopback URL we built
                return
        except OSError as exc:
            if "HTTP Error" in str(exc):
                return  # it answers: that is all we wait for
            code = exited() if exited is not None else None
            if code is not None:
                raise RuntimeError(f"{url}: the server exited ({code}) before it answered") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up in {seconds:.0f} s") from None
            time.sleep(0.1)


class _QuietServer(ThreadingHTTPServer):
    """A client that closes its connection early is normal here (a test's failure mode, a cancelled
    range): no traceback for it; anything else is printed as usual."""

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 served from a daemon thread; a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int = 0) -> None:
        self._httpd = _QuietServer((LOOPBACK, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
