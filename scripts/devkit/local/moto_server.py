"""An embedded S3 (and Lambda, EventBridge, SQS): the moto server, in this process or its own.

Everything binds to 127.0.0.1; boto3 reaches it through ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

from devkit.local.loopback import LOOPBACK, free_port
from devkit.processes import server_process

REGION = "eu-west-1"


@contextlib.contextmanager
def moto_server(*, in_process: bool = True, port: int | None = None, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Yield the endpoint URL of a moto server.

    ``in_process``: a thread of this process (fast to start; tests can hook its responses).
    Otherwise a process of its own, so its CPU and memory are not the caller's (benchmark, demo);
    ``prefix`` goes before its command (``("taskset", "-c", "1")`` pins it to a core).
    """
    if in_process:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address=LOOPBACK, port=port or 0, verbose=False)
        server.start()
        host, bound = server.get_host_and_port()
        try:
            yield f"http://{host}:{bound}"
        finally:
            server.stop()
        return
    port = port or free_port()
    command = [*prefix, sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]
    endpoint = f"http://{LOOPBACK}:{port}"
    with server_process(command, endpoint + "/moto-api/"):
        yield endpoint


def aws_environment(endpoint: str) -> dict[str, str]:
    """Environment variables that point every boto3 client at ``endpoint`` with dummy credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }


def create_bucket(client: Any, name: str) -> str:
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@contextlib.contextmanager
def head_of_missing_key_is_forbidden() -> Iterator[list[tuple[str, int]]]:
    """S3 under a prefix-scoped role: HeadObject of a missing key answers 403, not 404.

    Hooks the S3 responses of a moto server running in this process; yields the HEADs seen
    as (key, status).
    """
    from moto.s3.responses import S3Response

    original = S3Response.head_object
    heads: list[tuple[str, int]] = []

    def head_object(self: S3Response, bucket_name: str, query: Any, key_name: str, headers: Any) -> Any:
        status, response_headers, body = original(self, bucket_name, query, key_name, headers)
        status = 403 if status == 404 else status
        heads.append((key_name, status))
        return status, response_headers, body

    S3Response.head_object = head_object  # type: ignore[method-assign]
    try:
        yield heads
    finally:
        S3Response.head_object = original  # type: ignore[method-assign]
