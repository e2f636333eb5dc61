"""The time a request may spend waiting: the Lambda timeout less a reserve for a clean abort (pure).

Every network wait (connect, each socket read, a retry's pause, a server's ``Retry-After``) is
bounded by ``seconds_left()``, and ``check()`` stops the work once it is spent, so the function
answers (and aborts its multipart upload) before Lambda would stop it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .errors import DeadlineExceeded

# Time kept back from the Lambda timeout: enough for the in-flight parts and a clean abort.
# A share of the time left, so short timeouts still work.
RESERVE_SHARE = 0.2
RESERVE_MAX_SECONDS = 90.0
STOPPED = (
    "the transfer was stopped before the Lambda timeout and nothing was written; "
    "raise the function timeout or use delivery_mode=async for exports this large"
)


class Deadline:
    """Stop before the Lambda timeout: ``remaining_ms`` is ``context.get_remaining_time_in_millis``."""

    def __init__(self, remaining_ms: Callable[[], int] | None, reserve_seconds: float) -> None:
        self._remaining_ms = remaining_ms
        self._reserve_ms = reserve_seconds * 1000

    @classmethod
    def for_context(cls, context: object) -> Deadline:
        remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
        if remaining_ms is None:
            return cls(None, 0)
        return cls(remaining_ms, min(RESERVE_MAX_SECONDS, RESERVE_SHARE * remaining_ms() / 1000))

    @classmethod
    def unbounded(cls) -> Deadline:
        return cls(None, 0)

    def seconds_left(self) -> float:
        """Seconds before the reserve starts (infinite without a context)."""
        if self._remaining_ms is None:
            return math.inf
        return (self._remaining_ms() - self._reserve_ms) / 1000

    def bound(self, seconds: float) -> float:
        """``seconds``, or less when the deadline comes first (never below a millisecond)."""
        return max(0.001, min(seconds, self.seconds_left()))

    def check(self) -> None:
        if self.seconds_left() <= 0:
            raise DeadlineExceeded(STOPPED)
