"""Writing the export's table into the Glue Data Catalog (contract §2.14), after S3 holds the object.

Get the table; create it when absent, update it when its definition differs, leave it alone when
it reads the export already. A failure here never undoes the delivery: it is reported as
``failed`` and the caller answers 200 with ``catalog: "failed"``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from .catalog_schema import TableTarget, catalog_columns, same_definition, table_input, table_target
from .errors import DestinationError
from .metadata import MetadataColumn
from .task import Task

if TYPE_CHECKING:
    from mypy_boto3_glue import GlueClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Catalogued:
    """What the catalog holds for the export: ``failed`` when the table could not be written."""

    database: str
    table: str
    schema_changed: bool = False
    failed: bool = False

    def answer_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"glue_database": self.database, "glue_table": self.table}
        if self.failed:
            fields["catalog"] = "failed"
        return fields

    def event_fields(self) -> dict[str, Any]:
        if self.failed:
            return self.answer_fields()
        return {**self.answer_fields(), "schema_changed": self.schema_changed}


class ExportCatalog:
    """The catalog step for one configuration; with no database it checks and writes nothing.

    ``check`` runs before any transfer (its errors are 400s); ``write`` after S3 holds the object.
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

    def check(self, key: str, explicit_table: str, metadata: Sequence[MetadataColumn] | None) -> None:
        """The table's folder, name and (when the metadata is known) columns can be catalogued."""
        self.target(key, explicit_table)
        if self.enabled and metadata is not None:
            catalog_columns(metadata)

    def write(
        self,
        key: str,
        explicit_table: str,
        metadata: Sequence[MetadataColumn],
        *,
        header: bool,
        task: Task,
        line_breaks_in_fields: int,
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
        wanted = table_input(target, catalog_columns(metadata), header=header, task=task)
        return register(self._client_factory(), target, wanted)


def register(client: GlueClient, target: TableTarget, wanted: Mapping[str, Any]) -> Catalogued:
    """Create or update the table; ``schema_changed`` is True when a definition was written."""
    where = {"glue_database": target.database, "glue_table": target.table}
    try:
        changed = _write(client, target.database, wanted)
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
        log.error("catalog table not written", extra={**where, "error": code or type(exc).__name__})
        return Catalogued(target.database, target.table, failed=True)
    message = "catalog table written" if changed else "catalog table unchanged"
    log.info(message, extra={**where, "schema_changed": changed})
    return Catalogued(target.database, target.table, schema_changed=changed)


def _write(client: GlueClient, database: str, wanted: Mapping[str, Any]) -> bool:
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
    if same_definition(existing, wanted):
        return False
    client.update_table(DatabaseName=database, TableInput=wanted)  # type: ignore[arg-type]
    return True


def _table(client: GlueClient, database: str, name: str) -> Mapping[str, Any] | None:
    try:
        return client.get_table(DatabaseName=database, Name=name)["Table"]
    except client.exceptions.EntityNotFoundException:
        return None
