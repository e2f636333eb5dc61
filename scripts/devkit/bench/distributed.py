"""The distributed path's scaling and per-part overhead on loopback, and a model of it on AWS.

``python -m devkit.bench.distributed --json .bench/distributed.json --docs docs/distributed-performance.md``
(``make bench-distributed``). A capped staging source (``--rate-mib`` per connection, one
connection per part) is delivered through the deployed state machine, executed by moto in this
process with the real handler for every step (``devkit.local.state_machine``), once per
``--parallel`` value; the ratio of the times is how the Map scales. Keep parallel × rate under the
embedded S3's own floor (about 140 MiB/s on two cores) or the figure measures moto.

Each ``--parallel`` value runs ``--rounds`` times (3), alternating in order, and the medians are
reported. Per-step overhead (Plan, Complete, a part's time beyond its transfer) is measured from the
handler's own timings; the AWS model below uses it together with AWS's published prices.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3

from devkit.events import bulk_request, proxy_event
from devkit.local.context import LocalContext
from devkit.local.moto_server import aws_environment, create_bucket, moto_server
from devkit.local.staging import staged_url, staging_process
from devkit.local.state_machine import state_machine
from s3_bulk_upload.handler import lambda_handler
from s3_bulk_upload.part_layout import layout
from s3_bulk_upload.units import MIB

# AWS list prices (eu-west-1, 2026): Standard state transitions, Lambda arm64 GB-s and requests, S3 requests.
PRICE_TRANSITION = 0.025 / 1000
PRICE_GB_SECOND = 0.0000133334
PRICE_INVOCATION = 0.20 / 1_000_000
PRICE_PUT = 0.005 / 1000
PRICE_GET = 0.0004 / 1000
TRANSITIONS_PER_SPAN = 4  # the child's start, its task's scheduled/started/succeeded, its end (about)
REQUESTS_PER_SPAN = {"put": 1, "get": 3}  # its counts object; request, plan, counts read back (+ UploadParts)
CONNECTION_MBPS = 85.0
MEMORY_GB = 1.769
SPAN_MIB = 128  # distributed_part_size_mib's default
PART_MIB = 8  # part_size_mib's default


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class CallClock:
    """The wall time of each UploadPart, CompleteMultipartUpload and ListObjectVersions (the clean-up
    of the working files) the steps make: botocore's before/after-call events on the default session,
    hooked before the handler creates its clients (a client copies its session's events)."""

    OPERATIONS = ("UploadPart", "CompleteMultipartUpload", "ListObjectVersions")

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {name: [] for name in self.OPERATIONS}
        self._sent: dict[int, float] = {}
        self._lock = threading.Lock()
        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        for name in self.OPERATIONS:
            boto3.DEFAULT_SESSION.events.register(f"before-call.s3.{name}", self._before)
            boto3.DEFAULT_SESSION.events.register(f"after-call.s3.{name}", self._after)

    def clear(self) -> None:
        for timings in self.seconds.values():
            timings.clear()

    def _before(self, **_: Any) -> None:
        self._sent[threading.get_ident()] = time.monotonic()

    def _after(self, model: Any, **_: Any) -> None:
        seconds = time.monotonic() - self._sent.pop(threading.get_ident())
        with self._lock:
            self.seconds[model.name].append(seconds)


class Timings:
    """Each step's wall time, recorded by wrapping the handler."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()

    def handler(self, event: Any, context: Any) -> Any:
        started = time.monotonic()
        try:
            return lambda_handler(event, context)
        finally:
            step = event.get("ci360_distributed", "webhook") if isinstance(event, dict) else "webhook"
            with self._lock:
                self.steps.append((step, started, time.monotonic()))

    def of(self, step: str) -> list[float]:
        return [end - start for name, start, end in self.steps if name == step]


def deliver_once(
    endpoint: str, url: str, size: int, *, parallel: int, part_mib: int, port: int, calls: CallClock
) -> dict[str, Any]:
    calls.clear()
    s3 = boto3.client("s3")
    bucket = create_bucket(s3, f"ci360-bench-{uuid.uuid4().hex[:10]}")
    timings = Timings()
    settings = {
        "s3_bucket_name": bucket,
        "delivery_mode": "distributed",
        "distributed_part_size_mib": str(part_mib),
        "max_parallel_parts": str(parallel),
        "source_connections": "1",
        "source_host_allowlist": f"127.0.0.1:{port}",
        "include_header": "false",
        "log_level": "WARNING",
    }
    with (
        environment(settings),
        state_machine(endpoint, timings.handler) as local,
        environment({"state_machine_arn": local.arn}),
    ):
        sfn = boto3.client("stepfunctions")
        request = bulk_request(url, None)
        started = time.monotonic()
        answer = lambda_handler(proxy_event(request), LocalContext())
        assert answer["statusCode"] == 202, answer
        while True:
            (execution,) = sfn.list_executions(stateMachineArn=local.arn)["executions"]
            status = sfn.describe_execution(executionArn=execution["executionArn"])["status"]
            if status != "RUNNING":
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
        assert status == "SUCCEEDED", status
        landed = s3.head_object(Bucket=bucket, Key="exports/churn.csv")["ContentLength"]
        assert landed == size, (landed, size)
        s3.delete_object(Bucket=bucket, Key="exports/churn.csv")  # moto holds objects in this process's memory
    parts = timings.of("part")
    return {
        "parallel": parallel,
        "seconds": round(seconds, 3),
        "parts": len(parts),
        "plan_seconds": round(statistics.median(timings.of("plan")), 3),
        "complete_seconds": round(statistics.median(timings.of("complete")), 3),
        "part_seconds_median": round(statistics.median(parts), 3),
        "upload_part_seconds_median": round(statistics.median(calls.seconds["UploadPart"]), 3),
        # The embedded S3's own CompleteMultipartUpload inside the complete step (it joins the parts in Python).
        "complete_call_seconds": round(statistics.median(calls.seconds["CompleteMultipartUpload"]), 3),
        # moto's ListObjectVersions deep-copies every object of the bucket, the delivered export included.
        "list_versions_seconds": round(sum(calls.seconds["ListObjectVersions"]), 3),
    }


def without_moto(run: dict[str, Any]) -> float:
    """A delivery's seconds less the two calls whose time is moto's copying of the whole export."""
    return float(run["seconds"] - run["complete_call_seconds"] - run["list_versions_seconds"])


def summary(parallel: int, measured: list[dict[str, Any]]) -> dict[str, Any]:
    """One ``--parallel`` value over its rounds: the median of every timing, and the range of the total."""
    timings = [name for name in measured[0] if name.endswith("seconds") or name.endswith("seconds_median")]
    return {
        "parallel": parallel,
        "rounds": len(measured),
        "parts": measured[0]["parts"],
        **{name: round(statistics.median(m[name] for m in measured), 3) for name in timings},
        "seconds_min": min(m["seconds"] for m in measured),
        "seconds_max": max(m["seconds"] for m in measured),
    }


def model_span_seconds(span_bytes: int, part_bytes: int, start_overhead: float) -> float:
    """One child on AWS: its span read at the per-connection rate; each part is uploaded while the
    next is read, so only the span's last part is sent after the read (at the same rate, one
    connection); plus the measured overhead that is neither."""
    rate = CONNECTION_MBPS * 1e6
    return span_bytes / rate + part_bytes / rate + start_overhead


def model(start_overhead: float, plan_and_complete: float) -> list[dict[str, Any]]:
    """Time and cost on AWS for 10 GB, 100 GB and 1 TB with N children, at 85 MB/s per connection
    and one connection per span, cut as the plan step cuts it (``part_layout.layout`` at the
    default sizes: spans and parts grow past 10,000 part numbers)."""
    rows = []
    for gigabytes in (10, 100, 1000):
        size = int(gigabytes * 1e9)
        cut = layout(size, SPAN_MIB * MIB, PART_MIB * MIB, gzip=False)
        spans = math.ceil(size / cut.span_bytes)
        parts = math.ceil(size / cut.part_bytes)
        span_seconds = model_span_seconds(cut.span_bytes, cut.part_bytes, start_overhead)
        for children in (10, 50, 100):
            waves = math.ceil(spans / children)
            seconds = plan_and_complete + waves * span_seconds
            gb_seconds = spans * span_seconds * MEMORY_GB
            cost = (
                (spans * TRANSITIONS_PER_SPAN + 12) * PRICE_TRANSITION
                + gb_seconds * PRICE_GB_SECOND
                + (spans + 4) * PRICE_INVOCATION
                + parts * PRICE_PUT
                + spans * (REQUESTS_PER_SPAN["put"] * PRICE_PUT + REQUESTS_PER_SPAN["get"] * PRICE_GET)
            )
            rows.append(
                {
                    "gigabytes": gigabytes,
                    "children": children,
                    "spans": spans,
                    "span_mib": cut.span_bytes // MIB,
                    "parts": parts,
                    "part_mib": cut.part_bytes // MIB,
                    "minutes": round(seconds / 60, 1),
                    "usd": round(cost, 3),
                }
            )
    return rows


def render(results: dict[str, Any]) -> str:
    runs = results["runs"]
    lines = [
        "# The distributed path: scaling, overhead, and a model for AWS",
        "",
        "Rendered by `python -m devkit.bench.distributed` from its JSON (`docs/distributed-results.json`).",
        f"Loopback: {results['size_mib']} MiB, the source capped at {results['rate_mib']} MiB/s per connection, "
        f"one connection per part, {results['part_mib']} MiB parts; moto executes the deployed state machine.",
        "",
        f"Medians of {runs[0]['rounds']} rounds, the parallel values alternating in order; every timing is the "
        "median of its rounds.",
        "",
        "| parallel parts | seconds | min–max | parts | median part (s) | its UploadPart (s) | plan (s) "
        "| complete (s) | its CompleteMultipartUpload (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {run['parallel']} | {run['seconds']} | {run['seconds_min']}–{run['seconds_max']} | {run['parts']} | "
            f"{run['part_seconds_median']} | {run['upload_part_seconds_median']} | {run['plan_seconds']} | "
            f"{run['complete_seconds']} | {run['complete_call_seconds']} |"
        )
    lines += [
        "",
        f"Time with {runs[-1]['parallel']} parallel parts / with {runs[0]['parallel']}: **{results['ratio']}** "
        f"(ideal {runs[0]['parallel'] / runs[-1]['parallel']:.2f}). Per-part overhead beyond the transfer: "
        f"{results['overhead_per_part_seconds']} s, of which {results['start_overhead_per_part_seconds']} s is "
        f"neither the read nor the UploadPart; plan + complete: {results['plan_and_complete_seconds']} s.",
        "",
        "Where it bends: the fixed plan + complete time does not shrink with more children, and most of it is "
        "the embedded S3: moto's own CompleteMultipartUpload inside the complete step (the last column, timed "
        "by botocore's events around the call; moto joins the parts in Python), then the clean-up's "
        f"ListObjectVersions ({runs[0]['list_versions_seconds']} s and {runs[-1]['list_versions_seconds']} s: "
        "moto deep-copies every object of the bucket to list it, the delivered export included). "
        f"Without those two calls the ratio is **{results['ratio_without_moto_calls']}**. "
        "Then each wave's end: the children read at the same capped "
        "rate, so they finish reading together and their UploadParts reach moto at once "
        f"({runs[-1]['parallel']} x {results['part_mib']} MiB in one burst; the median UploadPart column), "
        "which parses, hashes and stores them in the one Python process it shares with every child and the Step "
        "Functions interpreter (moto must run there to hand Lambda tasks to the handler). Each span here is "
        f"one part ({results['part_mib']} MiB spans, {PART_MIB} MiB parts: a span of several parts sends each while "
        "it reads the next), and a part is read whole before it is sent (UploadPart needs its length, which the "
        "empty lines left out and gzip change, and its CRC32), so at this size a child's upload cannot overlap "
        "its read; the span's counts object is written while it uploads. The same burst delays the next wave: "
        "a child started while moto takes the last wave's parts waits up to half a second for its first S3 "
        "answer (its thread, moto's and the interpreter's share "
        "one interpreter lock). Tried and not kept (2026-12-01, not this harness): S3 in a moto process of its "
        "own, the interpreter's S3 client routed there, gave 0.351 in one round and 0.366 over three; the "
        "children in a prewarmed pool of worker processes as well gave 0.387 (sixteen processes on two cores; "
        "an earlier try, moto then keeping parts on disk, 0.43-0.46). On AWS each child is a function of its "
        "own and S3 takes the parts in parallel.",
        "",
        f"## Model for AWS ({SPAN_MIB} MiB spans in {PART_MIB} MiB parts, {CONNECTION_MBPS:.0f} MB/s per connection, "
        f"{MEMORY_GB} GB functions)",
        "",
        "Not measured on AWS; plain CSV (a .gz span is one part, sent once compressed). A child reads its span "
        "at the per-connection rate and uploads each part while it reads the next, so only its last part is "
        "sent after the read, at the same rate on one connection: "
        f"{model_span_seconds(SPAN_MIB * MIB, PART_MIB * MIB, results['start_overhead_per_part_seconds']):.2f} s "
        f"per {SPAN_MIB} MiB span with the overhead measured above that is neither (the same span read whole and "
        "then sent as one part, as before 2026-12-01: "
        f"{model_span_seconds(SPAN_MIB * MIB, SPAN_MIB * MIB, results['start_overhead_per_part_seconds']):.2f} s). "
        "Spans and parts grow together past 10,000 part numbers, that is past 78 GiB (the sizes in the table), "
        "and a span of grown parts sends fewer at once. Cost = state "
        "transitions + Lambda GB-s and requests + S3 requests (each UploadPart, each span's counts object and "
        "working-file reads), at list prices.",
        "",
        "| data | children | spans (MiB each) | parts (MiB each) | minutes | USD |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["model"]:
        lines.append(
            f"| {row['gigabytes']} GB | {row['children']} | {row['spans']} ({row['span_mib']}) | "
            f"{row['parts']} ({row['part_mib']}) | {row['minutes']} | {row['usd']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--rate-mib", type=float, default=4.0)
    parser.add_argument("--part-mib", type=int, default=8)
    parser.add_argument("--parallel", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--rounds", type=int, default=3, help="deliveries per --parallel value (medians reported)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--docs", type=Path)
    args = parser.parse_args()
    size = args.size_mib * MIB
    line = b"0123456789abcdef,0123456789abcdef,0123456789abcdef,0123456789\n"
    data = (line * (size // len(line) + 1))[:size]
    measured: dict[int, list[dict[str, Any]]] = {parallel: [] for parallel in args.parallel}
    # The staging server in a process of its own: its CPU is not the function's (moto must stay in
    # this process, where the state machine's Lambda tasks are handed to the handler). moto keeps an
    # object or part over 5 MiB in a temporary file on this machine's disk (MOTO_S3_DEFAULT_KEY_BUFFER_SIZE):
    # here in memory, so the embedded S3's own disk writes are not timed as the delivery's.
    with (
        tempfile.TemporaryDirectory() as folder,
        environment({"MOTO_S3_DEFAULT_KEY_BUFFER_SIZE": str(2 * size)}),
        moto_server(in_process=True) as endpoint,
        environment(aws_environment(endpoint)),
    ):
        calls = CallClock()
        (Path(folder) / "export.csv").write_bytes(data)
        with staging_process(Path(folder), rate_mib=args.rate_mib) as base:
            url = staged_url(base, "/export.csv")
            port = int(base.rsplit(":", 1)[1])
            for round_number in range(args.rounds):
                order = args.parallel if round_number % 2 == 0 else list(reversed(args.parallel))
                for parallel in order:
                    measured[parallel].append(
                        deliver_once(
                            endpoint, url, size, parallel=parallel, part_mib=args.part_mib, port=port, calls=calls
                        )
                    )
                    print(json.dumps(measured[parallel][-1]), flush=True)
    runs = [summary(parallel, measured[parallel]) for parallel in args.parallel]
    transfer = args.part_mib / args.rate_mib
    overhead = round(max(0.0, statistics.median(r["part_seconds_median"] for r in runs) - transfer), 3)
    # What a part spends beyond its read and its UploadPart: the step's start, its working-file reads.
    beyond = [r["part_seconds_median"] - transfer - r["upload_part_seconds_median"] for r in runs]
    start_overhead = round(max(0.0, statistics.median(beyond)), 3)
    plan_and_complete = round(statistics.median(r["plan_seconds"] + r["complete_seconds"] for r in runs), 3)
    results = {
        "size_mib": args.size_mib,
        "rate_mib": args.rate_mib,
        "part_mib": args.part_mib,
        "runs": runs,
        "ratio": round(runs[-1]["seconds"] / runs[0]["seconds"], 3),
        "ratio_without_moto_calls": round(without_moto(runs[-1]) / without_moto(runs[0]), 3),
        "overhead_per_part_seconds": overhead,
        "start_overhead_per_part_seconds": start_overhead,
        "plan_and_complete_seconds": plan_and_complete,
        "model": model(start_overhead, plan_and_complete),
    }
    print(json.dumps({k: v for k, v in results.items() if k != "model"}))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    if args.docs:
        args.docs.write_text(render(results))


if __name__ == "__main__":
    main()
