"""A local stand-in for CI360's staging bucket: files behind "pre-signed" URLs, failing on demand.

Answers as a pre-signed S3 GET does: ``Range`` honoured (206 + ``Content-Range``), an
unsatisfiable range (any range of an empty file) is ``416`` with ``Content-Range: bytes */<size>``,
``ETag`` and ``Accept-Ranges: bytes`` on every 200/206, ``If-Match`` on the ETag (412 when the file
changed), HEAD refused (a URL signed for GET rejects it), ``Content-Encoding`` sent as stored.
Files are held in memory (``put``) or mapped from disk (``put_file``, for large exports). Binds
to 127.0.0.1.

``python -m devkit.local.staging serve-files FOLDER --port N`` serves the files of a folder (as they
are at each request) in a process of its own (the benchmark).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import mmap
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from devkit.local.loopback import LOOPBACK, LoopbackServer, free_port
from devkit.processes import server_process

SIGNATURE = "5ec7e75ec7e7deadbeef"
SIGNATURE_QUERY = f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature={SIGNATURE}"
_RANGE = re.compile(r"bytes=(\d+)-(\d*)")
_SMALL_WRITE = 64 * 1024  # the step of the fault modes (drops, stalls, delays)
_LARGE_WRITE = 1024 * 1024


@dataclass
class Behaviour:
    """How the server answers one path. Counters fall to zero as failures are served."""

    status: int | None = None  # answer this status instead of the file...
    status_times: int = 10**9  # ...this many times, then serve normally
    drop_after: int | None = None  # close the connection after this many body bytes...
    drop_times: int = 10**9  # ...on this many responses
    honour_range: bool = True
    truncate_at: int | None = None  # always stop the body here (Content-Length stays full)
    delay_per_chunk: float = 0.0  # sleep after every 64 KiB
    stall_seconds: float = 0.0  # go silent this long (before the headers, or after stall_after bytes)...
    stall_after: int | None = None  # ...None: before the headers
    stall_times: int = 0  # ...on this many responses
    retry_after: int | None = None  # with ``status``: a Retry-After header (seconds)
    drip_after: int | None = None  # after this many body bytes, one byte every ``drip_seconds``
    drip_seconds: float = 2.0
    ignore_if_match: bool = False  # a server that serves whatever it holds now
    content_encoding: str | None = None  # sent as the object's stored Content-Encoding
    send_etag: bool = True
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass
class Served:
    content: bytes | mmap.mmap  # a test may replace it: the ETag follows
    behaviour: Behaviour = field(default_factory=Behaviour)
    fixed_etag: str | None = None

    @property
    def etag(self) -> str:
        if self.fixed_etag is not None:
            return self.fixed_etag
        return '"' + hashlib.md5(self.content).hexdigest() + '"'  # noqa: S324 - as S3 computes it for one part


def staged_url(base: str, path: str) -> str:
    """The pre-signed-looking URL of ``path`` on the server at ``base`` (percent-encoded as S3 signs it;
    an apostrophe stays as it is, as in a key named ``it's.csv``)."""
    encoded = quote(path.lstrip("/"), safe="/'")
    return f"{base}/{encoded}?{SIGNATURE_QUERY}"


def _mapped(file: Path) -> Served:
    """A file served without reading it into memory; its ETag comes from size and time."""
    stat = file.stat()
    with file.open("rb") as handle:
        content = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if stat.st_size else b""
    return Served(content, fixed_etag=f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"')


class StagingServer(LoopbackServer):
    """``rate_limit``: bytes per second on each connection (S3 serves about 85-90 MB/s per GET
    connection, less across Regions); None: as fast as loopback goes."""

    def __init__(self, port: int = 0, folder: Path | None = None, rate_limit: float | None = None) -> None:
        self.files: dict[str, Served] = {}
        self.rate_limit = rate_limit
        self.folder = folder.resolve() if folder else None  # files not put are looked up here
        self.requests: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:  # a URL signed for GET rejects HEAD
                self.send_response(403)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                server._serve(self)

        super().__init__(Handler, port)

    def put(self, path: str, content: bytes, behaviour: Behaviour | None = None) -> str:
        """Stage ``content`` and return its pre-signed-looking URL."""
        self.files[path] = Served(content, behaviour or Behaviour())
        return staged_url(self.base_url, path)

    def put_file(self, path: str, file: Path) -> str:
        """Stage a file without reading it into memory (mapped)."""
        self.files[path] = _mapped(file)
        return staged_url(self.base_url, path)

    def _lookup(self, path: str) -> Served | None:
        served = self.files.get(path)
        if served is None and self.folder is not None:
            file = (self.folder / path.lstrip("/")).resolve()
            if file.parent == self.folder and file.is_file():
                return _mapped(file)
        return served

    def gets(self, path: str) -> list[dict[str, str]]:
        return [r for r in self.requests if r["path"] == path]

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(h.path).path)
        range_header = h.headers.get("Range", "")
        with self._lock:
            self.requests.append(
                {"path": path, "range": range_header, "raw": h.path, "if_match": h.headers.get("If-Match", "")}
            )
            served = self._lookup(path)
            b = served.behaviour if served else Behaviour()
            failing_status = served is not None and b.status is not None and b.status_times > 0
            if failing_status:
                b.status_times -= 1
            stalling = b.stall_times > 0
            if stalling:
                b.stall_times -= 1
        if stalling and b.stall_after is None:
            time.sleep(b.stall_seconds)
        if served is None or failing_status:
            error = b"<Error><Code>AccessDenied</Code></Error>"
            h.send_response(404 if served is None else int(b.status or 403))
            if b.retry_after is not None and served is not None:
                h.send_header("Retry-After", str(b.retry_after))
            h.send_header("Content-Length", str(len(error)))
            h.end_headers()
            h.wfile.write(error)
            return
        content, start, etag = served.content, 0, served.etag
        body: memoryview
        if h.headers.get("If-Match") not in (None, etag) and not b.ignore_if_match:
            h.send_response(412)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        match = _RANGE.fullmatch(range_header)
        if match and b.honour_range and int(match.group(1)) >= len(content):
            error = b"<Error><Code>InvalidRange</Code></Error>"  # S3: unsatisfiable, e.g. any range of an empty file
            h.send_response(416)
            h.send_header("Content-Range", f"bytes */{len(content)}")
            h.send_header("Content-Length", str(len(error)))
            h.end_headers()
            h.wfile.write(error)
            return
        if match and b.honour_range:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else len(content) - 1, len(content) - 1)
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{end}/{len(content)}")
            body = memoryview(content)[start : end + 1]
        else:
            h.send_response(200)
            body = memoryview(content)
        if b.send_length:
            h.send_header("Content-Length", str(len(body)))
        else:
            h.close_connection = True
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Accept-Ranges", "bytes")
        if b.content_encoding:
            h.send_header("Content-Encoding", b.content_encoding)
        if b.send_etag:
            h.send_header("ETag", etag)
        h.end_headers()
        limit = length = len(body)
        with self._lock:  # decided and counted at once: concurrent ranges must not share a drop
            dropping = b.drop_after is not None and b.drop_times > 0 and b.drop_after < limit
            if dropping:
                b.drop_times -= 1
        if dropping and b.drop_after is not None:
            limit = b.drop_after
        if b.truncate_at is not None:
            limit = min(limit, max(0, b.truncate_at - start))
        step = _SMALL_WRITE if (b.delay_per_chunk or stalling or dropping or self.rate_limit) else _LARGE_WRITE
        started = time.monotonic()
        try:
            if b.drip_after is not None and b.drip_after - start < limit:
                self._drip(h, body, max(0, b.drip_after - start), limit, b.drip_seconds)
                return
            for offset in range(0, limit, step):
                if self.rate_limit:  # hold this connection to its rate
                    ahead = offset / self.rate_limit - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                if stalling and b.stall_after is not None and offset >= b.stall_after:
                    h.wfile.flush()
                    time.sleep(b.stall_seconds)
                    stalling = False
                h.wfile.write(body[offset : min(offset + step, limit)])
                if b.delay_per_chunk:
                    time.sleep(b.delay_per_chunk)
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            body.release()
        if limit < length:
            h.close_connection = True
            with contextlib.suppress(OSError):  # the client may have gone already
                h.wfile.flush()
                h.connection.shutdown(2)

    @staticmethod
    def _drip(h: BaseHTTPRequestHandler, body: memoryview, at: int, limit: int, seconds: float) -> None:
        """Send ``at`` bytes at once, then one byte every ``seconds``: a source slower than any read timeout
        notices. Stops after a minute, or when the client goes away."""
        h.wfile.write(body[:at])
        h.wfile.flush()
        stop = time.monotonic() + 60
        for offset in range(at, limit):
            if time.monotonic() > stop:
                break
            time.sleep(seconds)
            h.wfile.write(body[offset : offset + 1])
            h.wfile.flush()
        h.close_connection = True


@contextlib.contextmanager
def staging_process(folder: Path, *, rate_mib: float | None = None, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """``serve-files`` in a process of its own, so its CPU is not the caller's; yields the base URL.

    ``prefix`` goes before the command (``("taskset", "-c", "1")`` pins it to a core).
    """
    port = free_port()
    command = [*prefix, sys.executable, "-m", "devkit.local.staging", "serve-files", str(folder), "--port", str(port)]
    if rate_mib:
        command += ["--rate-mib", str(rate_mib)]
    base = f"http://{LOOPBACK}:{port}"
    with server_process(command, base + "/"):
        yield base


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a folder's files like pre-signed S3 GET URLs")
    parser.add_argument("command", choices=["serve-files"])
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate-mib", type=float, default=None, help="cap each connection at this many MiB/s")
    args = parser.parse_args()
    rate = args.rate_mib * 1024 * 1024 if args.rate_mib else None
    with StagingServer(args.port, folder=args.root, rate_limit=rate) as server:
        print(f"serving {args.root} at {server.base_url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
