"""Benchmark scenarios shaped like AWS, where the bottlenecks are not loopback's.

(a) ``capped``: the staging server holds every connection to a per-connection rate (S3 serves
    about 85-90 MB/s per GET connection, less across Regions; 24 MiB/s by default, ``--cap-mib``),
    so one stream can never beat size / cap. The handler (parallel ranges) against that bound and
    against itself on one stream (``source_connections=1``, the handler before ranged reads).
(b) ``one-core``: the handler pinned to one core with ``taskset`` (Lambda's default 1,769 MB is
    one vCPU), S3 and the staging server on the other: ``.gz`` against plain at the default
    level, and the ``.gz`` object's size against zlib level 6's.

Each run is a fresh child process (``devkit.bench.loopback child``); medians of ``--rounds``, contenders
alternating; the first round's objects are checked to be header + data, byte for byte.
``make bench`` runs these after the loopback scenarios.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devkit.bench.loopback import empty_bucket, make_export, pyplot, rotated, run_child, save, summary
from devkit.bench.memory import lambda_runtime_environment
from devkit.local.moto_server import aws_environment, create_bucket, moto_server
from devkit.local.staging import staged_url, staging_process
from s3_bulk_upload.units import MIB

HANDLER_CORE, SERVICES_CORE = ("taskset", "-c", "0"), ("taskset", "-c", "1")
Runs = dict[str, tuple[dict[str, str], tuple[str, ...]]]  # contender: (environment, command prefix)
COLUMNS = ["id", "email", "name", "score", "segment"]
HEADER = (",".join(COLUMNS) + "\n").encode()
ONE_CORE_GZ = {"gz": ".gz, default level (ISA-L 2)", "gz_level_4": ".gz, gzip_level 4 (zlib-ng)"}


@contextmanager
def services(folder: Path, cap_mib: float | None, pinned: bool) -> Iterator[tuple[dict[str, str], str, Any]]:
    """moto and the staging server in processes of their own; yields (child env, staging base URL, S3 client)."""
    import boto3

    prefix = SERVICES_CORE if pinned else ()
    with (
        staging_process(folder, rate_mib=cap_mib, prefix=prefix) as base,
        moto_server(in_process=False, prefix=prefix) as endpoint,
    ):
        os.environ.update(aws_environment(endpoint))
        # Every contender here is the handler: with the function's runtime environment (MALLOC_ARENA_MAX).
        env = {**os.environ, **aws_environment(endpoint), **lambda_runtime_environment()}
        yield env, base, boto3.client("s3")


def verify(s3: Any, bucket: str, expected: bytes, compressed: bool) -> None:
    """The one object in the bucket is exactly header + data (after gunzip for .gz)."""
    (only,) = s3.list_objects_v2(Bucket=bucket)["Contents"]
    stored = s3.get_object(Bucket=bucket, Key=only["Key"])["Body"].read()
    if (gzip.decompress(stored) if compressed else stored) != expected:
        raise SystemExit(f"{only['Key']} is not header + data")


def measure(
    runs: Runs, values: dict[str, str], rounds: int, s3: Any, bucket: str, *, expected: bytes
) -> dict[str, dict[str, float]]:
    """Median seconds, range and peak RSS of each contender (alternating order each round); the
    first round's objects are checked byte for byte."""
    names = list(runs)
    measured: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    for round_number in range(rounds):
        for name in rotated(names, round_number):
            env, prefix = runs[name]
            contender = "handler_gz" if name.startswith("gz") else "handler"
            measured[name].append(run_child(contender, env, values, prefix))
            if round_number == 0:
                verify(s3, bucket, expected, compressed=contender == "handler_gz")
            empty_bucket(s3, bucket)
        print(f"  round {round_number + 1}/{rounds} done", file=sys.stderr)
    return {name: summary(results) for name, results in measured.items()}


