"""What a delivery left in the bucket: one value for the answer, the delivery event and the metrics."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalogued
from .task import Task


@dataclass(frozen=True)
class Delivered:
    """The object at ``key`` (for a hand-off: where it will be), and what is known about it.

    ``rows`` is None when this request did not stream the file (a duplicate, a hand-off);
    ``catalog`` is None when no Glue database is configured or nothing was catalogued.
    """

    bucket: str
    key: str
    header: bool
    task: Task
    bytes: int = 0
    rows: int | None = None
    columns: tuple[str, ...] = ()
    seconds: float = 0.0
    request_id: str = ""
    line_breaks_in_fields: int = 0
    escape_characters: int = 0  # the catalog's escape character, which Athena's reader drops
    catalog: Catalogued | None = None

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def gzip(self) -> bool:
        return self.key.endswith(".gz")
