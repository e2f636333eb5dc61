"""The connector's work: accept a request, decide sync or async, transfer, describe the result."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests

from . import delivery_event, distributed, handoff, routes
from .allowlist import check_source_url
from .catalog import ExportCatalog
from .config import Config
from .deadline import Deadline
from .delivered import Delivered
from .errors import BadRequest, Conflict, DestinationError
from .handoff import Plan
from .keys import build_key, validate_key
from .lambda_context import LambdaContext
from .metadata import MAX_METADATA_BYTES, MetadataColumn, parse_metadata
from .request import BulkRequest
from .sink import ExistingObject, S3Sink, object_metadata
from .source import SourceFile
from .source_answers import FileIdentity
from .source_session import RetryPolicy, make_session
from .state_objects import StateObjects
from .transfer import Transfer, Transferred

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_glue import GlueClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

PRESIGNED_URL_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Outcome:
    """What the caller is told: ``accepted`` is a hand-off, ``duplicate`` a re-delivery, else a delivery.

    ``event_published`` is None when no delivery event is configured (or for a duplicate).
    """

    delivered: Delivered
    accepted: bool = False
    duplicate: bool = False
    s3_url: str | None = None
    event_published: bool | None = None


class Connector:
    """The connector's decisions for one configuration: accept or hand off, re-delivery, transfer.

    Its I/O comes in through the constructor (S3 client, Lambda client factory, HTTP session,
    sleep and clock), so tests and the local stand-ins replace it without patching. One
    connector serves one invocation: ``deadline`` bounds every wait of it. The distributed steps
    work with its ``config``, ``sink``, ``objects`` (the working files) and ``transfer``.
    """

    def __init__(
        self,
        config: Config,
        s3_client: S3Client,
        lambda_client_factory: Callable[[], LambdaClient],
        *,
        events_client_factory: Callable[[], EventBridgeClient] | None = None,
        glue_client_factory: Callable[[], GlueClient] | None = None,
        sfn_client_factory: Callable[[], Any] | None = None,
        readback_client_factory: Callable[[], S3Client] | None = None,
        session: requests.Session | None = None,
        deadline: Deadline | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.sink = S3Sink(
            s3_client, config.bucket, sse_algorithm=config.sse_algorithm, sse_kms_key_arn=config.sse_kms_key_arn
        )
        self._lambda_client_factory = lambda_client_factory
        # S3 read after the transfer (a lost race's look-up) through a client bounded by the deadline.
        self._readback_client_factory = readback_client_factory
        self._sfn_client_factory = sfn_client_factory
        self.objects = StateObjects(s3_client, config.bucket, config.key_prefix, self.sink.encryption)
        self._events_client_factory = events_client_factory
        self._catalog = ExportCatalog(config.glue_database, config.bucket, config.key_prefix, glue_client_factory)
        policy = RetryPolicy(config.source_max_retries, config.source_backoff_seconds)
        deadline = deadline or Deadline.unbounded()
        session = session or make_session(policy, config.source_connections, deadline)
        self.transfer = Transfer(config, session, policy, deadline, sleep)
        self._clock = clock

    # -- accepting a request (API Gateway path) -------------------------------------------------

    def plan(self, request: BulkRequest) -> Plan:
        """Validate everything that can be checked without fetching: a 400 comes before any download."""
        include_header = self.config.include_header if request.include_header is None else request.include_header
        plan = Plan(
            key=build_key(self.config.key_prefix, request, self._clock()),
            data_url=request.data_url,
            metadata_url=request.metadata_url if include_header or self._catalog.enabled else None,
            include_header=include_header,
            task=request.task,
            glue_table=request.glue_table,
        )
        return self._check_sources(plan)

    def _check_sources(self, plan: Plan) -> Plan:
        """Only allow-listed URLs are ever fetched: checked on acceptance and again in the asynchronous run.

        The plan carries the URLs as the HTTP client will send them (the reading that was checked).
        With a catalog, the table's name and folder are checked here too (a 400 before any download).
        """
        self._catalog.check(plan.key, plan.glue_table, metadata=None)
        allowlist = self.config.source_host_allowlist
        data_url = check_source_url(plan.data_url, allowlist, "presignedUrls.dataFile")
        metadata_url = None
        if plan.include_header or self._catalog.enabled:
            if not plan.metadata_url:
                needs = "the header row is on" if plan.include_header else "glue_database is set"
                raise BadRequest(f"presignedUrls.metadataFile is required when {needs}")
            metadata_url = check_source_url(plan.metadata_url, allowlist, "presignedUrls.metadataFile")
        return dataclasses.replace(plan, data_url=data_url, metadata_url=metadata_url)

    def accept(self, request: BulkRequest, context: LambdaContext, request_id: str) -> Outcome:
        plan = self.plan(request)
        previous = self.previous_delivery(plan)
        if previous is not None:
            return previous
        # With a catalog, its columns are checked now: two that normalise to one name are a 400, before any transfer.
        metadata = self.checked_metadata(plan) if self._catalog.enabled else None
        route, identity = self._route(plan)
        if route == routes.DISTRIBUTED and identity is not None and self._sfn_client_factory is not None:
            sfn = self._sfn_client_factory()
            arn = self.config.state_machine_arn
            distributed.start(sfn, self.objects, arn, plan=plan, identity=identity, request_id=request_id)
            return Outcome(self._where(plan), accepted=True)
        if route == routes.ASYNC:
            handoff.send(
                self._lambda_client_factory(),
                context.invoked_function_arn,
                handoff.handoff_event(plan, request_id),
            )
            log.info("handed off to an asynchronous run", extra={"key": plan.key})
            return Outcome(self._where(plan), accepted=True)
        return self.deliver(plan, request_id, metadata)

    def _route(self, plan: Plan) -> tuple[str, FileIdentity | None]:
        """The route (``routes``), with the data file's ETag and size when they were probed."""
        if not routes.needs_probe(self.config):
            return self.config.delivery_mode, None
        identity = self._source(plan.data_url, "data file").probe()
        log.info("data file size probed", extra={"data_bytes": identity.size})
        return routes.choose(self.config, identity), identity

    # -- the asynchronous run ----------------------------------------------------------------

    def run_handoff(self, event: dict[str, Any], context: LambdaContext) -> Outcome:
        """Transfer a handed-off plan; raises on failure so Lambda's retries and destination apply."""
        try:
            plan, accepted_request_id = handoff.parse_handoff(event)
        except (TypeError, ValueError) as exc:
            raise BadRequest(f"invalid hand-off event: {exc}") from None
        log.info("asynchronous run started", extra={"accepted_request_id": accepted_request_id, "key": plan.key})
        plan = self.check_again(plan)
        return self.previous_delivery(plan) or self.deliver(plan, context.aws_request_id)

    def check_again(self, plan: Plan) -> Plan:
        """A plan that came through Lambda or S3, not API Gateway, is checked as if it were new."""
        validate_key(plan.key)
        if not plan.key.startswith(self.config.key_prefix):
            raise BadRequest("hand-off key is outside s3_key_prefix")
        return self._check_sources(plan)

    # -- delivering --------------------------------------------------------------------------

    def previous_delivery(self, plan: Plan) -> Outcome | None:
        """A re-delivery of what the key already holds, or None; Conflict where it may not be replaced."""
        existing = self.sink.existing(plan.key)
        if existing is None:
            return None
        duplicate = self._duplicate(plan, existing)
        if duplicate is not None:
            return duplicate
        if not self.config.overwrite:
            raise Conflict(f"s3://{self.config.bucket}/{plan.key} already exists and overwrite is false")
        return None

    def _duplicate(self, plan: Plan, existing: ExistingObject | None) -> Outcome | None:
        """The answer when the key already holds this occurrence, or None."""
        if existing is None:
            return None
        if existing.holds(plan.task.occurrence_id):
            log.info("duplicate delivery; nothing transferred", extra={"key": plan.key})
            return Outcome(
                dataclasses.replace(self._where(plan), bytes=existing.size),
                duplicate=True,
                s3_url=self._presigned(plan.key),
            )
        return None

    def _where(self, plan: Plan) -> Delivered:
        """Where the plan delivers, before anything is known of what landed."""
        return Delivered(bucket=self.config.bucket, key=plan.key, header=plan.include_header, task=plan.task)

    def checked_metadata(self, plan: Plan) -> list[MetadataColumn] | None:
        """The metadata file's columns, checked against the catalog (a 400 before any transfer)."""
        metadata = self._metadata(plan)
        self._catalog.check(plan.key, plan.glue_table, metadata, header=plan.include_header)
        return metadata

    def _metadata(self, plan: Plan) -> list[MetadataColumn] | None:
        if not plan.metadata_url:
            return None
        return parse_metadata(self._source(plan.metadata_url, "metadata file").read_all(MAX_METADATA_BYTES))

    def deliver(self, plan: Plan, request_id: str, metadata: list[MetadataColumn] | None = None) -> Outcome:
        """Transfer the plan; ``metadata`` when it was already read (and checked) on acceptance."""
        if metadata is None:
            metadata = self.checked_metadata(plan)  # the asynchronous run: before the transfer
        columns = self.header_columns(plan, metadata)
        try:
            moved = self.transfer.to_object(self.sink, plan.key, plan.data_url, columns, object_metadata(plan.task))
        except Conflict:
            return self.lost_race(plan)
        return self.finish(plan, moved, columns, metadata, request_id)

    @staticmethod
    def header_columns(plan: Plan, metadata: list[MetadataColumn] | None) -> list[str] | None:
        return [column.name for column in metadata] if plan.include_header and metadata else None

    def lost_race(self, plan: Plan) -> Outcome:
        """The conditional write lost a race: a re-delivery of this occurrence is no conflict.

        The look-up comes after the transfer: its client's every attempt ends before the deadline
        (``bounded_clients``), so a silent S3 is a 500 in time, not a function stopped by Lambda.
        """
        sink = self.sink
        if self._readback_client_factory is not None:
            sink = S3Sink(self._readback_client_factory(), self.config.bucket)
        won_by_this_occurrence = self._duplicate(plan, sink.existing(plan.key))
        if won_by_this_occurrence is not None:
            return won_by_this_occurrence
        raise Conflict(f"s3://{self.config.bucket}/{plan.key} already exists and overwrite is false")

    def finish(
        self, plan: Plan, moved: Transferred, columns: list[str] | None, metadata: list[MetadataColumn] | None, rid: str
    ) -> Outcome:
        """What follows the object landing, on every path: the catalog table, the delivery event, the answer."""
        delivered = dataclasses.replace(
            self._where(plan),
            bytes=moved.object_bytes,
            rows=moved.rows,
            columns=tuple(columns or ()),
            seconds=moved.seconds,
            request_id=rid,
            line_breaks_in_fields=moved.line_breaks_in_fields,
            escape_characters=moved.escape_characters,
        )
        catalogued = self._catalog.write(
            plan.key,
            plan.glue_table,
            metadata or [],
            header=plan.include_header,
            task=plan.task,
            line_breaks_in_fields=moved.line_breaks_in_fields,
            escape_characters=moved.escape_characters,
        )
        delivered = dataclasses.replace(delivered, catalog=catalogued)
        return Outcome(delivered, s3_url=self._presigned(plan.key), event_published=self._publish(delivered))

    def _publish(self, delivered: Delivered) -> bool | None:
        bus = self.config.delivery_event_bus
        if not bus:
            return None
        if self._events_client_factory is None:
            raise DestinationError("delivery_event_bus is set but no EventBridge client was given")
        return delivery_event.publish(self._events_client_factory(), bus, delivered)

    def _source(self, url: str, label: str) -> SourceFile:
        """A file read on one connection: the metadata, and the size probe."""
        return self.transfer.source(url, label, parallel=False)

    def _presigned(self, key: str) -> str | None:
        if not self.config.return_presigned_url:
            return None
        return self.sink.presigned_get(key, PRESIGNED_URL_SECONDS)
