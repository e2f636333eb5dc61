"""The Glue Data Catalog table an export is registered as (contract §2.14): names, types, storage (pure).

Storage is CSV read by ``org.apache.hadoop.hive.serde2.OpenCSVSerde``, the SerDe Athena documents
for quoted fields (its ``LazySimpleSerDe`` ignores quotes, so ``"Wei, Li"`` would be two fields).
Athena (engine 3, Trino's reader) honours these properties as follows:

- ``quoteChar`` ``"``: a doubled quote inside a quoted field is one quote, as CI360 writes them.
- ``escapeChar``: the reader drops every escape character it meets (``C:\\temp`` would read
  ``C:temp`` with the default ``\\``), and refuses an escape equal to the quote. It is set to
  U+FFFF, a Unicode noncharacter ("not for interchange"): text exports do not hold it, unlike
  U+0001, which is Hive's default field delimiter and turns up in data that passed through Hive.
  The transfer counts its occurrences; the log and answer say how many (``escape_characters``).
- A line break inside a quoted field is not supported (Athena's documentation says so: its reader
  splits lines first). The transfer counts such line breaks; the log and answer say how many.
  For the same reason a header whose names hold a line break is refused (400) when the header is
  written: ``skip.header.line.count`` skips one physical line.
- Non-string columns: the reader converts text to BOOLEAN, BIGINT, INT and DOUBLE, reads DATE only
  as days and TIMESTAMP only as milliseconds since 1970, and fails a query on an empty numeric
  field. So dates and timestamps stay ``string`` (cast them in a view) and the table sets
  ``use.null.for.invalid.data``: CI360 leaves a missing value empty, and an empty number reads as
  NULL instead of failing every query over the table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest
from .metadata import MetadataColumn
from .records import ESCAPE_CHARACTER
from .task import Task

MAX_NAME = 255
MAX_COMMENT = 255
SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
SERDE_PARAMETERS = {"separatorChar": ",", "quoteChar": '"', "escapeChar": ESCAPE_CHARACTER}
INPUT_FORMAT = "org.apache.hadoop.mapred.TextInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
TASK_ID_PARAMETER = "ci360_task_id"
OCCURRENCE_ID_PARAMETER = "ci360_occurrence_id"
# The mark on every table the connector creates: which connector, and the folder the table reads.
OWNER_PARAMETER = "ci360_connector"
OWNER = "ci360-s3-bulk-connector"
FOLDER_PARAMETER = "ci360_folder"
DESCRIPTION = "CI360 export delivered by the CI360 S3 bulk connector"

# CI360 dataType (upper case) -> the Hive type Athena reads from CSV text. Not listed: string.
TYPES: Mapping[str, str] = {
    **dict.fromkeys(("STRING", "CHAR", "CHARACTER", "VARCHAR", "TEXT"), "string"),
    **dict.fromkeys(("INTEGER", "INT", "BIGINT", "LONG", "SMALLINT"), "bigint"),
    **dict.fromkeys(("DECIMAL", "NUMERIC", "NUMBER", "DOUBLE", "FLOAT", "REAL"), "double"),
    **dict.fromkeys(("BOOLEAN", "BOOL"), "boolean"),
    # Kept as text on purpose: Athena's CSV reader takes dates only as day numbers.
    **dict.fromkeys(("DATE", "DATETIME", "TIMESTAMP", "TIME"), "string"),
}
_NOT_NAME = re.compile(r"[^a-z0-9_]+")


def catalog_name(raw: str) -> str:
    """Glue's form of a name: accents dropped, lower case, each run of other characters one ``_``.

    Leading and trailing ``_`` are trimmed and the result cut to 255 characters; it may be empty.
    """
    ascii_text = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    return _NOT_NAME.sub("_", ascii_text.lower()).strip("_")[:MAX_NAME]


@dataclass(frozen=True)
class CatalogColumn:
    name: str
    type: str
    comment: str

    def as_glue(self) -> dict[str, str]:
        return {"Name": self.name, "Type": self.type, "Comment": self.comment}


def column_type(data_type: str | None) -> str:
    return TYPES.get((data_type or "").strip().upper(), "string")


def catalog_columns(columns: Sequence[MetadataColumn], *, header: bool = False) -> tuple[CatalogColumn, ...]:
    """The table's columns; a name that normalises to nothing, or to another's name, is a 400.

    With ``header``, a name holding a line break is a 400 too (the header would span two lines).
    Messages say positions: column names are content, never echoed.
    """
    seen: dict[str, int] = {}
    result = []
    for position, column in enumerate(columns, start=1):
        name = catalog_name(column.name)
        if not name:
            raise BadRequest(
                f"metadata column {position} has no letter or digit, so it cannot be a catalog column name"
            )
        if name in seen:
            raise BadRequest(
                f"metadata columns {seen[name]} and {position} both become one catalog column name; rename one in CI360"
            )
        if header and ("\n" in column.name or "\r" in column.name):
            raise BadRequest(
                f"metadata column {position}'s name holds a line break, so the header row would span two "
                "lines and the catalog table would read the second as data; rename it in CI360 or set "
                "include_header to false"
            )
        seen[name] = position
        comment = f"CI360 column {column.name!r}, dataType {column.data_type or 'not given'}"
        result.append(CatalogColumn(name, column_type(column.data_type), comment[:MAX_COMMENT]))
    return tuple(result)


@dataclass(frozen=True)
class TableTarget:
    """Where an export is catalogued: the database, the table's name and the folder it reads."""

    database: str
    table: str
    bucket: str
    folder: str  # the key's folder, without the trailing "/"

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.folder}/"


