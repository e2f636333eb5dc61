"""Writing the export to S3 with boto3's managed transfer (multipart, concurrency, checksums)."""

from __future__ import annotations

import contextlib
import io
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.subscribers import BaseSubscriber

from .errors import Conflict, DestinationError
from .task import Task
from .units import MIB

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

MAX_PARTS = 10_000
TASK_ID_KEY = "ci360-task-id"
OCCURRENCE_ID_KEY = "ci360-occurrence-id"
_MISSING = ("404", "NoSuchKey", "NotFound")
_DENIED = ("403", "AccessDenied", "Forbidden")
_CONDITIONAL_EVENTS = (
    "before-parameter-build.s3.PutObject",
    "before-parameter-build.s3.CompleteMultipartUpload",
)


@dataclass(frozen=True)
class ExistingObject:
    size: int
    occurrence_id: str

    def holds(self, occurrence_id: str) -> bool:
        """The object was delivered for this occurrence (a task without one matches nothing)."""
        return bool(occurrence_id) and self.occurrence_id == occurrence_id


def content_type_for(key: str) -> str:
    if key.endswith(".gz"):
        return "application/gzip"
    if key.endswith(".csv"):
        return "text/csv"
    return "application/octet-stream"


def object_metadata(task: Task) -> dict[str, str]:
    """The user metadata every delivered object carries: the CI360 task and occurrence it is for."""
    metadata = {}
    if task.task_id:
        metadata[TASK_ID_KEY] = task.task_id
    if task.occurrence_id:
        metadata[OCCURRENCE_ID_KEY] = task.occurrence_id
    return metadata


def part_size_for(expected_bytes: int | None, preferred: int) -> int:
    """The preferred part size, grown (in whole MiB) when the export would need >10,000 parts."""
    if not expected_bytes:
        return preferred
    needed = math.ceil(expected_bytes / (MAX_PARTS - 1) / MIB) * MIB
    return max(preferred, needed)


def transfer_config(part_size: int, concurrency: int) -> TransferConfig:
    config = TransferConfig(
        multipart_threshold=part_size,
        multipart_chunksize=part_size,
        max_concurrency=concurrency,
        use_threads=True,
    )
    # Parts read from a stream are held in memory until uploaded: this bounds peak memory to
    # about (concurrency + 1) parts.
    config.max_in_memory_upload_chunks = concurrency + 1
    return config


def _if_none_match(params: dict[str, Any], **_: Any) -> None:
    params["IfNoneMatch"] = "*"


class _AnnouncedSize(BaseSubscriber):
    """Tells s3transfer a stream's size before it reads it.

    For a stream it cannot seek, s3transfer uses the size only to choose a multipart upload (size
    at least the threshold) and to grow the part size past 10,000 parts. Without it, it reads the
    whole first part before it sends CreateMultipartUpload; with it, the upload is created while
    that part is read.
    """

    def __init__(self, size: int) -> None:
        self._size = size

    def on_queued(self, future: Any, **_: Any) -> None:
        future.meta.provide_transfer_size(self._size)


@contextlib.contextmanager
def _create_only(client: S3Client) -> Iterator[None]:
    """Make the write conditional: s3transfer's ExtraArgs cannot carry IfNoneMatch."""
    events = client.meta.events
    for name in _CONDITIONAL_EVENTS:
        events.register(name, _if_none_match, unique_id=f"ci360-if-none-match-{name}")
    try:
        yield
    finally:
        for name in _CONDITIONAL_EVENTS:
            events.unregister(name, unique_id=f"ci360-if-none-match-{name}")


