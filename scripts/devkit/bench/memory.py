"""Peak memory: the function's runtime environment as Terraform writes it, and VmHWM by export size.

The handler is benchmarked with the environment ``terraform/modules/lambda`` adds to the
function besides config.py's settings (glibc's ``MALLOC_ARENA_MAX``), read from the module's own
text, so the figures are those of the deployed function; a contender without it shows what the
setting buys and costs.
"""

from __future__ import annotations

import re
from typing import Any

from devkit.terraform.config import module

# Contenders with the function's runtime environment, and the one without it.
WITH_RUNTIME_ENVIRONMENT = ("handler", "handler_gz")
WITHOUT = "handler_malloc_default"
_ASSIGNMENT = re.compile(r'(\w+) = "([^"]*)"')
RSS_TARGET_MIB = 256


def lambda_runtime_environment() -> dict[str, str]:
    """The literal variables ``aws_lambda_function.this`` merges into ``var.environment`` (none: {})."""
    (block,) = module("modules/lambda")["resource"]["aws_lambda_function"]["this"]["environment"]
    return dict(_ASSIGNMENT.findall(str(block["variables"])))


def child_environment(contender: str, env: dict[str, str]) -> dict[str, str]:
    """A contender's process environment: the handler's with the function's runtime variables."""
    if contender in WITH_RUNTIME_ENVIRONMENT:
        return {**env, **lambda_runtime_environment()}
    return env


def peak_rss_table(results: list[dict[str, Any]]) -> str:
    """Peak RSS (VmHWM) of the handler by export size: plain, .gz and plain with glibc's default arenas."""
    columns = [c for c in (*WITH_RUNTIME_ENVIRONMENT, WITHOUT) if any(r["contender"] == c for r in results)]
    names = {"handler": "plain", "handler_gz": ".gz", WITHOUT: "plain, glibc's default arenas"}
    by = {(r["size_mib"], r["contender"]): r for r in results}
    lines = [
        "| export size | " + " | ".join(f"{names[c]} peak RSS MiB" for c in columns) + " | rounds |",
        "|---:|" + "---:|" * len(columns) + "---:|",
    ]
    for size in sorted({r["size_mib"] for r in results}):
        cells = [f"{float(by[(size, c)]['peak_rss_mib']):.0f}" if (size, c) in by else "–" for c in columns]
        rounds = max(int(by[(size, c)].get("rounds", 1)) for c in columns if (size, c) in by)
        lines.append(f"| {size} MiB | " + " | ".join(cells) + f" | {rounds} |")
    return "\n".join(lines)


def rss_target(results: list[dict[str, Any]]) -> str | None:
    """The targets table's row: the highest peak RSS of the handler (plain and .gz) at any size measured."""
    handler = [r for r in results if r["contender"] in WITH_RUNTIME_ENVIRONMENT]
    if not handler:
        return None
    worst = max(handler, key=lambda r: float(r["peak_rss_mib"]))
    sizes = sorted({r["size_mib"] for r in handler})
    reached = f"{float(worst['peak_rss_mib']):.0f} MiB (highest, {worst['size_mib']} MiB {worst['contender']})"
    met = float(worst["peak_rss_mib"]) <= RSS_TARGET_MIB
    verdict = "met" if met else "**missed**"
    return (
        f"| peak RSS ≤ {RSS_TARGET_MIB} MiB at every size ({', '.join(map(str, sizes))} MiB) | {reached} | {verdict} |"
    )
