"""Side-by-side benchmark: this handler vs the original connector's way, against the same local S3.

Every contender runs in a fresh child process (so peak RSS is its own) against one moto server
and one staging file server, each in a process of its own; contenders alternate order each
round and medians are reported. `make bench` runs it; `--quick` is a small run.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devkit.bench.memory import RSS_TARGET_MIB, child_environment
from devkit.events import bulk_request, proxy_event
from devkit.local.context import LocalContext
from devkit.local.moto_server import aws_environment, create_bucket, moto_server
from devkit.local.staging import staged_url, staging_process
from s3_bulk_upload.units import MIB

CONTENDERS = ("handler", "handler_gz", "handler_malloc_default", "original", "download_only", "upload_only")
LABELS = {
    "handler": "this handler (sync)",
    "handler_gz": "this handler, .gz key",
    "handler_malloc_default": "this handler, glibc's default malloc arenas",
    "original": "original: download to disk, then upload_file",
    "download_only": "download only (source speed)",
    "upload_only": "SDK upload from memory (sink speed)",
}


def make_export(path: Path, size: int) -> None:
    """Realistic CSV rows (quoted fields, varied values) up to ``size`` bytes."""
    rows = []
    for i in range(20_000):
        rows.append(
            f'{uuid.UUID(int=i * 7919)},user{i}@example.com,"Last{i % 97}, First{i % 89}",'
            f'{(i * 37 % 1000) / 1000:.3f},"seg-{i % 13}, region-{i % 7}"\n'
        )
    block = "".join(rows).encode()
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            written += len(piece)


def peak_rss_mib() -> float:
    """This process's own peak RSS: VmHWM, which exec resets. (``ru_maxrss`` carries the parent's
    peak across fork and exec: a child started by a large parent reports the parent's figure.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- contenders (run in a child process) -------------------------------------------------------


def run_handler(data_url: str, meta_url: str, bucket: str, key: str) -> int:
    from s3_bulk_upload.handler import lambda_handler

    staging_host = urlsplit(data_url).netloc  # the staging server's host:port, and nothing else
    os.environ.update({"s3_bucket_name": bucket, "source_host_allowlist": staging_host, "delivery_mode": "sync"})
    body = bulk_request(data_url, meta_url, key)
    response = lambda_handler(proxy_event(body), LocalContext())
    answer = json.loads(response["body"])
    if response["statusCode"] != 200:
        raise SystemExit(f"handler answered {response['statusCode']}: {answer}")
    return answer["bytes"]


def run_original(data_url: str, bucket: str, key: str) -> int:
    import boto3
    import requests

    with tempfile.NamedTemporaryFile(dir=os.environ.get("BENCH_TMP")) as tmp:
        with requests.get(data_url, stream=True, timeout=60) as response:
            response.raise_for_status()
            for chunk in response.iter_content(8192):
                tmp.write(chunk)
        tmp.flush()
        boto3.client("s3").upload_file(tmp.name, bucket, key)
        return os.path.getsize(tmp.name)


def run_download_only(data_url: str) -> int:
    from s3_bulk_upload.source import SourceFile
    from s3_bulk_upload.source_session import RetryPolicy, make_session

    policy = RetryPolicy()
    source = SourceFile(make_session(policy), data_url, "data file", policy)
    for _ in source.chunks():
        pass
    return source.bytes_read


def run_upload_only(data: bytes, bucket: str, key: str) -> int:
    """The bytes, already in memory (reading the file is not timed), uploaded as the handler uploads."""
    import boto3

    from s3_bulk_upload.config import Config
    from s3_bulk_upload.sink import transfer_config

    defaults = Config(bucket=bucket)
    config = transfer_config(defaults.part_size_mib * MIB, defaults.max_concurrency)
    client = boto3.client("s3")
    client.upload_fileobj(io.BytesIO(data), bucket, key, Config=config)
    return len(data)