def table_target(database: str, bucket: str, key_prefix: str, key: str, explicit_table: str) -> TableTarget:
    """The dataset is the key's folder; a key with no folder of its own under the prefix is a 400."""
    relative = key[len(key_prefix) :] if key.startswith(key_prefix) else key
    folder_in_prefix, _, _ = relative.rpartition("/")
    if not folder_in_prefix:
        raise BadRequest(
            "with a Glue catalog, s3_filename must put the export in a folder of its own, which becomes "
            "the table: for example exports/{taskName}/{date}.csv"
        )
    folder = key[: len(key) - len(relative)] + folder_in_prefix
    if explicit_table:
        table = catalog_name(explicit_table)
        if not table or len(explicit_table.strip()) > MAX_NAME:
            raise BadRequest(
                f"sendParameters.glue_table must hold a letter or digit and be at most {MAX_NAME} characters"
            )
    else:
        table = catalog_name(folder_in_prefix.rpartition("/")[2])
        if not table:
            raise BadRequest(
                "the export's folder name has no letter or digit to name its table; "
                "set sendParameters.glue_table or rename the folder"
            )
    return TableTarget(database=database, table=table, bucket=bucket, folder=folder)


def table_input(target: TableTarget, columns: Sequence[CatalogColumn], *, header: bool, task: Task) -> dict[str, Any]:
    """Glue's ``TableInput`` for the export: external CSV table over the folder."""
    parameters = {
        "classification": "csv",
        "EXTERNAL": "TRUE",
        "use.null.for.invalid.data": "true",
        TASK_ID_PARAMETER: task.task_id,
        OCCURRENCE_ID_PARAMETER: task.occurrence_id,
        OWNER_PARAMETER: OWNER,
        FOLDER_PARAMETER: target.location,
    }
    if header:
        parameters["skip.header.line.count"] = "1"
    return {
        "Name": target.table,
        "Description": DESCRIPTION,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "StorageDescriptor": {
            "Columns": [column.as_glue() for column in columns],
            "Location": target.location,
            "InputFormat": INPUT_FORMAT,
            "OutputFormat": OUTPUT_FORMAT,
            "SerdeInfo": {"SerializationLibrary": SERDE, "Parameters": dict(SERDE_PARAMETERS)},
        },
    }


def same_definition(existing: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """True when the catalogued table already reads the export as ``wanted`` would.

    Compared: columns (names, types), location, SerDe and its properties, the header skip, the
    connector's mark (a table from before the mark gets it once). The task ids are not compared:
    a delivery of the same shape leaves the definition alone.
    """

    def shape(table: Mapping[str, Any]) -> tuple[Any, ...]:
        storage = table.get("StorageDescriptor", {})
        serde = storage.get("SerdeInfo", {})
        return (
            [(c.get("Name"), c.get("Type")) for c in storage.get("Columns", [])],
            storage.get("Location"),
            serde.get("SerializationLibrary"),
            serde.get("Parameters", {}),
            table.get("Parameters", {}).get("skip.header.line.count"),
            table.get("Parameters", {}).get(OWNER_PARAMETER),
            table.get("Parameters", {}).get(FOLDER_PARAMETER),
        )

    return shape(existing) == shape(wanted)


def owner_of(existing: Mapping[str, Any], target: TableTarget) -> str | None:
    """None when ``existing`` is the connector's table for ``target``'s folder; else why it is not.

    The connector's table carries its mark (``ci360_connector``, ``ci360_folder``) and reads the
    folder. Tables written before the mark existed are recognised by what that version wrote: its
    description and task parameters, over the same folder.
    """
    parameters = existing.get("Parameters", {})
    location = existing.get("StorageDescriptor", {}).get("Location")
    marked = parameters.get(OWNER_PARAMETER) == OWNER
    written_before_the_mark = (
        OWNER_PARAMETER not in parameters
        and existing.get("Description") == DESCRIPTION
        and {TASK_ID_PARAMETER, OCCURRENCE_ID_PARAMETER} <= parameters.keys()
    )
    if not (marked or written_before_the_mark):
        return "was not created by this connector"
    if location != target.location or (marked and parameters.get(FOLDER_PARAMETER) != target.location):
        return "describes another folder"
    return None
