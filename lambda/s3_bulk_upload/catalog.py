"""Writing the export's table into the Glue Data Catalog (contract §2.14), after S3 holds the object.

Get the table; create it when absent, update it when its definition differs, leave it alone when
it reads the export already. Only the connector's own tables are changed (``owner_of``): a table
that is not marked as the connector's, or that describes another folder, is a ``Conflict`` (409)
when ``check`` finds it before the transfer, and reported as ``conflict`` when ``write`` finds it
afterwards (a race). A failure here never undoes the delivery: it is reported as ``failed`` and
the caller answers 200 with ``catalog: "failed"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .catalog_schema import TableTarget, catalog_columns, owner_of, same_definition, table_input, table_target
from .errors import Conflict, DestinationError
from .metadata import MetadataColumn
from .task import Task

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Catalogued:
    """What the catalog holds for the export: ``failed`` when the table could not be written,
    ``conflict`` when the table of that name is not the connector's table for the folder."""

    database: str
    table: str
    schema_changed: bool = False
    failed: bool = False
    conflict: bool = False

    def answer_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"glue_database": self.database, "glue_table": self.table}
        if self.conflict:
            fields["catalog"] = "conflict"
        elif self.failed:
            fields["catalog"] = "failed"
        return fields

    def event_fields(self) -> dict[str, Any]:
        if self.failed or self.conflict:
            return self.answer_fields()
        return {**self.answer_fields(), "schema_changed": self.schema_changed}


class NotOurTable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def conflict_message(target: TableTarget, reason: str) -> str:
    return (
        f"the Glue table {target.database}.{target.table} {reason}, and the connector changes only its own "
        "tables: set sendParameters.glue_table to another name, or drop that table"
    )


class ExportCatalog:
    """The catalog step for one configuration; with no database it checks and writes nothing.

    ``check`` runs before any transfer (its errors are 400s and 409s); ``write`` after S3 holds the object.
    """

    def __init__(
        self, database: str, bucket: str, key_prefix: str, client_factory: Callable[[], GlueClient] | None
    ) -> None:
        self.database = database
        self._bucket = bucket
        self._key_prefix = key_prefix
        self._client_factory = client_factory

    @property
    def enabled(self) -> bool:
        return bool(self.database)

    def target(self, key: str, explicit_table: str) -> TableTarget | None:
        if not self.enabled:
            return None
        return table_target(self.database, self._bucket, self._key_prefix, key, explicit_table)

    def check(
        self, key: str, explicit_table: str, metadata: Sequence[MetadataColumn] | None, *, header: bool = False
    ) -> None:
        """The table's folder, name and (when the metadata is known) columns can be catalogued, and
        (with the metadata, so once per delivery) the table of that name is absent or the connector's."""
        target = self.target(key, explicit_table)
        if target is None or metadata is None:
            return
        catalog_columns(metadata, header=header)
        if self._client_factory is None:
            return
        try:
            existing = _table(self._client_factory(), target.database, target.table)
        except (ClientError, BotoCoreError) as exc:  # the write after the transfer will tell
            log.warning("catalog table not checked before the transfer", extra={"error": _error_code(exc)})
            return
        reason = owner_of(existing, target) if existing is not None else None
        if reason is not None:
            raise Conflict(conflict_message(target, reason))

    def write(
        self,
        key: str,
        explicit_table: str,
        metadata: Sequence[MetadataColumn],
        *,
        header: bool,
        task: Task,
        line_breaks_in_fields: int,
        escape_characters: int = 0,
    ) -> Catalogued | None:
        target = self.target(key, explicit_table)
        if target is None:
            return None
        if self._client_factory is None:
            raise DestinationError("glue_database is set but no Glue client was given")
        if line_breaks_in_fields:
            log.warning(
                "fields hold line breaks: Athena's CSV reader splits those records into several rows",
                extra={"key": key, "line_breaks_in_fields": line_breaks_in_fields},
            )
        if escape_characters:
            log.warning(
                "the data holds the catalog table's escape character (U+FFFF): Athena's CSV reader drops it",
                extra={"key": key, "escape_characters": escape_characters},
            )
        wanted = table_input(target, catalog_columns(metadata), header=header, task=task)
        try:
            client = self._client_factory()
        except (ClientError, BotoCoreError) as exc:
            return _failed(target, exc)
        return register(client, target, wanted)


def register(client: GlueClient, target: TableTarget, wanted: Mapping[str, Any]) -> Catalogued:
    """Create or update the table; ``schema_changed`` is True when a definition was written."""
    where = {"glue_database": target.database, "glue_table": target.table}
    try:
        changed = _write(client, target, wanted)
    except NotOurTable as exc:
        log.warning("catalog table left alone: it is not this connector's", extra={**where, "reason": exc.reason})
        return Catalogued(target.database, target.table, conflict=True)
    except (ClientError, BotoCoreError) as exc:
        return _failed(target, exc)
    message = "catalog table written" if changed else "catalog table unchanged"
    log.info(message, extra={**where, "schema_changed": changed})
    return Catalogued(target.database, target.table, schema_changed=changed)


def _failed(target: TableTarget, exc: ClientError | BotoCoreError) -> Catalogued:
    where = {"glue_database": target.database, "glue_table": target.table}
    log.error("catalog table not written", extra={**where, "error": _error_code(exc)})
    return Catalogued(target.database, target.table, failed=True)


def _error_code(exc: ClientError | BotoCoreError) -> str:
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    return code or type(exc).__name__


def _write(client: GlueClient, target: TableTarget, wanted: Mapping[str, Any]) -> bool:
    database = target.database
    existing = _table(client, database, wanted["Name"])
    if existing is None:
        try:
            client.create_table(DatabaseName=database, TableInput=wanted)  # type: ignore[arg-type]
            return True
        except client.exceptions.AlreadyExistsException:
            # Another delivery created it first: compare with what it wrote.
            existing = _table(client, database, wanted["Name"])
            if existing is None:
                raise
    reason = owner_of(existing, target)
    if reason is not None:
        raise NotOurTable(reason)
    if same_definition(existing, wanted):
        return False
    # Glue refuses the update (ConcurrentModificationException) when the table changed since it was read.
    version = {"VersionId": existing["VersionId"]} if existing.get("VersionId") else {}
    client.update_table(DatabaseName=database, TableInput=wanted, **version)  # type: ignore[arg-type]
    return True


def _table(client: GlueClient, database: str, name: str) -> Mapping[str, Any] | None:
    try:
        return client.get_table(DatabaseName=database, Name=name)["Table"]
    except client.exceptions.EntityNotFoundException:
        return None
