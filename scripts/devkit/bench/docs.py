"""docs/performance.md's figures, rendered from the committed results (docs/*-results.json).

The marked sections (``<!-- BEGIN bench:NAME -->`` … ``<!-- END bench:NAME -->``) hold the tables
and the verdict on every benchmark target, computed from the JSON, so the text cannot contradict
its own numbers. ``make bench`` copies its fresh results over the committed ones and runs
``python -m devkit.bench.docs update``; a test fails when the document and the JSON disagree.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from devkit.bench import aws as bench_aws
from devkit.bench import deflate as bench_deflate
from devkit.bench import loopback as bench
from devkit.bench import memory as bench_memory
from devkit.docs import marked
from devkit.paths import ROOT

DOC = ROOT / "docs" / "performance.md"
LOOPBACK_JSON = ROOT / "docs" / "performance-results.json"
AWS_JSON = ROOT / "docs" / "performance-aws-results.json"
DEFLATE_JSON = ROOT / "docs" / "performance-deflate-results.json"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _loopback_rows(results: list[dict[str, Any]]) -> dict[tuple[int, str], dict[str, Any]]:
    bench.table(results)  # adds the ratios
    return {(r["size_mib"], r["contender"]): r for r in results}


def targets(loopback: list[dict[str, Any]], aws: dict[str, Any]) -> str:
    """The benchmark targets, each with what the results reach and whether it is met."""
    rows = _loopback_rows(loopback)
    sizes = sorted({size for size, _ in rows})
    # The sizes run with the original and the floor's contenders (not the peak-memory-only ones).
    handler = [rows[(s, "handler")] for s in sizes if (s, "handler") in rows and (s, "original") in rows]
    lines = ["| target | reached | verdict |", "|---|---|---|"]
    if all(r.get("vs_original") for r in handler):
        ratios = ", ".join(f"{r['vs_original']:.2f}× at {r['size_mib']} MiB" for r in handler)
        verdict = _verdict(all(r["vs_original"] <= 0.60 for r in handler))
        lines.append(f"| ≤ 0.60× the original | {ratios} | {verdict} |")
    if all(r.get("vs_floor") for r in handler):
        ratios = ", ".join(f"{r['vs_floor']:.2f}× at {r['size_mib']} MiB" for r in handler)
        lines.append(f"| ≤ 1.1× the floor | {ratios} | {_verdict(all(r['vs_floor'] <= 1.1 for r in handler))} |")
    at_256 = rows.get((256, "handler"))
    if at_256 and at_256.get("vs_original"):
        lines.append(
            f"| loopback 256 MiB ≤ 0.75× the original | {at_256['vs_original']:.2f}× | "
            f"{_verdict(at_256['vs_original'] <= 0.75)} |"
        )
    rss_row = bench_memory.rss_target(loopback)
    if rss_row:
        lines.append(rss_row)
    capped = aws.get("capped")
    if capped:
        ranges = capped["parallel ranges"]
        ratio = ranges["seconds"] / capped["single_stream_bound_s"]
        lines.append(
            f"| capped source ({capped['cap_mib_per_s']:g} MiB/s per connection, {capped['size_mib']} MiB): "
            f"≤ 0.40 × size/cap, RSS ≤ 300 MiB | {ratio:.2f}×, {ranges['peak_rss_mib']:.0f} MiB | "
            f"{_verdict(ratio <= 0.40 and ranges['peak_rss_mib'] <= 300)} |"
        )
    one_core = aws.get("one_core")
    if one_core:
        plain, gz = one_core["plain"], one_core["gz"]
        speed, size = gz["seconds"] / plain["seconds"], gz["bytes"] / one_core["zlib_level_6_bytes"]
        lines.append(
            f"| one core: `.gz` ≤ 1.0 × plain, size ≤ 1.10 × zlib level 6 | {speed:.2f}×, {size:.3f}× | "
            f"{_verdict(speed <= 1.0 and size <= 1.10)} |"
        )
    return "\n".join(lines)


ARM64_PRICE_PER_GB_SECOND = 0.0000133334  # us-east-1, published Lambda price


def cost(loopback: list[dict[str, Any]]) -> str:
    """The cost estimate: seconds per GiB of the largest plain run, at two memory sizes."""
    rows = _loopback_rows(loopback)
    size = max(s for s, c in rows if c == "handler")
    seconds = float(rows[(size, "handler")]["seconds"])
    per_gib = seconds / (size / 1024)
    lines = [
        f"At the throughput of the {size} MiB plain run ({seconds:.2f} s, so {per_gib:.2f} s per GiB):",
        "",
        "| memory | GB | seconds per GiB (assumed as measured) | cost per GiB transferred |",
        "|---:|---:|---:|---:|",
    ]
    for megabytes in (1769, 3008):
        gigabytes = megabytes / 1024
        lines.append(
            f"| {megabytes} MB | {gigabytes:.2f} | {per_gib:.2f} | "
            f"≈ ${gigabytes * per_gib * ARM64_PRICE_PER_GB_SECOND:.5f} |"
        )
    return "\n".join(lines)


def sections() -> dict[str, Callable[[], str]]:
    def loopback() -> list[dict[str, Any]]:
        return list(json.loads(LOOPBACK_JSON.read_text()))

    def aws() -> dict[str, Any]:
        return dict(json.loads(AWS_JSON.read_text()))

    def deflate() -> dict[str, Any]:
        return dict(json.loads(DEFLATE_JSON.read_text()))

    return {
        "bench:loopback": lambda: bench.table(loopback()),
        "bench:memory": lambda: bench_memory.peak_rss_table(loopback()),
        "bench:deflate": lambda: bench_deflate.report(deflate()),
        "bench:aws": lambda: bench_aws.report(aws().get("capped"), aws().get("one_core")),
        "bench:targets": lambda: targets(loopback(), aws()),
        "bench:cost": lambda: cost(loopback()),
    }


def render(text: str) -> str:
    return marked.render(text, sections(), DOC.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["update", "check"])
    args = parser.parse_args()
    text = DOC.read_text()
    rendered = render(text)
    if args.command == "check":
        raise SystemExit(0 if rendered == text else f"{DOC} disagrees with its results JSON: run make bench-docs")
    DOC.write_text(rendered)
    print(f"rendered {DOC.relative_to(ROOT)} from {LOOPBACK_JSON.name}, {AWS_JSON.name} and {DEFLATE_JSON.name}")


if __name__ == "__main__":
    main()
