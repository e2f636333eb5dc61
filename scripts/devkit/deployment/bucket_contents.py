"""Everything a versioned bucket holds (object versions, delete markers, unfinished multipart uploads),
and emptying it with every refusal read back: ``DeleteObjects`` answers 200 even when it deleted
nothing (Object Lock, a policy's Deny), naming each key it refused in ``Errors``.

boto3's ``Bucket.object_versions.delete()`` (the resource API) was weighed: it sends the same
``DeleteObjects`` batches but returns the raw responses, so the errors would be read here anyway,
and it leaves unfinished multipart uploads (parts of exports) behind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

BATCH = 1000  # DeleteObjects' limit


@dataclass(frozen=True)
class Contents:
    versions: list[dict[str, str]] = field(default_factory=list)  # versions and delete markers: Key, VersionId
    uploads: list[dict[str, str]] = field(default_factory=list)  # unfinished multipart uploads: Key, UploadId

    def __bool__(self) -> bool:
        return bool(self.versions or self.uploads)

    def describe(self) -> str:
        return f"{len(self.versions)} object versions and delete markers, {len(self.uploads)} unfinished uploads"


@dataclass(frozen=True)
class Refusal:
    key: str
    version_id: str
    code: str
    message: str


def contents(s3: Any, bucket: str) -> Contents:
    versions: list[dict[str, str]] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            versions.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    uploads = [
        {"Key": upload["Key"], "UploadId": upload["UploadId"]}
        for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket)
        for upload in page.get("Uploads", [])
    ]
    return Contents(versions, uploads)


def empty(s3: Any, bucket: str, listed: Contents) -> list[Refusal]:
    """Delete what was listed; every key S3 refused, with its code and message."""
    from botocore.exceptions import ClientError

    refused: list[Refusal] = []
    for start in range(0, len(listed.versions), BATCH):
        batch = listed.versions[start : start + BATCH]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        refused += [
            Refusal(error.get("Key", ""), error.get("VersionId", ""), error.get("Code", ""), error.get("Message", ""))
            for error in answer.get("Errors", [])
        ]
    for upload in listed.uploads:
        try:
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "NoSuchUpload":  # finished or aborted meanwhile
                details = error.response["Error"]
                refused.append(Refusal(upload["Key"], "", details.get("Code", ""), details.get("Message", "")))
    return refused


def describe_refusals(refused: list[Refusal], examples: int = 3) -> list[str]:
    """One line per kind of refusal, with how many and the first keys."""
    kinds = Counter((r.code, r.message) for r in refused)
    lines = []
    for (code, message), count in kinds.most_common():
        keys = [r.key for r in refused if (r.code, r.message) == (code, message)][:examples]
        more = ", …" if count > examples else ""
        lines.append(f"{count} refused with {code} ({message}): {', '.join(keys)}{more}")
    return lines
