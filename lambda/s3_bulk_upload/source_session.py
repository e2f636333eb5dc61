"""The HTTP session every staging-file read goes through: urllib3's retries, bounded by the deadline.

Connection errors and 429/5xx answers are retried with backoff by urllib3's ``Retry`` (the library
made for it); ``DeadlineRetry`` only refuses a pause (backoff or a server's ``Retry-After``) that
would end after the deadline, so no wait outlives the invocation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .deadline import Deadline

BACKOFF_MAX_SECONDS = 10.0
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_seconds: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2.0 ** (attempt - 1), BACKOFF_MAX_SECONDS)


class RetryPastDeadline(Exception):
    """A retry's pause (backoff or the server's Retry-After) would end after the deadline."""

    def __init__(self, seconds: float, status: int | None) -> None:
        super().__init__(seconds, status)
        self.seconds = seconds
        self.status = status


class DeadlineRetry(Retry):
    """urllib3's retries, whose every pause, a server's ``Retry-After`` included, ends before the deadline."""

    def __init__(self, *args: Any, deadline: Deadline | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline or Deadline.unbounded()

    def new(self, **kw: Any) -> DeadlineRetry:
        kw.setdefault("deadline", self.deadline)
        return super().new(**kw)

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        after = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        seconds = after if after is not None else self.get_backoff_time()
        self.deadline.check()  # a timeout cut short by the deadline ends here
        if seconds >= self.deadline.seconds_left():
            raise RetryPastDeadline(seconds, response.status if response is not None else None)
        if seconds > 0:
            time.sleep(seconds)


def make_session(policy: RetryPolicy, connections: int = 1, deadline: Deadline | None = None) -> requests.Session:
    """A session whose adapter retries connection errors and 429/5xx answers with backoff, within the deadline."""
    retry = DeadlineRetry(
        total=policy.max_retries,
        connect=policy.max_retries,
        read=policy.max_retries,
        status=policy.max_retries,
        backoff_factor=policy.backoff_seconds,
        backoff_max=BACKOFF_MAX_SECONDS,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
        deadline=deadline,
    )
    session = requests.Session()
    # No proxies or .netrc from the environment: the URL alone decides where the bytes come from.
    session.trust_env = False
    adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=connections + 1)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"Accept-Encoding": "identity", "User-Agent": "ci360-s3-bulk-upload"})
    return session
