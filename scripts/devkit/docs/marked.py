"""Marked sections of a document (``<!-- BEGIN NAME -->`` … ``<!-- END NAME -->``) rendered from data.

Used for the figures in docs/performance.md (from the benchmark results) and the request fields in
the README (from the api module's JSON schema): a test re-renders and compares, so the text
cannot drift from its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping


def render(text: str, sections: Mapping[str, Callable[[], str]], where: str) -> str:
    """``text`` with each named section's body replaced by what its function returns."""
    for name, make in sections.items():
        match = re.search(rf"<!-- BEGIN {re.escape(name)} -->\n(.*?)<!-- END {re.escape(name)} -->", text, re.S)
        if match is None:
            raise SystemExit(f"{where} has no marked section {name}")
        text = text[: match.start(1)] + make() + "\n" + text[match.end(1) :]
    return text
