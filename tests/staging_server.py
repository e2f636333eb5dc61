"""A local stand-in for CI360's staging bucket: serves files behind "pre-signed" URLs and fails on demand."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

SIGNATURE_QUERY = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=5ec7e75ec7e7deadbeef"


@dataclass
class Behaviour:
    """How the server answers one path. Counters fall to zero as failures are served."""

    status: int | None = None  # answer this status instead of the file...
    status_times: int = 10**9  # ...this many times, then serve normally
    drop_after: int | None = None  # close the connection after this many body bytes...
    drop_times: int = 10**9  # ...on this many responses
    honour_range: bool = True
    truncate_at: int | None = None  # always stop the body here (Content-Length stays full)
    delay_per_chunk: float = 0.0
    stall_seconds: float = 0.0  # go silent this long (before the headers, or after stall_after bytes)...
    stall_after: int | None = None  # ...None: before the headers
    stall_times: int = 0  # ...on this many responses


@dataclass
class Served:
    content: bytes
    behaviour: Behaviour = field(default_factory=Behaviour)


class StagingServer:
    def __init__(self) -> None:
        self.files: dict[str, Served] = {}
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

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def start(self) -> StagingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def put(self, path: str, content: bytes, behaviour: Behaviour | None = None) -> str:
        """Stage ``content`` and return its pre-signed-looking URL."""
        self.files[path] = Served(content, behaviour or Behaviour())
        return f"http://127.0.0.1:{self.port}{path}?{SIGNATURE_QUERY}"

    def gets(self, path: str) -> list[dict[str, str]]:
        return [r for r in self.requests if r["path"] == path]

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        path = urlsplit(h.path).path
        range_header = h.headers.get("Range", "")
        with self._lock:
            self.requests.append(
                {"path": path, "range": range_header, "raw": h.path, "if_match": h.headers.get("If-Match", "")}
            )
            served = self.files.get(path)
            b = served.behaviour if served else None
            failing_status = b is not None and b.status is not None and b.status_times > 0
            if failing_status:
                b.status_times -= 1
            dropping = b is not None and b.drop_after is not None and b.drop_times > 0
            stalling = b is not None and b.stall_times > 0
            if stalling:
                b.stall_times -= 1
        if stalling and b.stall_after is None:
            time.sleep(b.stall_seconds)
        if served is None or failing_status:
            status = 404 if served is None else b.status
            body = b"<Error><Code>AccessDenied</Code></Error>"
            h.send_response(status)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        content, start = served.content, 0
        etag = '"' + hashlib.md5(content).hexdigest() + '"'  # an ETag, as S3 computes it for a single-part object
        if h.headers.get("If-Match") not in (None, etag):
            h.send_response(412)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", range_header)
        if match and b.honour_range:
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) else len(content) - 1
            end = min(end, len(content) - 1)
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{end}/{len(content)}")
            body = memoryview(content)[start : end + 1]
        else:
            h.send_response(200)
            body = memoryview(content)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("ETag", etag)
        h.end_headers()
        limit = len(body)
        if dropping and b.drop_after < limit:
            limit = b.drop_after
            with self._lock:
                b.drop_times -= 1
        if b.truncate_at is not None:
            limit = min(limit, max(0, b.truncate_at - start))
        try:
            step = 64 * 1024
            for offset in range(0, limit, step):
                if stalling and b.stall_after is not None and offset >= b.stall_after:
                    h.wfile.flush()
                    time.sleep(b.stall_seconds)
                    stalling = False
                h.wfile.write(body[offset : min(offset + step, limit)])
                if b.delay_per_chunk:
                    time.sleep(b.delay_per_chunk)
        except (BrokenPipeError, ConnectionResetError):
            return
        if limit < len(body):
            h.close_connection = True
            h.wfile.flush()
            h.connection.shutdown(2)
