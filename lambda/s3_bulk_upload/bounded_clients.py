"""AWS clients for the calls after the transfer (Glue, EventBridge), bounded by the deadline.

botocore's defaults (60 s to connect, 60 s per read, several attempts with back-off) would let a
silent endpoint hold the function past its timeout, after S3 already holds the object. A client
here is made for the moment it is used: its connect and read timeouts are shares of the time left
(at most ``CONNECT_SECONDS`` and ``READ_SECONDS``), its attempts are as many as fit, and each attempt
starts only while one whole attempt still fits before the deadline (a ``before-send`` hook; botocore
emits it before every attempt, retries included). A call cut short raises ``NoTimeLeft``, a
``BotoCoreError`` like the client's other failures, so callers report it as they report those.

Weighed: a per-request timeout does not exist in botocore (a ``Config`` is per client), and
caching one client per timeout value would pile up hooks; making a client costs a few
milliseconds once the SDK's models are loaded, which the first client of the container does.
"""

from __future__ import annotations

import math
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError

from .deadline import Deadline

CONNECT_SECONDS = 5.0
READ_SECONDS = 20.0
MAX_ATTEMPTS = 3
SHORTEST_SECONDS = 0.1


class NoTimeLeft(BotoCoreError):
    fmt = "no time left before the deadline for another attempt of this AWS call"


def bounded_config(deadline: Deadline) -> tuple[BotoConfig, float]:
    """Timeouts and attempts that end inside the time left (one attempt takes at most half of it),
    and the longest an attempt can take."""
    left = deadline.seconds_left()
    connect = max(SHORTEST_SECONDS, min(CONNECT_SECONDS, left / 6))
    read = max(SHORTEST_SECONDS, min(READ_SECONDS, left / 3))
    attempts = MAX_ATTEMPTS if math.isinf(left) else max(1, min(MAX_ATTEMPTS, int(left // (connect + read))))
    config = BotoConfig(
        connect_timeout=connect,
        read_timeout=read,
        retries={"mode": "standard", "total_max_attempts": attempts},
        tcp_keepalive=True,
    )
    return config, connect + read


def bounded_client(service: str, deadline: Deadline) -> Any:
    """A boto3 client for ``service`` whose every attempt ends before ``deadline``."""
    config, attempt_seconds = bounded_config(deadline)
    client = boto3.client(service, config=config)  # type: ignore[call-overload]

    def stop_at_deadline(**_: Any) -> None:
        if deadline.seconds_left() < attempt_seconds:
            raise NoTimeLeft()

    client.meta.events.register("before-send", stop_at_deadline)
    return client
