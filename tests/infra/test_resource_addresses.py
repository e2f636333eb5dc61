"""Every resource address the README, the docs and the Makefile name exists: resolved through the
module calls (``module.connector`` → its ``source`` folder → ``module.api`` → …), not compared as
text. A module that moves changes its addresses; a `-replace=` with a stale one is "No changes"."""

from __future__ import annotations

import re

import pytest

from devkit.paths import ROOT
from devkit.terraform.config import TERRAFORM, module

ADDRESS = re.compile(r"\b(module\.[a-z_][a-z0-9_]*(?:\.module\.[a-z_][a-z0-9_]*)*\.(aws_[a-z0-9_]+)\.[a-z_][a-z0-9_]*)")
NAMED_IN = ["README.md", "Makefile", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]


def resolve(address: str) -> bool:
    """True when ``address`` names a resource of the root module's tree."""
    parts = address.split(".")
    folder = TERRAFORM
    while parts[0] == "module":
        calls = module(str(folder.relative_to(TERRAFORM)) if folder != TERRAFORM else "").get("module", {})
        if parts[1] not in calls:
            return False
        folder = (folder / calls[parts[1]]["source"]).resolve()
        parts = parts[2:]
    kind, name = parts
    return name in module(str(folder.relative_to(TERRAFORM))).get("resource", {}).get(kind, {})


def addresses() -> list[tuple[str, str]]:
    found = []
    for name in NAMED_IN:
        for match in ADDRESS.finditer((ROOT / name).read_text()):
            found.append((name, match.group(1)))
    return found


def test_the_api_key_address_is_named_where_operators_look():
    assert ("Makefile", "module.connector.module.api.aws_api_gateway_api_key.ci360") in addresses()


@pytest.mark.parametrize(("where", "address"), addresses())
def test_every_named_address_resolves_through_the_module_calls(where, address):
    assert resolve(address), f"{where} names {address}, which is no resource of the configuration"


def test_the_resolver_refuses_an_address_from_before_the_module_moved():
    assert not resolve("module.api.aws_api_gateway_api_key.ci360")  # what the README used to say
    assert resolve("module.connector.module.api.aws_api_gateway_api_key.ci360")
