"""Object key templating and validation (pure: the clock is passed in)."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from .errors import BadRequest
from .request import BulkRequest

MAX_KEY_BYTES = 1024
# Characters that make a key look like another (bidirectional controls: "invoice\u202etxt.exe"),
# hide in it (zero-width), break lines in tools that show it, or are not characters at all.
_BIDI_CONTROLS = {*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))}
_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\ufeff"}
_SEPARATORS = {"\u2028", "\u2029"}


def _is_noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _refused_character(key: str) -> str | None:
    """Why the key may not hold one of its characters, or None."""
    for ch in key:
        if "\ud800" <= ch <= "\udfff":
            return "a lone surrogate (not a character)"
        if unicodedata.category(ch) == "Cc":
            return "control characters"
        if ch in _BIDI_CONTROLS:
            return "bidirectional control characters"
        if ch in _ZERO_WIDTH:
            return "zero-width characters"
        if ch in _SEPARATORS:
            return "line or paragraph separators"
        if _is_noncharacter(ch):
            return "Unicode noncharacters"
    return None


PLACEHOLDERS = ("date", "datetime", "taskId", "occurrenceId", "taskName")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._-]+")


def safe_task_name(name: str) -> str:
    """Reduce a task name to ``[A-Za-z0-9._-]``; every run of other characters becomes one ``_``."""
    return _UNSAFE_RUN.sub("_", name)


def placeholder_values(request: BulkRequest, now: datetime) -> dict[str, str]:
    utc = now.astimezone(UTC)
    return {
        "date": utc.strftime("%Y-%m-%d"),
        "datetime": utc.strftime("%Y%m%dT%H%M%SZ"),
        "taskId": request.task.task_id,
        "occurrenceId": request.task.occurrence_id,
        "taskName": safe_task_name(request.task.task_name),
    }


def render_filename(template: str, values: dict[str, str]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
            raise BadRequest(f"s3_filename has an unknown placeholder {{{name}}}; known: {known}")
        if not values[name]:
            raise BadRequest(f"s3_filename uses {{{name}}} but the request has no value for it")
        return values[name]

    # A brace left over after the placeholders is a typo the marketer should see, not a literal.
    leftover = _PLACEHOLDER.sub("", template)
    if "{" in leftover or "}" in leftover:
        raise BadRequest("s3_filename has a '{' or '}' that is not part of a {placeholder}")
    rendered = _PLACEHOLDER.sub(fill, template)
    return rendered


def validate_key(key: str) -> str:
    """Reject keys S3 would store but users could not safely use or address."""
    if not key:
        raise BadRequest("the object key is empty")
    refused = _refused_character(key)  # first: a lone surrogate cannot even be encoded
    if refused:
        raise BadRequest(f"the object key must not contain {refused}")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise BadRequest(f"the object key is longer than {MAX_KEY_BYTES} UTF-8 bytes")
    if key.startswith("/"):
        raise BadRequest("the object key must not start with '/'")
    if "\\" in key:
        raise BadRequest("the object key must not contain '\\'")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise BadRequest("the object key must not have an empty, '.' or '..' path segment")
    return key


def build_key(prefix: str, request: BulkRequest, now: datetime) -> str:
    return validate_key(prefix + render_filename(request.s3_filename, placeholder_values(request, now)))