def cpu_seconds() -> float:
    """This process's CPU time so far, user and system, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(args: argparse.Namespace) -> None:
    # Imports are a once-per-container cost (measured separately as import time); every
    # contender is timed from here on, warm, client creation included.
    import boto3  # noqa: F401
    import requests  # noqa: F401

    import s3_bulk_upload.handler  # noqa: F401

    if os.environ.get("BENCH_TRACEMALLOC"):
        import tracemalloc

        tracemalloc.start()
    data = Path(args.file).read_bytes() if args.contender == "upload_only" else b""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    if args.contender in ("handler", "handler_gz", "handler_malloc_default"):
        key = f"bench/{uuid.uuid4().hex}.csv" + (".gz" if args.contender == "handler_gz" else "")
        moved = run_handler(args.data_url, args.meta_url, args.bucket, key)
    elif args.contender == "original":
        moved = run_original(args.data_url, args.bucket, f"bench/{uuid.uuid4().hex}.csv")
    elif args.contender == "download_only":
        moved = run_download_only(args.data_url)
    else:
        moved = run_upload_only(data, args.bucket, f"bench/{uuid.uuid4().hex}.csv")
    measured = {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": cpu_seconds() - cpu_started,
        "bytes": moved,
        "peak_rss_mib": peak_rss_mib(),
    }
    if os.environ.get("BENCH_TRACEMALLOC"):
        import tracemalloc

        measured["python_peak_mib"] = tracemalloc.get_traced_memory()[1] / MIB
    print(json.dumps(measured))


# -- the run -----------------------------------------------------------------------------------


def empty_bucket(client: object, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):  # type: ignore[attr-defined]
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=bucket, Key=obj["Key"])  # type: ignore[attr-defined]


def rotated(names: list[str], round_number: int) -> list[str]:
    """The contenders in this round's order: each goes first in turn (alternating order is fairer)."""
    shift = round_number % len(names)
    return names[shift:] + names[:shift]


def summary(measured: list[dict[str, float]]) -> dict[str, float]:
    """Median seconds with their range, the last run's bytes and the highest peak RSS of a contender's rounds."""
    return {
        "seconds": statistics.median(m["seconds"] for m in measured),
        "seconds_min": min(m["seconds"] for m in measured),
        "seconds_max": max(m["seconds"] for m in measured),
        "bytes": measured[-1]["bytes"],
        "cpu_seconds": statistics.median(m["cpu_seconds"] for m in measured),
        "peak_rss_mib": max(m["peak_rss_mib"] for m in measured),
    }


def run_child(
    contender: str, env: dict[str, str], values: dict[str, str], prefix: tuple[str, ...] = ()
) -> dict[str, float]:
    """One timed run in a fresh process; ``prefix`` goes before the command (``taskset`` to pin it)."""
    command = [*prefix, sys.executable, "-m", "devkit.bench.loopback", "child", "--contender", contender]
    for name, value in values.items():
        command += [f"--{name.replace('_', '-')}", value]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{contender} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def parent(args: argparse.Namespace) -> None:
    import boto3

    large_sizes = [int(s) for s in args.large_sizes.split(",") if s]
    sizes = [int(s) for s in args.sizes.split(",")] + large_sizes
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp, moto_server(in_process=False) as endpoint:
        env = {**os.environ, **aws_environment(endpoint), "BENCH_TMP": tmp}
        os.environ.update(aws_environment(endpoint))
        s3 = boto3.client("s3")
        bucket = create_bucket(s3, "bench-" + uuid.uuid4().hex[:8])
        files = Path(tmp) / "files"
        files.mkdir()
        (files / "meta.json").write_text(
            json.dumps([{"columnName": c} for c in ("id", "email", "name", "score", "segment")])
        )
        with staging_process(files) as base:
            for size_mib in sizes:
                data = files / f"export-{size_mib}.csv"
                make_export(data, size_mib * MIB)
                values = {
                    "data_url": staged_url(base, data.name),
                    "meta_url": staged_url(base, "meta.json"),
                    "bucket": bucket,
                    "file": str(data),
                }
                large = size_mib in large_sizes
                contenders = args.large_contenders if large else args.contenders
                rounds = args.large_rounds if large else args.rounds
                runs: dict[str, list[dict[str, float]]] = {c: [] for c in contenders}
                for round_number in range(rounds):
                    for contender in rotated(contenders, round_number):
                        runs[contender].append(run_child(contender, child_environment(contender, env), values))
                        empty_bucket(s3, bucket)
                    print(f"  {size_mib} MiB round {round_number + 1}/{rounds} done", file=sys.stderr)
                for contender, measured in runs.items():
                    results.append(
                        {"size_mib": size_mib, "contender": contender, **summary(measured), "rounds": len(measured)}
                    )
                data.unlink()
    report(results, args)


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(table(results))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.plot:
        plot(results, args.plot)


