"""Deflate candidates side by side on the benchmark's CSV: speed per core and size against zlib level 6.

Every candidate compresses the same export the way the connector does (1 MiB blocks, each primed
with the previous 32 KiB and ended with a sync flush: ``s3_bulk_upload.gzip_stream``), in this
process pinned to one core; the speed is MiB per CPU second (``time.process_time``), so other
work on the machine slows the wall clock more than the figure. Candidates alternate order each
round; medians. The size is also given on the demo's export (names, emails, UUIDs: about 3:1
instead of the benchmark's 6:1), the harder case for the contract's 10 % rule (§3 ``gzip_level``).
``make bench`` runs it; ``python -m devkit.bench.deflate --json …``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from devkit.bench.loopback import make_export, rotated
from s3_bulk_upload.config import Config
from s3_bulk_upload.gzip_stream import BLOCK_SIZE, WINDOW, gzip_chunks
from s3_bulk_upload.units import MIB

CONNECTOR = "the connector (gzip_chunks, one thread)"


def _libraries() -> dict[str, ModuleType]:
    from isal import isal_zlib
    from zlib_ng import zlib_ng

    return {"zlib": zlib, "zlib-ng": zlib_ng, "isal": isal_zlib}


def candidates() -> list[dict[str, Any]]:
    """(library, level, strategy, memLevel): zlib-ng at each level and with other strategies and a larger
    hash (memLevel 9; deflate's window cannot exceed 32 KiB), ISA-L's igzip at each of its levels."""
    listed: list[dict[str, Any]] = [{"library": "zlib", "level": 6}]
    listed += [{"library": "zlib-ng", "level": level} for level in range(1, 10)]
    listed += [{"library": "isal", "level": level} for level in range(4)]
    for level in (2, 3, 4):
        listed += [
            {"library": "zlib-ng", "level": level, "strategy": "Z_FILTERED"},
            {"library": "zlib-ng", "level": level, "strategy": "Z_RLE"},
            {"library": "zlib-ng", "level": level, "mem_level": 9},
        ]
    return listed


def label(candidate: dict[str, Any]) -> str:
    if candidate["library"] == CONNECTOR:
        return CONNECTOR
    options = [candidate["strategy"]] if candidate.get("strategy") else []
    if candidate.get("mem_level"):
        options.append(f"memLevel {candidate['mem_level']}")
    return candidate["library"] + (f" ({', '.join(options)})" if options else "")


def cut(data: bytes) -> list[bytes]:
    """The export in the 1 MiB pieces the source hands on (cut before the clock starts)."""
    return [data[start : start + BLOCK_SIZE] for start in range(0, len(data), BLOCK_SIZE)]


def block_deflate(candidate: dict[str, Any]) -> Callable[[list[bytes]], int]:
    """The candidate as the connector uses a library: blocks primed with the previous 32 KiB, sync-flushed;
    the connector's own ``gzip_chunks`` on one thread (its CRC and hand-offs included) for the default."""
    if candidate["library"] == CONNECTOR:
        level = candidate["level"]
        return lambda blocks: sum(len(piece) for piece in gzip_chunks(iter(blocks), level, workers=1))
    library = _libraries()[candidate["library"]]
    strategy = getattr(library, candidate.get("strategy") or "Z_DEFAULT_STRATEGY")
    mem_level = candidate.get("mem_level", 8)

    def run(blocks: list[bytes]) -> int:
        written, previous = 0, b""
        for block in blocks:
            options = {"zdict": previous[-WINDOW:]} if previous else {}
            compressor = library.compressobj(candidate["level"], library.DEFLATED, -15, mem_level, strategy, **options)
            written += len(compressor.compress(block)) + len(compressor.flush(library.Z_SYNC_FLUSH))
            previous = block
        return written

    return run


def demo_csv(rows: int) -> bytes:
    from devkit.local.demo import write_export

    with tempfile.TemporaryDirectory() as tmp:
        path, _ = write_export(Path(tmp), rows)
        return path.read_bytes()


def measure(size_mib: int, rounds: int, demo_rows: int) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as a 1,769 MB function has
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        make_export(path, size_mib * MIB)
        data = cut(path.read_bytes())
    demo = cut(demo_csv(demo_rows))
    listed = [*candidates(), {"library": CONNECTOR, "level": Config.gzip_level}]
    names = [f"{label(c)} {c['level']}" for c in listed]
    by_name = dict(zip(names, listed, strict=True))
    speeds: dict[str, list[float]] = {name: [] for name in names}
    sizes: dict[str, int] = {}
    for round_number in range(rounds):
        for name in rotated(names, round_number):
            run = block_deflate(by_name[name])
            started = time.process_time()
            sizes[name] = run(data)
            speeds[name].append(size_mib / max(time.process_time() - started, 1e-9))
        print(f"  deflate round {round_number + 1}/{rounds} done", file=sys.stderr)
    zlib_six, demo_six = sizes[names[0]], block_deflate(listed[0])(demo)
    results = []
    for name, candidate in by_name.items():
        results.append(
            {
                "library": label(candidate),
                "level": candidate["level"],
                "mib_per_cpu_second": statistics.median(speeds[name]),
                "mib_per_cpu_second_min": min(speeds[name]),
                "mib_per_cpu_second_max": max(speeds[name]),
                "bytes": sizes[name],
                "size_vs_zlib_6": sizes[name] / zlib_six,
                "demo_size_vs_zlib_6": block_deflate(candidate)(demo) / demo_six,
            }
        )
    return {
        "size_mib": size_mib,
        "rounds": rounds,
        "demo_mib": round(sum(map(len, demo)) / MIB, 1),
        "default_level": Config.gzip_level,
        "results": results,
    }


def report(measured: dict[str, Any]) -> str:
    """The table of docs/performance.md's *A faster deflate* (rendered by devkit.bench.docs)."""
    reference = measured["results"][0]["mib_per_cpu_second"]
    lines = [
        f"{measured['size_mib']} MiB of the benchmark's CSV, one core, median of {measured['rounds']} rounds; "
        f"the last column on {measured['demo_mib']:g} MiB of the demo's export",
        "",
        "| compressor | level | MiB/s per core | min–max | × zlib 6's speed | size × zlib 6 | demo's size × zlib 6 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in measured["results"]:
        within = r["size_vs_zlib_6"] <= 1.10 and r["demo_size_vs_zlib_6"] <= 1.10
        mark = "" if within else " (over 10 %)"
        lines.append(
            f"| {r['library']} | {r['level']} | {r['mib_per_cpu_second']:.0f} | "
            f"{r['mib_per_cpu_second_min']:.0f}–{r['mib_per_cpu_second_max']:.0f} | "
            f"{r['mib_per_cpu_second'] / reference:.1f}× | {r['size_vs_zlib_6']:.3f}{mark} | "
            f"{r['demo_size_vs_zlib_6']:.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=32, help="size of the benchmark CSV compressed, MiB")
    parser.add_argument("--demo-rows", type=int, default=100_000, help="rows of the demo export (size ratio only)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    measured = measure(args.size_mib, args.rounds, args.demo_rows)
    print(report(measured))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(measured, indent=2) + "\n")


if __name__ == "__main__":
    main()
