"""Structured JSON logs with Powertools for AWS Lambda: one event per line with the Lambda context
keys (``function_name``, ``cold_start``, ``function_request_id``, ``xray_trace_id``) and ``service``
from ``POWERTOOLS_SERVICE_NAME``. Powertools keeps its keys in the formatter, so lines written by
s3transfer's threads carry the request id too.

A last line of defence scrubs URL query strings from every value of every line (message, extra
fields, traceback), so a pre-signed URL's signature cannot reach CloudWatch even through a
library's exception text.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

PACKAGE = __name__.split(".")[0]
# A query string: "?" right after a non-space character and followed by more. Pre-signed URLs
# carry their signature there; what the path holds (quotes, spaces, unicode, %-escapes) does not
# matter, so a path like /it's.csv cannot hide one.
_QUERY = re.compile(r"(?<=\S)\?[^\s\"]+")
# Signature parameters wherever they stand, in case a query arrives split from its "?".
_CREDENTIAL = re.compile(
    r"(?i)\b(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=[^&\s\"']+"
)
# Libraries that log request lines (with query strings) or bodies at DEBUG.
_QUIET_LIBRARIES = {"botocore", "boto3", "s3transfer"}
# urllib3 writes the URL it retries (query included) in its warnings; the function logs its own retries.
_SILENT_LIBRARIES = {"urllib3"}


def scrub(text: str) -> str:
    return _CREDENTIAL.sub(r"\1=<redacted>", _QUERY.sub("?<redacted>", text))


def _scrubbed(value: Any) -> Any:
    """The value with every string scrubbed; anything JSON cannot hold (an exception, say) becomes its text first."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value))


class ScrubbingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON line, with every string value scrubbed just before it is written."""

    def serialize(self, log: LogRecord) -> str:
        return super().serialize(_scrubbed(log))


formatter = ScrubbingFormatter(utc=True, use_rfc3339=True)
formatter.append_keys(name="%(name)s")
# Powertools' logger writes to standard output; the function's modules log through it. Its service
# comes from POWERTOOLS_SERVICE_NAME (an argument here would win over the environment).
logger = Logger(logger_formatter=formatter, stream=sys.stdout)


def setup_logging(level: str) -> None:
    """Route the package's and the chatty libraries' loggers through the Powertools handler.

    The runtime's own root handlers get the same formatter, so anything else is JSON and scrubbed too.
    """
    numeric = logging.getLevelName(level)
    logger.setLevel(level)
    logging.getLogger(PACKAGE)  # registered, so that its configuration can be copied
    copy_config_to_registered_loggers(source_logger=logger, log_level=level, include={PACKAGE})
    quiet = logging.getLevelName(max(logging.WARNING, numeric))
    copy_config_to_registered_loggers(source_logger=logger, log_level=quiet, include=set(_QUIET_LIBRARIES))
    for name in _SILENT_LIBRARIES:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    root = logging.getLogger()
    for handler in root.handlers:
        if handler.formatter is not formatter:
            handler.setFormatter(formatter)