def table(results: list[dict[str, Any]]) -> str:
    """The results as a Markdown table (also docs/performance.md's, rendered by devkit.bench.docs);
    adds each row's MiB/s and ratios to the original and to the floor."""
    by = {(r["size_mib"], r["contender"]): r for r in results}
    lines = [
        "| size | contender | seconds (median) | min–max | MiB/s | vs original | vs floor | CPU s | peak RSS MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        size, seconds = r["size_mib"], float(r["seconds"])
        original = by.get((size, "original"))
        floor_parts = [by.get((size, c)) for c in ("download_only", "upload_only")]
        floor = max(float(f["seconds"]) for f in floor_parts if f) if all(floor_parts) else None
        r["mib_per_second"] = size / seconds
        r["vs_original"] = seconds / float(original["seconds"]) if original else None
        r["vs_floor"] = seconds / floor if floor else None
        lines.append(
            f"| {size} MiB | {LABELS[r['contender']]} | {seconds:.2f} | "
            f"{float(r.get('seconds_min', seconds)):.2f}–{float(r.get('seconds_max', seconds)):.2f} | "
            f"{size / seconds:.0f} | "
            + (f"{r['vs_original']:.2f}×" if r["vs_original"] else "–")
            + " | "
            + (f"{r['vs_floor']:.2f}×" if r["vs_floor"] else "–")
            + f" | {float(r['cpu_seconds']):.2f}"
            + f" | {float(r['peak_rss_mib']):.0f} |"
        )
    return "\n".join(lines)


def pyplot() -> Any:
    """matplotlib's pyplot drawing to files only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(figure: Any, path: Path) -> None:
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def plot(results: list[dict[str, Any]], path: Path) -> None:
    plt = pyplot()
    sizes = sorted({int(r["size_mib"]) for r in results})
    figure, (speed, memory) = plt.subplots(1, 2, figsize=(12, 4.5))
    for contender in CONTENDERS:
        rows = sorted((r for r in results if r["contender"] == contender), key=lambda r: r["size_mib"])
        if not rows:
            continue
        xs = [int(r["size_mib"]) for r in rows]
        speed.plot(xs, [float(r["mib_per_second"]) for r in rows], marker="o", label=LABELS[contender])
        memory.plot(xs, [float(r["peak_rss_mib"]) for r in rows], marker="o", label=LABELS[contender])
    speed.set_yscale("log")  # the source is an order of magnitude faster than any sink here
    for axis, title, unit in ((speed, "Throughput (log scale)", "MiB/s"), (memory, "Peak RSS of the process", "MiB")):
        axis.set_xscale("log", base=2)
        axis.set_xticks(sizes, [f"{s} MiB" for s in sizes])
        axis.set_title(title)
        axis.set_ylabel(unit)
        axis.set_xlabel("export size")
        axis.grid(alpha=0.3)
    memory.axhline(RSS_TARGET_MIB, color="red", linestyle="--", linewidth=1, label=f"{RSS_TARGET_MIB} MiB target")
    speed.legend(fontsize=8)
    memory.legend(fontsize=8)
    save(figure, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode")
    run = sub.add_parser("run", help="the benchmark (default)")
    run.add_argument("--sizes", default="64,256,1024", help="export sizes in MiB, comma-separated")
    run.add_argument("--rounds", type=int, default=3)
    run.add_argument("--quick", action="store_true", help="sizes 16,64 and 2 rounds, no large size")
    run.add_argument("--contenders", default=",".join(CONTENDERS))
    run.add_argument("--large-sizes", default="4096", help="sizes (MiB) run for peak memory only, after --sizes")
    run.add_argument("--large-contenders", default="handler,handler_gz", help="the contenders at --large-sizes")
    run.add_argument("--large-rounds", type=int, default=1)
    run.add_argument("--json", type=Path, help="write the results here")
    run.add_argument("--plot", type=Path, help="write a PNG plot here")
    run.add_argument("--tmp", default=None, help="folder for the generated exports")
    again = sub.add_parser("plot", help="redraw the plot from a results file")
    again.add_argument("--json", type=Path, required=True)
    again.add_argument("--plot", type=Path, required=True)
    one = sub.add_parser("child")
    one.add_argument("--contender", choices=CONTENDERS, required=True)
    for name in ("data-url", "meta-url", "bucket", "file"):
        one.add_argument(f"--{name}")
    args = parser.parse_args(sys.argv[1:] if len(sys.argv) > 1 else ["run"])
    if args.mode == "child":
        child(args)
        return
    if args.mode == "plot":
        plot(json.loads(args.json.read_text()), args.plot)
        return
    args.contenders = args.contenders.split(",")
    args.large_contenders = args.large_contenders.split(",")
    if args.quick:
        args.sizes, args.rounds, args.large_sizes = "16,64", 2, ""
    parent(args)


if __name__ == "__main__":
    main()
