#!/usr/bin/env python3
"""Local stand-ins for the cloud: an embedded S3 (moto server) and a CI360-like staging file server.

Used by the demo, the local API endpoint and the benchmark. Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

LOOPBACK = "127.0.0.1"
STAGING_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=local0demo0signature"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=2):  # noqa: S310 - loopback URL we built
                return
        except OSError as exc:
            if "HTTP Error" in str(exc):
                return  # it answers: that is all we wait for
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not come up in {seconds:.0f} s") from None
            time.sleep(0.1)


@contextlib.contextmanager
def moto_server(port: int | None = None) -> Iterator[str]:
    """An S3 endpoint in its own process, so its CPU and memory are not the caller's."""
    port = port or free_port()
    command = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://{LOOPBACK}:{port}"
    try:
        wait_for(endpoint + "/moto-api/")
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class StagingHandler(BaseHTTPRequestHandler):
    """Serves files from a folder like a pre-signed S3 GET: Range honoured, HEAD refused."""

    protocol_version = "HTTP/1.1"
    root: Path = Path()

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        name = self.path.split("?", 1)[0].lstrip("/")
        path = (self.root / name).resolve()
        if not name or self.root.resolve() not in path.parents or not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        size = path.stat().st_size
        start, end = 0, size - 1
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match and size:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(200)
        length = max(0, end - start + 1)
        self.send_header("Content-Length", str(length))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        with path.open("rb") as source, contextlib.suppress(BrokenPipeError, ConnectionResetError):
            source.seek(start)
            remaining = length
            while remaining:
                sent = os.sendfile(self.wfile.fileno(), source.fileno(), start + length - remaining, remaining)
                if not sent:
                    break
                remaining -= sent


@contextlib.contextmanager
def staging_server(root: Path, port: int = 0) -> Iterator[str]:
    """Serve ``root`` on loopback in a thread; yields the base URL."""
    handler = type("Handler", (StagingHandler,), {"root": root})
    httpd = ThreadingHTTPServer((LOOPBACK, port), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def staged_url(base: str, name: str) -> str:
    return f"{base}/{name}?{STAGING_QUERY}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["serve-files"])
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    with staging_server(args.root, args.port) as url:
        print(f"serving {args.root} at {url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
