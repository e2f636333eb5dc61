"""One envelope around the two kinds of event the function receives (``handler`` is the entry point).

A request's life:

1. API Gateway's proxy event (CI360's POST) → ``Connector.accept``: parse and validate (400
   before any download), build the key, check for a previous delivery (duplicate or 409).
2. Small enough (or ``delivery_mode=sync``): transfer now and answer 200 with what landed.
3. Otherwise: send the validated plan to this same function as an asynchronous invocation
   (``InvocationType=Event``) and answer 202 at once.
4. That hand-off event → ``Connector.run_handoff``: check the plan again, transfer; a failure
   raises, so Lambda's retries and the on-failure destination apply.
5. Distributed (``delivery_mode=distributed``, or auto above ``distributed_threshold_bytes``): the
   request is kept in S3 and a Step Functions execution started (202); its steps come back to this
   function as ``{"ci360_distributed": step}`` events (``distributed_steps``); a failing step raises
   an exception named after the failure, which the state machine's Retry and Catch match.

Both paths share the envelope: JSON logs from the first line, the configuration read and
checked, the request id on every log line, and every failure turned into a safe answer.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config as BotoConfig

from . import responses, telemetry
from .bounded_clients import bounded_client
from .config import Config, load_config
from .connector import Connector, Outcome
from .deadline import Deadline
from .distributed import is_step
from .errors import ConnectorError
from .handoff import is_handoff
from .lambda_context import LambdaContext
from .logs import setup_logging, with_lambda_context
from .request import parse_proxy_event

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)
Answer = dict[str, Any]
T = TypeVar("T")


@functools.lru_cache(maxsize=4)
def aws_s3_client(max_pool_connections: int) -> S3Client:
    """Created once per container and reused: connection reuse matters more than anything else here."""
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
def aws_lambda_client() -> LambdaClient:
    return boto3.client("lambda")


def aws_events_client(deadline: Deadline) -> EventBridgeClient:
    """Made when the event is put, after the transfer: timeouts and retries end before the deadline."""
    client: EventBridgeClient = bounded_client("events", deadline)
    return client


def aws_glue_client(deadline: Deadline) -> GlueClient:
    """Made for each catalog step: timeouts and retries end before the deadline (bounded_clients)."""
    client: GlueClient = bounded_client("glue", deadline)
    return client


def aws_s3_readback_client(deadline: Deadline) -> S3Client:
    """Made for an S3 look-up after the transfer (a lost race): bounded by the deadline like the others."""
    client: S3Client = bounded_client("s3", deadline)
    return client


def aws_sfn_client(deadline: Deadline) -> Any:
    """Made for the webhook's StartExecution (and its look-up): bounded by the deadline like the others."""
    return bounded_client("stepfunctions", deadline)


@dataclass(frozen=True)
class Handler:
    """The function, with what it talks to injected: AWS clients (the local stand-ins pass their own)
    and the wait between download retries."""

    s3_client: Callable[[int], S3Client] = aws_s3_client
    lambda_client: Callable[[], LambdaClient] = aws_lambda_client
    events_client: Callable[[Deadline], EventBridgeClient] = aws_events_client
    glue_client: Callable[[Deadline], GlueClient] = aws_glue_client
    sfn_client: Callable[[Deadline], Any] = aws_sfn_client
    s3_readback_client: Callable[[Deadline], S3Client] = aws_s3_readback_client
    sleep: Callable[[float], None] = time.sleep

    def __call__(self, event: Any, context: LambdaContext) -> Answer:
        # Powertools adds the context keys (function_name, cold_start, function_request_id, …) to
        # every log line, and never logs the event (logs.with_lambda_context); the request's metrics
        # are written once, when it ends (or raises).
        try:
            answer: Answer = with_lambda_context(self._handle)(event, context)
        finally:
            telemetry.flush()
        return answer

    def _handle(self, event: Any, context: LambdaContext) -> Answer:
        request_id = str(getattr(context, "aws_request_id", "") or "")
        if is_step(event):
            # Only the state machine's steps need their code (part counts, part copy): a webhook's
            # cold start does not load it.
            from .distributed_steps import Steps  # noqa: PLC0415 - loaded by step invocations only

            return self._envelope(
                lambda connector: _step_result(Steps(connector).run(event, request_id)),
                context,
                failed=_raise_step_failure,
                crashed=_raise_handoff_crash,
            )
        if is_handoff(event):
            return self._envelope(
                lambda connector: _handoff_result(connector.run_handoff(event, context)),
                context,
                failed=_raise_handoff_failure,
                crashed=_raise_handoff_crash,
            )
        proxy_event = event if isinstance(event, dict) else {}
        return self._envelope(
            lambda connector: _accept(connector, proxy_event, context, request_id),
            context,
            failed=lambda error: _answer_failure(error, request_id),
            crashed=lambda: _answer_crash(request_id),
        )

    def _envelope(
        self,
        work: Callable[[Connector], T],
        context: LambdaContext,
        *,
        failed: Callable[[ConnectorError], T],
        crashed: Callable[[], T],
    ) -> T:
        setup_logging("INFO")  # JSON from the first line, even when the configuration is invalid
        try:
            config = load_config(os.environ)
            setup_logging(config.log_level)
            return work(self._connector(config, Deadline.for_context(context)))
        except ConnectorError as error:
            return failed(error)
        except Exception:
            return crashed()

    def _connector(self, config: Config, deadline: Deadline) -> Connector:
        return Connector(
            config,
            self.s3_client(config.max_concurrency + 2),
            self.lambda_client,
            events_client_factory=functools.partial(self.events_client, deadline),
            glue_client_factory=functools.partial(self.glue_client, deadline),
            sfn_client_factory=functools.partial(self.sfn_client, deadline),
            readback_client_factory=functools.partial(self.s3_readback_client, deadline),
            deadline=deadline,
            sleep=self.sleep,
        )


