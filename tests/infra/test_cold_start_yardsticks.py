"""``make cold-start``'s yardsticks: the libraries-only handler loads the very third-party packages
the function's own import loads (so the gap between the two is our code alone), and each yardstick
is a handler that answers."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from devkit.packaging.artifact import YARDSTICKS, yardstick_source

THIRD_PARTY = """
import json, sys, sysconfig
before = set(sys.modules)
{statement}
site = sysconfig.get_paths()["purelib"]
print(json.dumps(sorted({{
    name.split(".")[0]
    for name, module in list(sys.modules.items())
    if name not in before and (getattr(module, "__file__", None) or "").startswith(site)
    and not name.startswith("s3_bulk_upload")
}})))
"""


def third_party_loaded_by(statement: str) -> list[str]:
    command = [sys.executable, "-c", THIRD_PARTY.format(statement=statement)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def test_the_libraries_yardstick_loads_what_the_function_loads_at_init():
    _, _, modules = YARDSTICKS["libraries"]
    function = third_party_loaded_by("import s3_bulk_upload.handler")
    assert "requests" in function and "aws_lambda_powertools" in function
    assert third_party_loaded_by("; ".join(f"import {m}" for m in modules)) == function


@pytest.mark.parametrize("name", YARDSTICKS)
def test_a_yardstick_is_a_handler_that_answers(name):
    _, doc, modules = YARDSTICKS[name]
    namespace: dict[str, Any] = {}
    exec(compile(yardstick_source(doc, modules), f"{name}.py", "exec"), namespace)
    assert namespace["handler"]({}, None) == {}
    assert namespace["__doc__"] == doc