# What S3 answers when a conditional write (IfNoneMatch) finds the key taken.
PRECONDITION_FAILED = ("PreconditionFailed", "412", "ConditionalRequestConflict")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Sink:
    """The destination: what a key holds now, and writing a stream to it whole or not at all."""

    def __init__(self, client: S3Client, bucket: str, *, sse_algorithm: str = "", sse_kms_key_arn: str = "") -> None:
        self._client = client
        self.bucket = bucket
        # Sent with every upload, for buckets whose policy requires the encryption header.
        self.encryption: dict[str, str] = {}
        if sse_algorithm:
            self.encryption["ServerSideEncryption"] = sse_algorithm
        if sse_kms_key_arn:
            self.encryption["SSEKMSKeyId"] = sse_kms_key_arn

    def existing(self, key: str) -> ExistingObject | None:
        """What the key holds now, or None.

        Existence is asked of ``ListObjectsV2(Prefix=key)``, which a role whose ``s3:ListBucket``
        is narrowed by an ``s3:prefix`` condition may call. A ``HeadObject`` carries no prefix, so
        under such a role S3 answers 403 (not 404) for a missing key; HEAD is sent only for a key
        that the listing shows, to read its metadata.
        """
        size = self._listed_size(key)
        if size is None:
            return None
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            code = error_code(exc)
            if code in _MISSING:
                return None  # deleted between the listing and the HEAD
            if code in _DENIED:
                # It exists but its metadata cannot be read: not a re-delivery we can recognise.
                log.warning(
                    "cannot read the existing object's metadata (HeadObject answered 403); "
                    "grant s3:GetObject on the prefix",
                    extra={"key": key},
                )
                return ExistingObject(size=size, occurrence_id="")
            raise DestinationError(f"could not check s3://{self.bucket}/{key}: {code}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"could not reach S3 ({type(exc).__name__})") from None
        return ExistingObject(
            size=int(head.get("ContentLength", size)),
            occurrence_id=head.get("Metadata", {}).get(OCCURRENCE_ID_KEY, ""),
        )

    def _listed_size(self, key: str) -> int | None:
        """The size of exactly ``key`` as listed, or None; pages past longer keys that share it as a prefix.

        General purpose buckets list the exact key first; directory buckets do not sort, hence the pages.
        """
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=key, PaginationConfig={"PageSize": 1000}
        )
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    if entry.get("Key") == key:
                        return int(entry.get("Size", 0))
        except ClientError as exc:
            code = error_code(exc)
            if code in _DENIED:
                # Go on: the conditional write still guards overwrite=false; a re-delivery is re-sent.
                log.warning(
                    "cannot check for a previous delivery (ListObjectsV2 answered 403); "
                    "grant s3:ListBucket on the bucket for the key prefix",
                    extra={"key": key},
                )
                return None
            raise DestinationError(f"could not check s3://{self.bucket}/{key}: {code}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"could not reach S3 ({type(exc).__name__})") from None
        return None

    def object_arguments(self, key: str, metadata: dict[str, str]) -> dict[str, Any]:
        """What every export object is written with, whole or in parts: its content type, the task's
        metadata, a CRC32 checksum and the configured encryption."""
        return {
            "ContentType": content_type_for(key),
            "Metadata": metadata,
            "ChecksumAlgorithm": "CRC32",
            **self.encryption,
        }

    def upload(
        self,
        key: str,
        stream: io.RawIOBase,
        *,
        metadata: dict[str, str],
        config: TransferConfig,
        create_only: bool,
        announced_size: int | None = None,
    ) -> None:
        """Upload the stream; on any failure s3transfer aborts its multipart upload.

        ``announced_size``: the source's size, given only when the stream cannot end empty (a
        multipart upload needs a part). At or above the part size, the multipart upload is
        created at once rather than after the first part has been read.
        """
        extra_args = self.object_arguments(key, metadata)
        guard = _create_only(self._client) if create_only else contextlib.nullcontext()
        subscribers = [_AnnouncedSize(announced_size)] if announced_size is not None else None
        try:
            # boto3's upload_fileobj, with a subscriber: it takes none but its progress callback.
            with guard, create_transfer_manager(self._client, config) as manager:
                # s3transfer needs only read(): a raw stream is enough.
                manager.upload(
                    cast(IO[bytes], stream), self.bucket, key, extra_args=extra_args, subscribers=subscribers
                ).result()
        except ClientError as exc:
            code = error_code(exc)
            if code in PRECONDITION_FAILED:
                raise Conflict(f"s3://{self.bucket}/{key} already exists and overwrite is false") from None
            if code in _DENIED:
                raise DestinationError(
                    f"access denied writing s3://{self.bucket}/{key}: check the function role and bucket key policy"
                ) from None
            raise DestinationError(f"S3 rejected the upload to s3://{self.bucket}/{key}: {code}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"upload to S3 failed ({type(exc).__name__})") from None

    def presigned_get(self, key: str, seconds: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )
