"""Which CI360 task an export belongs to: one value, carried from the request to the object and the event."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """CI360's task id, the id of this run of it (the occurrence) and the task's name; empty when absent."""

    task_id: str = ""
    occurrence_id: str = ""
    task_name: str = ""
