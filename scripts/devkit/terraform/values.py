"""Values Terraform would compute for the function, from the modules' own text (offline, no provider).

Two places where the code meets Terraform are checked from here, so neither side is retyped:

- ``function_environment``: the Lambda environment block the connector module writes, evaluated
  for given input values (the handful of expression forms that block uses; anything else fails).
- ``dashboard_queries``: each (metric, dimensions) the dashboard's widgets ask of the function's
  namespace, with the connector's values for the namespace and service.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from devkit.terraform.config import module

# var.x, and tostring(var.x): both give the value as the environment holds it.
_VAR = re.compile(r"\$\{(?:var\.(\w+)|tostring\(var\.(\w+)\))\}")
_JOIN = re.compile(r'\$\{join\("(.*)", var\.(\w+)\)\}')
_FOR = re.compile(r"\$\{\[for (\w+) in \[(.*?)\] : \[(.*)\]\]\}")


def connector_defaults() -> dict[str, Any]:
    return {name: spec.get("default") for name, spec in module("modules/connector")["variable"].items()}


def _string(value: Any) -> str:
    """Terraform's tostring(): booleans as true/false, numbers as written."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def function_environment(inputs: dict[str, Any], bucket_name: str) -> dict[str, str]:
    """The connector's ``module "lambda" { environment = {…} }`` with ``var.*`` from ``inputs`` (over
    the defaults), ``local.name`` = ``inputs["name"]`` and the bucket module's name = ``bucket_name``."""
    values = {**connector_defaults(), **inputs}
    bus, glue = values.get("delivery_event_bus_name"), values.get("glue_database_name")
    if glue is None and values.get("create_glue_database"):
        glue = values["name"].replace("-", "_") + "_exports"  # created without a name: the deployment's
    locals_ = {
        "name": values["name"],
        "delivery_event_bus": "" if bus is None else bus,
        "glue_database": "" if glue is None else glue,  # created or existing, the same name
        # Built from the partition, Region and account (data sources): an example account here.
        "state_machine_arn": f"arn:aws:states:eu-west-1:123456789012:stateMachine:{values['name']}-distributed",
    }
    environment = {}
    for key, expression in module("modules/connector")["module"]["lambda"]["environment"].items():
        if expression == "${module.bucket.bucket_name}":
            environment[key] = bucket_name
        elif match := re.fullmatch(r"\$\{local\.(\w+)\}", expression):
            environment[key] = _string(locals_[match.group(1)])
        elif match := _VAR.fullmatch(expression):
            environment[key] = _string(values[match.group(1) or match.group(2)])
        elif match := _JOIN.fullmatch(expression):
            environment[key] = match.group(1).join(values[match.group(2)])
        else:
            raise ValueError(f"environment {key} = {expression}: an expression this reader does not evaluate")
    return environment


@dataclass(frozen=True)
class MetricQuery:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]


def _elements(text: str) -> list[str]:
    """The top-level items of an HCL list body (the object at its end is dropped)."""
    items, depth, current = [], 0, ""
    for ch in text:
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += ch
    items.append(current.strip())
    return [item for item in items if not item.startswith("{")]


def _query(items: list[str], values: dict[str, str]) -> MetricQuery | None:
    def value(item: str) -> str:
        if item.startswith('"'):
            return str(json.loads(item))
        item = item.removeprefix("${").removesuffix("}")
        return values[item]

    if not items or items[0] not in ("${var.metrics_namespace}", "var.metrics_namespace"):
        return None  # AWS's own metrics (Lambda, API Gateway, SQS)
    namespace, metric, *pairs = [value(item) for item in items]
    return MetricQuery(namespace, metric, tuple(zip(pairs[::2], pairs[1::2], strict=True)))


def dashboard_queries(inputs: dict[str, Any]) -> list[MetricQuery]:
    """Each query of the function's own metrics in the dashboard the connector module creates."""
    values = {**connector_defaults(), **inputs}
    call = module("modules/connector")["module"]["dashboard"]
    assert call["metrics_namespace"] == "${var.metrics_namespace}" and call["service_name"] == "${local.name}"
    variables = {"var.metrics_namespace": str(values["metrics_namespace"]), "var.service_name": str(values["name"])}
    (locals_,) = module("modules/dashboard")["locals"]["_blocks"]
    queries: list[MetricQuery] = []
    for widget in locals_["widgets"]:
        metrics = widget["metrics"]
        if isinstance(metrics, str):  # a local such as ${local.connector}: a for expression
            local = locals_[metrics.removeprefix("${local.").removesuffix("}")]
            match = _FOR.fullmatch(local)
            assert match, local
            name, over, body = match.groups()
            for item in json.loads(f"[{over}]"):
                items = [f'"{item}"' if element == name else element for element in _elements(body)]
                query = _query(items, variables)
                if query:
                    queries.append(query)
            continue
        for entry in metrics:
            if isinstance(entry, list):
                items = [e if e.startswith("${") else json.dumps(e) for e in entry if isinstance(e, str)]
                query = _query(items, variables)
                if query:
                    queries.append(query)
    return queries
