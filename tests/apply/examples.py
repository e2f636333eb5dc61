"""What the two example files of the apply suite share: the examples' module address and the
resources moto cannot create (test_apply_complete.py, test_apply_existing_bucket.py)."""

from __future__ import annotations

import json
from typing import Any

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes, diff

GAPS = moto_apply.gaps("module.ci360_connector")
BUCKET_MODULE = "module.ci360_connector.module.bucket"


def only_the_moto_gaps_failed(result: moto_apply.Result) -> None:
    assert {address for address, _, _ in result.diagnostics()} == set(GAPS), result.diagnostics()


def creates_only_the_moto_gaps(plan: dict[str, Any]) -> None:
    assert changes(plan) == {address: ["create"] for address in GAPS}, json.dumps(diff(plan), indent=1, default=str)
