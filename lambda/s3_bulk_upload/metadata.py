"""Columns from CI360's metadata file (names, and ``dataType`` where given), and the CSV header line (pure)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from .errors import UpstreamError
from .units import MIB

MAX_METADATA_BYTES = 4 * MIB


@dataclass(frozen=True)
class MetadataColumn:
    """One column as CI360 describes it; ``data_type`` is None where the form has no types."""

    name: str
    data_type: str | None = None


def parse_metadata(raw: bytes) -> list[MetadataColumn]:
    """Detect the form: JSON objects with ``columnName`` (and ``dataType``), JSON strings, or one CSV line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UpstreamError("metadata file is not UTF-8 text") from None
    stripped = text.strip()
    if not stripped:
        raise UpstreamError("metadata file is empty")
    if stripped[0] in "[{":
        try:
            document = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            document = None  # a CSV line whose first column starts with '[' or '{'
        if document is not None:
            return _unicode_names(_columns_from_json(document))
    first_line = stripped.splitlines()[0]
    try:
        columns = next(csv.reader([first_line]))
    except csv.Error as exc:  # a field over the csv module's limit, a stray NUL
        raise UpstreamError(f"metadata file is not a CSV line the connector can read ({exc})") from None
    if not columns or any(not c for c in columns):
        raise UpstreamError("metadata file has an empty column name")
    return [MetadataColumn(name) for name in columns]


def _columns_from_json(document: object) -> list[MetadataColumn]:
    if not isinstance(document, list) or not document:
        raise UpstreamError("metadata file must be a non-empty JSON array")
    columns: list[MetadataColumn] = []
    for item in document:
        name = item.get("columnName") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name:
            raise UpstreamError("metadata file entries must be column-name strings or objects with columnName")
        data_type = item.get("dataType") if isinstance(item, dict) else None
        usable = isinstance(data_type, str) and data_type and _is_unicode(data_type)
        columns.append(MetadataColumn(name, data_type if usable else None))
    return columns


def _unicode_names(columns: list[MetadataColumn]) -> list[MetadataColumn]:
    """JSON can spell a lone surrogate (``"\\ud800"``), which no UTF-8 header can hold."""
    for position, column in enumerate(columns, start=1):
        if not _is_unicode(column.name):
            raise UpstreamError(
                f"metadata column {position}'s name is not valid Unicode (it holds a lone surrogate); "
                "fix the column's name in CI360"
            )
    return columns


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def header_line(columns: list[str], terminator: bytes) -> bytes:
    """CSV-encode the columns (quoted where needed), ending with the data file's line terminator."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator.decode("ascii")).writerow(columns)
    return buffer.getvalue().encode("utf-8")


def line_terminator(first_bytes: bytes) -> bytes:
    """Terminator of the first line; ``\\n`` when there is none (empty or single unterminated line)."""
    newline = first_bytes.find(b"\n")
    if newline > 0 and first_bytes[newline - 1 : newline] == b"\r":
        return b"\r\n"
    return b"\n"
