"""What a staging server's answers mean (pure): sizes, ranges, the file's identity, failure words.

Every response of one read must describe the same file: the first fixes its ``FileIdentity``
(ETag and total size) and each later one is held to it, so two versions are never joined. The
messages name the host, never the URL (pre-signed URLs are bearer credentials).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .source_session import RETRY_STATUSES

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")


@dataclass(frozen=True)
class FileIdentity:
    """Which version of the file a read holds itself to: the first response's ETag and total size.

    ``encoding``: the Content-Encoding a size probe saw (a byte span of an encoded file cannot be
    decoded on its own, so such a file is not split into parts)."""

    etag: str | None
    size: int | None
    encoding: str = ""


@dataclass(frozen=True)
class ContentRange:
    first: int
    last: int
    total: int | None


def content_range(headers: Mapping[str, str]) -> ContentRange | None:
    """``Content-Range: bytes first-last/total`` (total ``*`` = unknown), or None."""
    match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", "").strip())
    if not match:
        return None
    total = match.group(3)
    return ContentRange(int(match.group(1)), int(match.group(2)), None if total == "*" else int(total))


def total_length(status: int, headers: Mapping[str, str]) -> int | None:
    """The whole file's size as a 206 (Content-Range) or a 200 (Content-Length) states it."""
    if status == 206:
        answered = content_range(headers)
        return answered.total if answered else None
    length = headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def empty_file(headers: Mapping[str, str]) -> bool:
    """A 416 to a range from byte 0 says the file is empty (RFC 9110 §14.1.1): S3 sends
    ``Content-Range: bytes */0``; some servers (moto) send no Content-Range."""
    total = _UNSATISFIED_RANGE.fullmatch(headers.get("Content-Range", "bytes */0").strip())
    return bool(total) and total is not None and total.group(1) == "0"


def range_as_asked(answered: ContentRange | None, position: int, end: int | None, size: int | None) -> bool:
    """A 206 answers the range asked for: from ``position`` to ``end`` (or the file's last byte)."""
    if answered is None or answered.first != position:
        return False
    last = None if end is None or size is None else min(end, size - 1)
    return last is None or answered.last == last


def same_file(first: FileIdentity, etag: str | None, size: int | None) -> bool:
    """A later response is of the same file: the same ETag, and the same size where both are known."""
    return etag == first.etag and (size is None or first.size is None or size == first.size)


def status_message(label: str, host: str, status: int, max_retries: int) -> str:
    """Why a read failed, in words a CI360 admin understands."""
    if status == 403:
        return f"{label}: {host} answered 403 Forbidden (the pre-signed URL has expired or is not valid)"
    if status == 404:
        return f"{label}: {host} answered 404 Not Found"
    if status == 412:
        return changed(label, host)
    if status in RETRY_STATUSES:
        return f"{label}: {host} answered HTTP {status} after {max_retries} retries"
    return f"{label}: {host} answered HTTP {status}"


def changed(label: str, host: str, detail: str = "") -> str:
    return f"{label}: the file on {host} changed during the transfer{detail}"
