"""Structured JSON logs with Powertools for AWS Lambda: one event per line with the Lambda context
keys (``function_name``, ``cold_start``, ``function_request_id``, ``xray_trace_id``) and ``service``
from ``POWERTOOLS_SERVICE_NAME``. Powertools keeps its keys in the formatter, so lines written by
s3transfer's threads carry the request id too.

A last line of defence scrubs URL query strings from every value of every line (message, extra
fields, traceback), so a pre-signed URL's signature cannot reach CloudWatch even through a
library's exception text, and the API key wherever it is named (the ``x-api-key`` header,
``requestContext.identity.apiKey``), in a logged document or in its text.

Powertools' own event logging (``POWERTOOLS_LOGGER_LOG_EVENT=true``, a setting an operator may turn
on in the console) is switched off by the handler, whatever the environment says: the proxy event
holds the API key and the request's pre-signed URLs, and a hand-off event the export's plan. The
handler logs ``log_event_ignored`` instead, so the operator sees why no event line appears.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.shared.constants import LOGGER_LOG_EVENT_ENV
from aws_lambda_powertools.shared.functions import strtobool

PACKAGE = __name__.split(".")[0]
# A query string: "?" right after a non-space character and followed by more. Pre-signed URLs
# carry their signature there; what the path holds (quotes, spaces, unicode, %-escapes) does not
# matter, so a path like /it's.csv cannot hide one.
_QUERY = re.compile(r"(?<=\S)\?[^\s\"]+")
# Signature parameters wherever they stand, in case a query arrives split from its "?".
_CREDENTIAL = re.compile(
    r"(?i)\b(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=[^&\s\"']+"
)
# Names the API key goes by: API Gateway's header and the proxy event's requestContext.identity.apiKey.
_API_KEY_NAME = re.compile(r"(?i)^(x-api-key|apikey)$")
# The same names in text (a dict's repr, a JSON string, a header dump): the value after them.
_API_KEY_IN_TEXT = re.compile(r"""(?i)(\b(?:x-api-key|apikey)\b["']?\s*[:=]\s*\[?\s*["']?)[^"'\s,}\]]+""")
REDACTED = "<redacted>"
T = TypeVar("T")
# Libraries that log request lines (with query strings) or bodies at DEBUG.
_QUIET_LIBRARIES = {"botocore", "boto3", "s3transfer"}
# urllib3 writes the URL it retries (query included) in its warnings; the function logs its own retries.
_SILENT_LIBRARIES = {"urllib3"}


def scrub(text: str) -> str:
    text = _API_KEY_IN_TEXT.sub(rf"\1{REDACTED}", text)
    return _CREDENTIAL.sub(rf"\1={REDACTED}", _QUERY.sub(f"?{REDACTED}", text))


def _scrubbed(value: Any) -> Any:
    """The value with every string scrubbed and every API key redacted; anything JSON cannot hold (an
    exception, say) becomes its text first."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: REDACTED if _API_KEY_NAME.match(str(k)) else _scrubbed(v) for k, v in value.items()}
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


def with_lambda_context(handler: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
    """``handler`` with Powertools' Lambda context keys on every line, and Powertools' event logging
    off whatever ``POWERTOOLS_LOGGER_LOG_EVENT`` says (an explicit choice wins over the environment)."""

    def noting_the_setting(event: Any, context: Any) -> T:
        if _event_logging_requested():
            logger.warning(
                "log_event_ignored: POWERTOOLS_LOGGER_LOG_EVENT is set, but events hold the API key and "
                "pre-signed URLs, so the function does not log them"
            )
        return handler(event, context)

    decorated: Callable[[Any, Any], T] = logger.inject_lambda_context(noting_the_setting, log_event=False)
    return decorated


def _event_logging_requested() -> bool:
    try:
        return strtobool(os.environ.get(LOGGER_LOG_EVENT_ENV, "false"))
    except ValueError:
        return False
