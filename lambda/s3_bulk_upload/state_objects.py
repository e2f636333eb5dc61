"""The distributed path's working files: small JSON objects the function alone reads, under the key prefix.

An execution's folder is ``<s3_key_prefix>.ci360-connector/executions/<execution name>/``: the request
(pre-signed URLs: bearer credentials, so never in the execution's input, output or history), the plan,
the span manifest the Map reads, and one small counts file per span. They are written with the same
server-side encryption as the exports and removed when the execution ends (complete or abort).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .errors import DestinationError
from .sink import PRECONDITION_FAILED, error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

FOLDER = ".ci360-connector/executions/"
REQUEST, PLAN, MANIFEST = "request.json", "plan.json", "manifest.json"


class Taken(Exception):
    """A create-only write found the object there already."""


class StateObjects:
    def __init__(self, client: S3Client, bucket: str, key_prefix: str, encryption: dict[str, str]) -> None:
        self.client = client
        self.bucket = bucket
        self.root = key_prefix + FOLDER
        self._encryption = encryption

    def folder(self, execution_name: str) -> str:
        return f"{self.root}{execution_name}/"

    def owns(self, key: str) -> bool:
        """``key`` is a working file of this deployment (an event cannot point the function elsewhere)."""
        return key.startswith(self.root) and ".." not in key.split("/")

    def put(self, key: str, document: Any, *, create_only: bool = False) -> None:
        extra: dict[str, Any] = {"IfNoneMatch": "*"} if create_only else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=json.dumps(document, separators=(",", ":")).encode(),
                ContentType="application/json",
                **self._encryption,  # type: ignore[arg-type]
                **extra,
            )
        except ClientError as exc:
            if create_only and error_code(exc) in PRECONDITION_FAILED:
                raise Taken(key) from None
            raise DestinationError(f"could not write s3://{self.bucket}/{key}: {error_code(exc)}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"could not reach S3 ({type(exc).__name__})") from None

    def get(self, key: str) -> Any:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            raise DestinationError(f"could not read s3://{self.bucket}/{key}: {error_code(exc)}") from None
        except BotoCoreError as exc:
            raise DestinationError(f"could not reach S3 ({type(exc).__name__})") from None
        return json.loads(body)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def keys(self, folder: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder)
        for page in pages:
            for entry in page.get("Contents", ()):
                yield entry["Key"]

    def delete_folder(self, folder: str) -> None:
        """Remove an execution's working files, every version of them (the request holds the URLs, and a
        versioned bucket would keep it as a noncurrent version), in batches of 1,000 as DeleteObjects takes.
        DeleteObjects answers 200 even when some keys were not deleted: its ``Errors`` are read, and any
        raises (the request object must not stay behind unnoticed)."""
        pages = self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=folder)
        versions = [
            {"Key": entry["Key"], "VersionId": entry["VersionId"]}
            for page in pages
            for entry in (*page.get("Versions", ()), *page.get("DeleteMarkers", ()))
        ]
        errors: list[Any] = []
        for start in range(0, len(versions), 1000):
            batch = versions[start : start + 1000]
            answer = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})  # type: ignore[typeddict-item]
            errors += answer.get("Errors", [])
        if errors:
            first = errors[0].get("Code", "an error")
            raise DestinationError(f"could not remove {len(errors)} working file(s) of {folder} (first: {first})")
