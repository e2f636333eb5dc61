"""Reading a delivered object the way Athena reads the catalogued table (tests only).

Athena engine 3 reads ``OpenCSVSerde`` tables with Trino's Hive formats library, and these rules
follow that reader (trinodb/trino, ``lib/trino-hive-formats``: ``TextLineReader`` for lines,
``CsvDeserializer``, which is bug-for-bug compatible with Hive's OpenCSVSerde, for fields, and
``CsvDeserializerFactory`` for the properties), re-expressed here so a test can hold the table's
declared schema against the delivered bytes without an AWS account:

- lines end at ``\\n``, ``\\r`` or ``\\r\\n``; a UTF-8 BOM at the start of the file is skipped; a
  last line without an end still counts; ``skip.header.line.count`` lines are skipped first.
- fields: the quote character encloses separators, a doubled quote inside a field is one quote,
  the escape character is dropped (the one after it kept when it is a quote or an escape); an
  escape equal to ``"`` is read as ``\\``; missing trailing fields are NULL; an empty line is a row
  of NULLs; an unterminated quoted last field is NULL.
- values are converted to the declared type: text to bigint, double, boolean; a value that does
  not convert is NULL with ``use.null.for.invalid.data`` and fails the query without it.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

_INTEGER = re.compile(r"[+-]?\d+")
_DOUBLE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(NaN|Infinity)")


class InvalidValue(ValueError):
    """A value the declared type cannot hold (Athena: HIVE_BAD_DATA)."""


def _java_whitespace(char: str) -> bool:
    """Java's ``Character.isWhitespace``: separators except the no-break spaces, and nine controls."""
    if char in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":
        return True
    return unicodedata.category(char) in ("Zs", "Zl", "Zp") and char not in "\xa0\u2007\u202f"


def lines(data: bytes) -> Iterator[bytes]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    start = 0
    position = 0
    while position < len(data):
        byte = data[position]
        if byte in b"\r\n":
            yield data[start:position]
            if byte == ord("\r") and data[position + 1 : position + 2] == b"\n":
                position += 1
            start = position + 1
        position += 1
    if start < len(data):
        yield data[start:]


def fields(line: str, count: int, separator: str, quote: str, escape: str) -> list[str | None]:
    values: list[str | None] = [None] * count
    if not line or not count:
        return values
    buffer: list[str] = []
    column = 0
    in_quotes = in_field = False
    position = 0
    while position < len(line) and column < count:
        char = line[position]
        following = line[position + 1] if position + 1 < len(line) else None
        if char == escape:
            if (in_quotes or in_field) and following in (quote, escape):
                buffer.append(following or "")
                position += 1
        elif char == quote:
            if (in_quotes or in_field) and following == quote:
                buffer.append(quote)
                position += 1
            else:
                inside_text = position > 2 and line[position - 1] != separator and following not in (None, separator)
                if inside_text:
                    if buffer and all(map(_java_whitespace, buffer)):
                        buffer.clear()
                    else:
                        buffer.append(char)
                in_quotes = not in_quotes
            in_field = not in_field
        elif char == separator and not in_quotes:
            values[column] = "".join(buffer)
            column += 1
            buffer.clear()
            in_field = False
        else:
            buffer.append(char)
            in_field = True
        position += 1
    if column < count and not in_quotes:
        values[column] = "".join(buffer)
    return values


def typed(value: str | None, hive_type: str) -> Any:
    if value is None or hive_type == "string":
        return value
    text = value.strip()
    if hive_type in ("bigint", "int") and _INTEGER.fullmatch(text):
        return int(text)
    if hive_type == "double" and _DOUBLE.fullmatch(text):
        return float(text)
    if hive_type == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise InvalidValue(f"{value!r} is not a {hive_type}")


def read_strings(table: Mapping[str, Any], key: str, stored: bytes) -> list[tuple[str | None, ...]]:
    """The rows of one object (key, stored bytes) as text, before any type conversion (Trino's VARCHARs)."""
    storage = table["StorageDescriptor"]
    # The schema's properties: the SerDe parameters with the table parameters laid over them.
    properties = {**storage["SerdeInfo"].get("Parameters", {}), **table.get("Parameters", {})}
    separator = properties.get("separatorChar", ",")[0]
    quote = properties.get("quoteChar", '"')[0]
    escape = properties.get("escapeChar", "\\")[0]
    if escape == '"':
        escape = "\\"
    count = len(storage["Columns"])
    skip = int(properties.get("skip.header.line.count", "0"))
    data = gzip.decompress(stored) if key.endswith(".gz") else stored
    return [
        tuple(fields(line.decode("utf-8"), count, separator, quote, escape))
        for number, line in enumerate(lines(data))
        if number >= skip
    ]


def typed_row(table: Mapping[str, Any], raw: Sequence[str | None]) -> tuple[Any, ...]:
    """A row of text converted to the table's declared types, as Athena converts them."""
    types = [column["Type"] for column in table["StorageDescriptor"]["Columns"]]
    null_for_invalid = table.get("Parameters", {}).get("use.null.for.invalid.data", "false").lower() == "true"
    row = []
    for value, hive_type in zip(raw, types, strict=True):
        try:
            row.append(typed(value, hive_type))
        except InvalidValue:
            if not null_for_invalid:
                raise
            row.append(None)
    return tuple(row)


def read_table(table: Mapping[str, Any], objects: Sequence[tuple[str, bytes]]) -> list[tuple[Any, ...]]:
    """Every row of ``objects`` (key, stored bytes) as the Glue ``table`` declares them."""
    return [typed_row(table, raw) for key, stored in objects for raw in read_strings(table, key, stored)]