def _accept(connector: Connector, event: dict[str, Any], context: LambdaContext, request_id: str) -> Answer:
    request = parse_proxy_event(event)
    request_context_field = event.get("requestContext")
    api_request_id = request_context_field.get("requestId", "") if isinstance(request_context_field, dict) else ""
    log.info("request received", extra={"api_request_id": api_request_id})
    outcome = connector.accept(request, context, request_id)
    _count(outcome)
    answer = _ok(outcome, request_id)
    log.info("request answered", extra={"status_code": answer["statusCode"]})
    return answer


def _count(outcome: Outcome) -> None:
    """The request's metrics (EMF): a hand-off, a duplicate or a delivery."""
    if outcome.accepted:
        telemetry.counted("HandOffs")
    elif outcome.duplicate:
        telemetry.counted("Duplicates")
    else:
        delivered = outcome.delivered
        telemetry.delivered(
            bytes_delivered=delivered.bytes,
            rows=delivered.rows or 0,
            seconds=delivered.seconds,
            event_failed=outcome.event_published is False,
            catalog_failed=delivered.catalog is not None and delivered.catalog.failed,
        )
        if delivered.catalog is not None and delivered.catalog.conflict:
            telemetry.counted("CatalogConflicts")


def _ok(outcome: Outcome, request_id: str) -> Answer:
    delivered = outcome.delivered
    where = {"bucket_name": delivered.bucket, "upload_filename": delivered.key, "s3_uri": delivered.s3_uri}
    if outcome.accepted:
        return responses.respond(202, "Accepted", request_id, **where)
    extra: dict[str, Any] = {"s3_url": outcome.s3_url} if outcome.s3_url else {}
    if delivered.catalog is not None:
        extra.update(delivered.catalog.answer_fields())
        if delivered.line_breaks_in_fields:  # what Athena's CSV reader will split (see catalog_schema)
            extra["line_breaks_in_fields"] = delivered.line_breaks_in_fields
        if delivered.escape_characters:  # what Athena's CSV reader will drop (see catalog_schema)
            extra["escape_characters"] = delivered.escape_characters
    landed = {"bytes": delivered.bytes, "rows": delivered.rows, "header": delivered.header}
    return responses.respond(200, "OK", request_id, **where, **landed, duplicate=outcome.duplicate, **extra)


def _answer_failure(error: ConnectorError, request_id: str) -> Answer:
    log.warning(
        "request failed", extra={"status": error.status, "status_code": error.status_code, "reason": error.message}
    )
    telemetry.failed(error.status_code)
    return responses.failure(error, request_id)


def _answer_crash(request_id: str) -> Answer:
    log.exception("unexpected failure")
    telemetry.failed(500)
    return responses.internal_error(request_id)


def _handoff_result(outcome: Outcome) -> Answer:
    _count(outcome)
    delivered = outcome.delivered
    return {
        "status": "OK",
        "s3_uri": delivered.s3_uri,
        "bytes": delivered.bytes,
        "rows": delivered.rows,
        "duplicate": outcome.duplicate,
        **(delivered.catalog.answer_fields() if delivered.catalog else {}),
    }


# An asynchronous run raises on failure, so Lambda's retries and on-failure destination apply.
# The raised exception is new and has no cause: Lambda prints it, and its text is safe.


def _raise_handoff_failure(error: ConnectorError) -> Answer:
    log.error("asynchronous transfer failed", extra={"status": error.status, "reason": error.message})
    telemetry.failed(error.status_code)
    raise RuntimeError(f"{error.status}: {error.message}") from None


def _raise_handoff_crash() -> Answer:
    log.exception("asynchronous transfer failed unexpectedly")
    telemetry.failed(500)
    raise RuntimeError("Error: unexpected failure; see the function's logs") from None


def _step_result(result: dict[str, Any] | Outcome) -> Answer:
    """A step's small answer; the complete step's is the delivery, counted as any delivery is."""
    if isinstance(result, Outcome):
        return _handoff_result(result)
    if "upload_aborted" in result:  # the abort step: the delivery failed
        telemetry.failed(int(result["status"]))
    return result


def _raise_step_failure(error: ConnectorError) -> Answer:
    """Raised anew under the failure's own name (``UpstreamError``, ``Conflict``, …): the state machine's
    Retry and Catch match that name. Counted once, by the abort step, not at every retried part."""
    log.warning("distributed step failed", extra={"status": error.status, "reason": error.message})
    raise type(error)(error.message) from None


_default_handler = Handler()


def lambda_handler(event: Any, context: LambdaContext) -> Answer:
    """The function Lambda calls (``s3_bulk_upload.handler.lambda_handler``)."""
    return _default_handler(event, context)
