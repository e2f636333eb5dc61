"""The moto gaps as every file of the apply suite checks them: an apply fails only on the resources
moto cannot serve (``moto_apply.MOTO_GAPS``, each answered 404), and the plan after it creates only
those. ``connector`` is the address the root calls the connector module at."""

from __future__ import annotations

import json
from typing import Any

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes, diff

ROOT_CONNECTOR = "module.connector"  # terraform/, the workspace root
EXAMPLE_CONNECTOR = "module.ci360_connector"  # the examples and the test roots under fixtures/


def only_the_moto_gaps_failed(result: moto_apply.Result, connector: str) -> None:
    failed = {address for address, _, _ in result.diagnostics()}
    assert failed == set(moto_apply.gaps(connector)), result.diagnostics()
    assert all("404" in detail or "Not Found" in detail for _, _, detail in result.diagnostics())


def the_next_plan_creates_only_the_moto_gaps(plan: dict[str, Any], connector: str) -> None:
    expected = {address: ["create"] for address in moto_apply.gaps(connector)}
    assert changes(plan) == expected, json.dumps(diff(plan), indent=1, default=str)
