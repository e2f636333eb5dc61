"""The README's request-field table, rendered from the api module's ``bulk_request.schema.json``
(``python -m devkit.docs.readme update``; ``make docs`` runs it, a test compares)."""

from __future__ import annotations

import argparse

from devkit.docs import marked
from devkit.local.api import request_fields
from devkit.paths import ROOT

README = ROOT / "README.md"


def render(text: str) -> str:
    return marked.render(text, {"request-schema": request_fields}, README.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "check"])
    args = parser.parse_args()
    text = README.read_text()
    if args.command == "check":
        raise SystemExit(0 if render(text) == text else "README.md's request fields are stale: run make docs")
    README.write_text(render(text))


if __name__ == "__main__":
    main()
