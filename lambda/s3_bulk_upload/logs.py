"""Structured JSON logs, one event per line, carrying the request id.

A last line of defence scrubs URL query strings from every message and traceback, so a
pre-signed URL's signature cannot reach CloudWatch even through a library's exception text.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

# A plain global, not a ContextVar: s3transfer reads the source in its own threads, and Lambda
# runs one invocation at a time per process.
_request_id = ""
# "?query" after a URL or an absolute path: pre-signed URLs carry their signature there.
_QUERY = re.compile(r"((?:[a-zA-Z][a-zA-Z0-9+.-]*://|/)[^\s\"'?]*)\?[^\s\"']*")
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Libraries that log request lines (with query strings) or bodies at DEBUG.
_QUIET_LIBRARIES = ("urllib3", "botocore", "boto3", "s3transfer")


def scrub(text: str) -> str:
    return _QUERY.sub(r"\1?<redacted>", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": _request_id,
        }
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and not name.startswith("_"):
                document[name] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            document["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(document, default=str)


def setup_logging(level: str) -> None:
    """Format every root handler (Lambda's runtime installs one) as JSON; add stdout if none."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        if not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
    root.setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))


@contextlib.contextmanager
def request_context(request_id: str) -> Iterator[None]:
    global _request_id  # noqa: PLW0603
    previous, _request_id = _request_id, request_id
    try:
        yield
    finally:
        _request_id = previous
