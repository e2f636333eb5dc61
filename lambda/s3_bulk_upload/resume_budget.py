"""How many interruptions a read may survive, and the wait before each resume (bounded by the deadline)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .body_pieces import READ_SIZE
from .deadline import Deadline
from .errors import UpstreamError
from .source_session import RetryPolicy

log = logging.getLogger(__name__)


class ResumeBudget:
    """The resumes of one file read (from several range threads at once), counted and paced."""

    def __init__(
        self,
        label: str,
        host: str,
        policy: RetryPolicy,
        deadline: Deadline,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._label = label
        self._host = host
        self._policy = policy
        self._deadline = deadline
        self._sleep = sleep
        self._lock = threading.Lock()
        self.resumes = 0

    def before_resume(
        self, failures_in_a_row: int, progress: int, at_byte: int, error: str, size: int | None, **extra: int
    ) -> int:
        """Count an interruption against the budget (raise when spent), log it, wait; the new count.

        The budget counts interruptions in a row: a resume that moved at least a read's worth of
        bytes forward earns it back. The wait ends before the deadline, or is not started.
        """
        failures_in_a_row = 1 if progress >= READ_SIZE else failures_in_a_row + 1
        if failures_in_a_row > self._policy.max_retries:
            raise UpstreamError(
                f"{self._label}: transfer from {self._host} stopped at byte {at_byte} "
                f"of {size if size is not None else 'unknown'} "
                f"after {self._policy.max_retries} resumes ({error})"
            )
        with self._lock:  # ranges resume from several threads
            self.resumes += 1
            attempt = self.resumes
        log.warning(
            "source interrupted; resuming",
            extra={"file": self._label, "at_byte": at_byte, "attempt": attempt, "error": error, **extra},
        )
        wait = self._policy.backoff(failures_in_a_row)
        self._deadline.check()
        if wait >= self._deadline.seconds_left():
            self._deadline.check()  # raises once the deadline is spent; otherwise wait what is left
            wait = max(0.0, self._deadline.seconds_left())
        self._sleep(wait)
        self._deadline.check()
        return failures_in_a_row
