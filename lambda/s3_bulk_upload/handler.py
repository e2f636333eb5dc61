"""Lambda entry point: parse the proxy event, call the connector, shape the answer."""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from . import answers
from .config import Config, load_config
from .errors import ConnectorError
from .handoff import is_handoff
from .logs import request_context, setup_logging
from .request import parse_proxy_event
from .service import Connector, Outcome

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _s3_client(max_pool_connections: int) -> Any:
    # Created once per container and reused: connection reuse matters more than anything else here.
    return boto3.client(
        "s3",
        config=BotoConfig(
            max_pool_connections=max_pool_connections,
            retries={"mode": "standard", "max_attempts": 5},
            tcp_keepalive=True,
            request_checksum_calculation="when_supported",
            signature_version="s3v4",
        ),
    )


@functools.lru_cache(maxsize=1)
def _lambda_client() -> Any:
    return boto3.client("lambda")


def _connector(config: Config) -> Connector:
    return Connector(config, _s3_client(config.max_concurrency + 2), _lambda_client)


def _ok(outcome: Outcome, request_id: str) -> dict[str, Any]:
    where = {"bucket_name": outcome.bucket, "upload_filename": outcome.key, "s3_uri": outcome.s3_uri}
    if outcome.accepted:
        return answers.respond(202, "Accepted", request_id, **where)
    extra = {"s3_url": outcome.s3_url} if outcome.s3_url else {}
    delivered = {"bytes": outcome.bytes, "header": outcome.header, "duplicate": outcome.duplicate}
    return answers.respond(200, "OK", request_id, **where, **delivered, **extra)


def _handle_proxy(event: dict[str, Any], context: Any, request_id: str) -> dict[str, Any]:
    setup_logging("INFO")  # JSON from the first line, even when the configuration is invalid
    try:
        config = load_config(os.environ)
        setup_logging(config.log_level)
        request = parse_proxy_event(event)
        api_request_id = (event.get("requestContext") or {}).get("requestId", "")
        log.info("request received", extra={"api_request_id": api_request_id})
        answer = _ok(_connector(config).accept(request, context, request_id), request_id)
    except ConnectorError as error:
        log.warning(
            "request failed", extra={"status": error.status, "status_code": error.status_code, "reason": error.message}
        )
        return answers.failure(error, request_id)
    except Exception:
        log.exception("unexpected failure")
        return answers.internal_error(request_id)
    log.info("request answered", extra={"status_code": answer["statusCode"]})
    return answer


def _handle_handoff(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Raise on failure, so Lambda's retries and on-failure destination apply.

    The raised exception is new and has no cause: Lambda prints it, and its text is safe.
    """
    setup_logging("INFO")
    try:
        config = load_config(os.environ)
        setup_logging(config.log_level)
        outcome = _connector(config).run_handoff(event, context)
    except ConnectorError as error:
        log.error("asynchronous transfer failed", extra={"status": error.status, "reason": error.message})
        raise RuntimeError(f"{error.status}: {error.message}") from None
    except Exception:
        log.exception("asynchronous transfer failed unexpectedly")
        raise RuntimeError("Error: unexpected failure; see the function's logs") from None
    return {"status": "OK", "s3_uri": outcome.s3_uri, "bytes": outcome.bytes, "duplicate": outcome.duplicate}


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    request_id = str(getattr(context, "aws_request_id", "") or "")
    with request_context(request_id):
        if is_handoff(event):
            return _handle_handoff(event, context)
        if not isinstance(event, dict):
            event = {}
        return _handle_proxy(event, context, request_id)
