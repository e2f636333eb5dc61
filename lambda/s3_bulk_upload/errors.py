"""Failures the connector answers with, each mapped to one row of the contract's answer table."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base class: ``message`` is shown to the caller, so it never holds a URL query or file content."""

    status_code = 500
    status = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(ConnectorError):
    status_code = 400
    status = "BadRequest"


class Conflict(ConnectorError):
    status_code = 409
    status = "Conflict"


class UpstreamError(ConnectorError):
    """A CI360 staging file could not be fetched completely."""

    status_code = 502
    status = "UpstreamError"


class SourceGone(UpstreamError):
    """The staging server refused the file for good (403 expired URL, 404, 410, or the file changed: 412):
    the same URL will not do better, so the distributed path does not retry a part that failed so."""


class DestinationError(ConnectorError):
    """S3 refused or failed the write."""


class ConfigError(ConnectorError):
    """A Lambda environment variable holds a value the connector cannot use."""


class DeadlineExceeded(ConnectorError):
    """The transfer was stopped before the Lambda timeout could kill it mid-write."""
