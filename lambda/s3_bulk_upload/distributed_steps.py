"""The distributed path's steps, run by the state machine as Lambda tasks of this same function.

``plan``: check the request again, read the metadata, cut the file into spans (``part_layout``),
``CreateMultipartUpload`` (type, metadata, encryption, CRC32 as a whole-file upload has them) and
write the plan and the span manifest the Map reads. ``part`` (one per Map item, one span):
``part_copy``. ``complete``: ``ListParts`` (paged), every part the spans' counts name present with
its size, ``CompleteMultipartUpload`` of those parts under the same conditional-write rule as a
whole-file upload, the rows combined in order (``part_counts``), then
the catalog table and delivery event (``Connector.finish``, as every path). ``abort``: abort the
upload, log the failure and count it; for an execution that was stopped or timed out
(``EXECUTION_ENDED``, the module's EventBridge route), not when its complete step had already
delivered. Each step returns a few small fields: no URL, no part list.
A failing step raises an exception named after the failure (``UpstreamError``, ``Conflict``, …),
which is the error name the state machine's Retry and Catch see.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import part_copy, part_layout
from .connector import Connector, Outcome
from .distributed import STEP_KEY, parse_request
from .errors import BadRequest, Conflict, DestinationError
from .handoff import Plan
from .metadata import MetadataColumn
from .part_counts import INSIDE, PartCounts, combine
from .sink import PRECONDITION_FAILED, error_code, object_metadata
from .source_answers import FileIdentity
from .state_objects import MANIFEST, PLAN, REQUEST
from .transfer import Transferred
from .units import MIB

log = logging.getLogger(__name__)
# The error the distributed module's EventBridge route hands the abort step for an execution that
# ended ABORTED or TIMED_OUT: its Abort state never ran. A Lambda task already running goes on.
EXECUTION_ENDED = "ExecutionEnded"


class Steps:
    def __init__(self, connector: Connector) -> None:
        self._connector = connector
        config = self._config = connector.config
        self._objects = connector.objects
        self._s3 = connector.objects.client
        self._bucket = config.bucket

    def run(self, event: dict[str, Any], request_id: str) -> dict[str, Any] | Outcome:
        request_key = event.get("request_key")
        if not isinstance(request_key, str) or not self._objects.owns(request_key) or not request_key.endswith(REQUEST):
            raise BadRequest("distributed step event names no request of this deployment")
        folder = request_key.removesuffix(REQUEST)
        step = event[STEP_KEY]
        if step == "abort":
            return self.abort(folder, event.get("error"))
        with ThreadPoolExecutor(max_workers=1) as pool:  # the plan's state read beside the request
            reading = None if step == "plan" else pool.submit(self._objects.get, folder + PLAN)
            plan, accepted_request_id, identity = self._request(request_key)
            state = None if reading is None else reading.result()
        if state is None:
            return self.plan(folder, plan, identity)
        if step == "part":
            part_copy.copy_part(self._connector, folder=folder, plan=plan, identity=identity, state=state, event=event)
            return {"part": event["part"]}
        return self.complete(folder, plan, identity, state, accepted_request_id or request_id)

    def _request(self, key: str) -> tuple[Plan, str, FileIdentity]:
        try:
            plan, request_id, identity = parse_request(self._objects.get(key))
        except (TypeError, ValueError, KeyError) as exc:
            raise BadRequest(f"invalid distributed request: {exc}") from None
        return self._connector.check_again(plan), request_id, identity

    def plan(self, folder: str, plan: Plan, identity: FileIdentity) -> dict[str, Any]:
        metadata = self._connector.checked_metadata(plan)
        columns = self._connector.header_columns(plan, metadata)
        size = identity.size or 0
        layout = part_layout.layout(
            size,
            self._config.distributed_part_size_mib * MIB,
            self._config.part_size_mib * MIB,
            gzip=plan.key.endswith(".gz"),
        )
        spans = layout.spans(size)
        try:
            upload = self._s3.create_multipart_upload(
                Bucket=self._bucket,
                Key=plan.key,
                **self._connector.sink.object_arguments(plan.key, object_metadata(plan.task)),
            )
        except ClientError as exc:
            raise DestinationError(
                f"S3 refused an upload to s3://{self._bucket}/{plan.key}: {error_code(exc)}"
            ) from None
        self._objects.put(
            folder + PLAN,
            {
                "upload_id": upload["UploadId"],
                "columns": columns,
                # Read once, here: Complete catalogs with it even when the URLs have expired by then.
                "metadata": None if metadata is None else [asdict(column) for column in metadata],
                "parts": len(spans),
                **layout._asdict(),  # read back by part_layout.plan_layout
                "started": time.time(),
            },
        )
        manifest = [{"part": number, "start": start, "end": end} for number, (start, end) in enumerate(spans, 1)]
        self._objects.put(folder + MANIFEST, manifest)
        log.info("distributed delivery planned", extra={"key": plan.key, "parts": len(spans), "data_bytes": size})
        return {
            "bucket": self._bucket,
            "manifest_key": folder + MANIFEST,
            "parts": len(spans),
            "max_parallel_parts": self._config.max_parallel_parts,
        }

    def complete(
        self, folder: str, plan: Plan, identity: FileIdentity, state: dict[str, Any], request_id: str
    ) -> Outcome:
        upload_id, count = state["upload_id"], int(state["parts"])
        listed = self._listed_parts(plan.key, upload_id)
        if listed is None:  # completed by an earlier try of this step whose answer was lost
            done = self._connector.previous_delivery(plan)
            if done is not None and done.duplicate:
                self._objects.delete_folder(folder)
                return done
            raise DestinationError("the multipart upload is gone and the key does not hold this occurrence")
        with ThreadPoolExecutor(max_workers=16) as pool:
            counts = list(pool.map(self._objects.get, [f"{folder}parts/{n}.json" for n in range(1, count + 1)]))
        parts = [PartCounts.from_json(c["counts"]) for c in counts]
        rows = combine(parts)
        again = [
            n
            for n, (part, start) in enumerate(zip(parts, rows.starts, strict=True), 1)
            if start == INSIDE and not part.same_output
        ]
        if again:  # started inside a quoted field, and what the counter leaves out differs there
            for n, copied in self._copy_again(folder, plan, identity, state, again).items():
                counts[n - 1] = copied
            listed = self._listed_parts(plan.key, upload_id) or {}
        chosen = [
            (int(n), int(size)) for span, c in enumerate(counts, 1) for n, size in part_layout.span_parts(c, span)
        ]
        part_layout.check_parts(chosen, listed, count)
        try:
            self._complete_upload(plan.key, upload_id, [listed[number] for number, _ in chosen])
        except Conflict:
            self._abort_upload(plan.key, upload_id)
            return self._connector.lost_race(plan)  # this occurrence won: a duplicate; else Conflict
        moved = Transferred(
            rows=rows.rows,
            line_breaks_in_fields=rows.line_breaks_in_fields,
            escape_characters=rows.escape_characters,
            data_bytes=sum(int(c["data_bytes"]) for c in counts),
            object_bytes=sum(size for _, size in chosen),
            part_size=chosen[0][1],
            seconds=time.time() - float(state["started"]),
        )
        delivered = {"key": plan.key, "parts": count, "s3_parts": len(chosen), "object_bytes": moved.object_bytes}
        log.info("distributed delivery completed", extra=delivered | {"rows": moved.rows})
        metadata = None if state["metadata"] is None else [MetadataColumn(**c) for c in state["metadata"]]
        outcome = self._connector.finish(plan, moved, state["columns"], metadata, request_id)
        self._objects.delete_folder(folder)
        return outcome

    def _copy_again(
        self, folder: str, plan: Plan, identity: FileIdentity, state: dict[str, Any], numbers: list[int]
    ) -> dict[int, Any]:
        """Copy the spans ``numbers`` again inside quotes; their new counts objects by span number."""
        manifest = {item["part"]: item for item in self._objects.get(folder + MANIFEST)}
        log.info("parts copied again inside quotes", extra={"key": plan.key, "parts": len(numbers)})
        return {
            number: part_copy.copy_part(
                self._connector,
                folder=folder,
                plan=plan,
                identity=identity,
                state=state,
                event=manifest[number],
                passes_on=INSIDE,
            )
            for number in numbers
        }

    def _listed_parts(self, key: str, upload_id: str) -> dict[int, dict[str, Any]] | None:
        """The upload's parts by number; None when the upload no longer exists."""
        pages = self._s3.get_paginator("list_parts").paginate(Bucket=self._bucket, Key=key, UploadId=upload_id)
        listed: dict[int, dict[str, Any]] = {}
        try:
            for page in pages:
                for part in page.get("Parts", ()):
                    listed[int(part["PartNumber"])] = dict(part)
        except ClientError as exc:
            if error_code(exc) == "NoSuchUpload":
                return None
            raise DestinationError(f"could not list the upload's parts: {error_code(exc)}") from None
        return listed

    def _complete_upload(self, key: str, upload_id: str, parts: list[dict[str, Any]]) -> None:
        completed = []
        for part in parts:
            entry = {"PartNumber": part["PartNumber"], "ETag": part["ETag"]}
            if part.get("ChecksumCRC32"):
                entry["ChecksumCRC32"] = part["ChecksumCRC32"]
            completed.append(entry)
        extra = {} if self._config.overwrite else {"IfNoneMatch": "*"}
        try:
            self._s3.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": completed},  # type: ignore[typeddict-item]
                **extra,  # type: ignore[arg-type]
            )
        except ClientError as exc:
            code = error_code(exc)
            if code in PRECONDITION_FAILED:
                raise Conflict(f"s3://{self._bucket}/{key} already exists and overwrite is false") from None
            raise DestinationError(f"S3 rejected completing s3://{self._bucket}/{key}: {code}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"could not reach S3 ({type(exc).__name__})") from None

    def _abort_upload(self, key: str, upload_id: str) -> bool:
        """Abort the upload; False when it no longer exists (aborted or completed before)."""
        try:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
        except ClientError as exc:
            if error_code(exc) != "NoSuchUpload":
                raise DestinationError(f"could not abort the upload: {error_code(exc)}") from None
            return False
        return True

    def abort(self, folder: str, error: Any) -> dict[str, Any]:
        """Nothing at the key, no upload left open, the working files gone; the failure logged and returned.

        An execution that ended (stopped, timed out) while or after its complete step delivered has
        not failed: its working files are gone, or its upload is completed and the key holds this
        occurrence. That is logged, and not counted.
        """
        name = str(error.get("Error", "")) if isinstance(error, dict) else ""
        cause = str(error.get("Cause", "")) if isinstance(error, dict) else ""
        ended = name == EXECUTION_ENDED
        if ended and next(self._objects.keys(folder), None) is None:  # the complete step removed them
            log.info("distributed execution ended after its steps had finished")
            return {"status": 200, "finished_before_it_ended": True}
        aborted = False
        try:
            state = self._objects.get(folder + PLAN)
            plan, _, _ = parse_request(self._objects.get(folder + REQUEST))
        except (DestinationError, TypeError, ValueError, KeyError):
            state, plan = None, None  # the plan step failed before it opened an upload
        if state is not None and plan is not None:
            was_open = self._abort_upload(plan.key, state["upload_id"])
            if not was_open and ended and self._holds_occurrence(plan):
                self._objects.delete_folder(folder)
                log.warning(
                    "distributed execution ended after its object was delivered",
                    extra={"key": plan.key, "reason": part_copy.safe_cause(cause)},
                )
                return {"status": 200, "finished_before_it_ended": True}
            aborted = True  # no upload is left open either way
        try:
            self._objects.delete_folder(folder)
            removed = True
        except DestinationError as exc:  # logged with the failure; the step still reports it
            log.error("working files left", extra={"reason": exc.message})
            removed = False
        log.error(
            "distributed delivery failed",
            extra={
                "error": name[:100],
                "reason": part_copy.safe_cause(cause),
                "upload_aborted": aborted,
                "working_files_removed": removed,
            },
        )
        return {"status": status_of(name), "upload_aborted": aborted}

    def _holds_occurrence(self, plan: Plan) -> bool:
        """The key holds the object this request's occurrence delivered."""
        existing = self._connector.sink.existing(plan.key)
        return existing is not None and existing.holds(plan.task.occurrence_id)


_STATUS_CODES = {"BadRequest": 400, "Conflict": 409, "UpstreamError": 502, "SourceGone": 502}


def status_of(error_name: str) -> int:
    """The status code a synchronous delivery would have answered for the failure ``error_name``."""
    return _STATUS_CODES.get(error_name, 500)
