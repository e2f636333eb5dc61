"""The CloudWatch embedded metric format (EMF) documents in a function's output, read as CloudWatch
Logs reads them: the lines that are JSON objects with an ``_aws`` member."""

from __future__ import annotations

import json
from typing import Any


def documents(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def values(text: str) -> dict[str, list[float]]:
    """Every metric's values in order, by name (Powertools writes a list or a single value)."""
    found: dict[str, list[float]] = {}
    for document in documents(text):
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = document[metric["Name"]]
                found.setdefault(metric["Name"], []).extend(value if isinstance(value, list) else [value])
    return found