def capped(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    data = folder / "capped.csv"
    make_export(data, args.capped_mib * MIB)
    with services(folder, args.cap_mib, pinned=False) as (env, base, s3):
        bucket = create_bucket(s3, "bench-" + uuid.uuid4().hex[:8])
        values = {"data_url": staged_url(base, data.name), "meta_url": staged_url(base, "meta.json"), "bucket": bucket}
        runs: Runs = {
            "parallel ranges": ({**env, "source_connections": str(args.connections)}, ()),
            "one stream": ({**env, "source_connections": "1"}, ()),
        }
        results = measure(runs, values, args.rounds, s3, bucket, expected=HEADER + data.read_bytes())
    data.unlink()
    bound = args.capped_mib / args.cap_mib
    return {"size_mib": args.capped_mib, "cap_mib_per_s": args.cap_mib, "single_stream_bound_s": bound, **results}


def one_core(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    data = folder / "one-core.csv"
    make_export(data, args.one_core_mib * MIB)
    expected = HEADER + data.read_bytes()
    zlib_six = len(gzip.compress(expected, compresslevel=6))
    with services(folder, None, pinned=True) as (env, base, s3):
        bucket = create_bucket(s3, "bench-" + uuid.uuid4().hex[:8])
        values = {"data_url": staged_url(base, data.name), "meta_url": staged_url(base, "meta.json"), "bucket": bucket}
        runs: Runs = {
            "plain": (env, HANDLER_CORE),
            "gz": (env, HANDLER_CORE),
            # The default before ISA-L, in the same run: zlib-ng's level 4 (zlib level 6's size).
            "gz_level_4": ({**env, "gzip_level": "4"}, HANDLER_CORE),
        }
        results = measure(runs, values, args.rounds, s3, bucket, expected=expected)
    data.unlink()
    return {"size_mib": args.one_core_mib, "zlib_level_6_bytes": zlib_six, **results}


def report(capped_result: dict[str, Any] | None, one_core_result: dict[str, Any] | None) -> str:
    lines = []
    if capped_result:
        c = capped_result
        bound = c["single_stream_bound_s"]
        lines += [
            f"(a) staging capped at {c['cap_mib_per_s']:g} MiB/s per connection, {c['size_mib']} MiB export; "
            f"one stream's bound (size / cap): {bound:.2f} s",
            "",
            "| contender | seconds (median) | min–max | × size/cap | MiB/s | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name in ("parallel ranges", "one stream"):
            r = c[name]
            lines.append(
                f"| {name} | {r['seconds']:.2f} | {r['seconds_min']:.2f}–{r['seconds_max']:.2f} | "
                f"{r['seconds'] / bound:.2f}× | {c['size_mib'] / r['seconds']:.0f} | {r['peak_rss_mib']:.0f} |"
            )
        lines.append("")
    if one_core_result:
        o = one_core_result
        plain = o["plain"]
        lines += [
            f"(b) handler pinned to one core (S3 and staging on the other), {o['size_mib']} MiB export",
            "",
            "| contender | seconds (median) | min–max | × plain | object bytes | × zlib level 6 |",
            "|---|---:|---:|---:|---:|---:|",
            f"| plain | {plain['seconds']:.2f} | {plain['seconds_min']:.2f}–{plain['seconds_max']:.2f} | 1.00× | "
            f"{int(plain['bytes'])} | – |",
        ]
        for name, label in ONE_CORE_GZ.items():
            gz = o.get(name)
            if gz:
                lines.append(
                    f"| {label} | {gz['seconds']:.2f} | {gz['seconds_min']:.2f}–{gz['seconds_max']:.2f} | "
                    f"{gz['seconds'] / plain['seconds']:.2f}× | {int(gz['bytes'])} | "
                    f"{gz['bytes'] / o['zlib_level_6_bytes']:.3f}× |"
                )
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    figure, (left, right) = pyplot().subplots(1, 2, figsize=(12, 4.5))
    if results.get("capped"):
        c = results["capped"]
        names = ["parallel ranges", "one stream"]
        left.bar(names, [c[n]["seconds"] for n in names], color=["tab:green", "tab:gray"])
        left.axhline(c["single_stream_bound_s"], color="red", linestyle="--", label="one stream's bound (size / cap)")
        left.set_title(f"(a) {c['size_mib']} MiB, source capped at {c['cap_mib_per_s']:g} MiB/s per connection")
        left.set_ylabel("seconds (median)")
        left.legend(fontsize=8)
    if results.get("one_core"):
        o = results["one_core"]
        names = ["plain", *(n for n in ONE_CORE_GZ if n in o)]
        labels = ["plain", *(ONE_CORE_GZ[n] for n in names[1:])]
        colors = ["tab:blue", "tab:orange", "tab:gray"][: len(names)]
        right.bar(labels, [o[n]["seconds"] for n in names], color=colors)
        right.tick_params(axis="x", labelsize=8)
        right.axhline(o["plain"]["seconds"], color="red", linestyle="--", label="plain's time (the target)")
        right.set_title(f"(b) {o['size_mib']} MiB, handler on one core")
        right.set_ylabel("seconds (median)")
        right.legend(fontsize=8)
    save(figure, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default="capped,one-core")
    parser.add_argument("--cap-mib", type=float, default=24.0, help="per-connection cap of the staging server, MiB/s")
    parser.add_argument("--capped-mib", type=int, default=192, help="export size of scenario (a), MiB")
    parser.add_argument("--one-core-mib", type=int, default=128, help="export size of scenario (b), MiB")
    parser.add_argument("--connections", type=int, default=8, help="source_connections of the parallel contender")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args()
    scenarios = set(args.scenarios.split(","))
    if "one-core" in scenarios and (shutil.which("taskset") is None or len(os.sched_getaffinity(0)) < 2):
        print("one-core scenario skipped: needs taskset and two cores", file=sys.stderr)
        scenarios.discard("one-core")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        folder = Path(tmp)
        (folder / "meta.json").write_text(json.dumps(COLUMNS))
        if "capped" in scenarios:
            results["capped"] = capped(args, folder)
        if "one-core" in scenarios:
            results["one_core"] = one_core(args, folder)
    print(report(results.get("capped"), results.get("one_core")))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
