"""The exported lock files (``uv export`` of uv.lock): what they pin, as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Pinned:
    version: str
    marker: str | None  # the environments it applies to; None: all
    hashes: int


def pinned(path: Path) -> dict[str, Pinned]:
    """Package name (canonical) -> its pin, for every entry of an exported requirements lock."""
    entries: dict[str, Pinned] = {}
    for block in re.split(r"\n(?=\S)", path.read_text()):
        first = block.splitlines()[0]
        if first.startswith("#"):
            continue
        requirement = Requirement(first.rstrip(" \\"))
        (specifier,) = requirement.specifier
        marker = str(requirement.marker) if requirement.marker else None
        entries[canonicalize_name(requirement.name)] = Pinned(specifier.version, marker, block.count("--hash=sha256:"))
    return entries
