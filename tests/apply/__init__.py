"""The apply suite (a package, so its conftest is not the root conftest for mypy)."""
