"""`make demo` and `make serve`: the whole connector on this machine, no AWS account needed.

An embedded S3 (moto server), a CI360-like staging server holding a generated export, and a
local stand-in for the API Gateway stage in front of the function: the zip `make package` builds
for this machine, run by AWS's Runtime Interface Emulator as Lambda runs it (where Go could build
the emulator and Python 3.13 is here; otherwise the handler in this process, said in one line).
`demo` sends one bulk request the way CI360 does, shows what landed, shows a request without the
API key being refused, and cleans up. `serve` keeps the stack up and prints a curl command;
Ctrl-C or SIGTERM stops everything it started. `serve --distributed` (``make serve DISTRIBUTED=1``)
adds the deployed state machine, executed by moto's Step Functions interpreter
(``devkit.local.state_machine``; moto then runs in this process), with every step invoking the same
function under the emulator, and sets ``delivery_mode=distributed``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devkit.events import bulk_request, new_occurrence
from devkit.local import rie
from devkit.local.api import EmulatedRunner, InProcessRunner, LocalApi, Runner
from devkit.local.loopback import LOOPBACK, free_port
from devkit.local.moto_server import aws_environment, create_bucket, moto_server
from devkit.local.staging import StagingServer
from devkit.local.state_machine import state_machine
from devkit.packaging import artifact
from devkit.processes import stopped_by_signals

BUCKET = "ci360-demo-exports"
PREFIX = "ci360/"
GLUE_DATABASE = "ci360_demo"
COLUMNS = {
    "identity_id": "STRING",
    "email": "STRING",
    "first_name": "STRING",
    "last_name": "STRING",
    "churn_score": "DECIMAL",
    "segment, region": "STRING",
    "last_purchase": "DATE",
}


def write_export(folder: Path, rows: int, seed: int = 360) -> tuple[Path, Path]:
    """A realistic CI360 export: CSV rows without header (quoted where needed) and JSON metadata."""
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    first = ["Ana", "Li", "Sean", "Priya", "Jonas", "Fatima", "Mateo", "Yuki", "Olga", "Kwame"]
    last = ["Silva", "Wei", "O'Brien", "Patel", "Müller", "Haddad", "García", "Tanaka", "Ivanova", "Mensah"]
    segments = ['"high, EMEA"', '"mid, APAC"', '"low, AMER"', '"new, EMEA"']
    lines = []
    for i in range(rows):
        given, family = rng.choice(first), rng.choice(last)
        quoted = f'"{family}"' if "'" in family else family
        email = f"{given.lower()}.{family.lower().replace(chr(39), '')}{i}@example.com"
        day = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}"
        lines.append(
            f"{uuid.UUID(int=rng.getrandbits(128))},{email},{given},{quoted},"
            f"{rng.random():.3f},{rng.choice(segments)},{day}\n"
        )
    data = folder / "data.csv"
    data.write_text("".join(lines), encoding="utf-8")
    metadata = folder / "metadata.json"
    typed = [{"columnName": name, "dataType": data_type} for name, data_type in COLUMNS.items()]
    metadata.write_text(json.dumps(typed), encoding="utf-8")
    return data, metadata


@dataclass
class Stack:
    endpoint: str
    api: LocalApi
    data_url: str
    metadata_url: str
    data_bytes: int


@contextlib.contextmanager
def function_runner(folder: Path, environment: dict[str, str]) -> Iterator[Runner]:
    """The built zip under the emulator, or (saying why in one line) the handler in this process."""
    runtime = artifact.lambda_runtime()
    missing = artifact.emulator_missing(runtime)
    if missing is not None:
        print(f"{missing}: running the function in this process instead")
        os.environ.update(environment)
        yield InProcessRunner()
        return
    print(f"Building the Lambda zip for this machine and starting it under {artifact.runner_description(runtime)}…")
    task = artifact.build_and_unpack(folder, runtime)
    sdk = artifact.runtime_sdk(artifact.OLD_RUNTIME_SDK, runtime)
    handler = artifact.deployed_function().handler
    with rie.emulated(runtime.python, [task, sdk], handler, environment) as function:
        yield EmulatedRunner(function)


@contextlib.contextmanager
def local_stack_up(rows: int, api_port: int = 0, *, distributed: bool = False) -> Iterator[Stack]:
    import boto3

    api_port = api_port or free_port()
    invoke_port = free_port()  # Lambda's Invoke endpoint: loopback, never the webhook's port
    with (
        tempfile.TemporaryDirectory(prefix="ci360-demo-") as tmp,
        # The state machine's interpreter is moto's, hooked in this process (devkit.local.state_machine).
        moto_server(in_process=distributed) as endpoint,
        StagingServer() as staging,
        contextlib.ExitStack() as stack,
    ):
        os.environ.update(aws_environment(endpoint))  # for this process's S3 client
        environment = {
            **aws_environment(endpoint),
            "AWS_REGION": os.environ["AWS_DEFAULT_REGION"],
            # The function's hand-off to itself goes to the stand-in's Invoke endpoint (a port of its
            # own), which runs it next, as Lambda would.
            "AWS_ENDPOINT_URL_LAMBDA": f"http://{LOOPBACK}:{invoke_port}",
            "POWERTOOLS_SERVICE_NAME": os.environ["POWERTOOLS_SERVICE_NAME"],
            "POWERTOOLS_METRICS_NAMESPACE": os.environ["POWERTOOLS_METRICS_NAMESPACE"],
            "s3_bucket_name": BUCKET,
            "s3_key_prefix": PREFIX,
            "source_host_allowlist": f"{LOOPBACK}:{staging.port}",
            "delivery_mode": "auto",
            "glue_database": GLUE_DATABASE,
        }
        create_bucket(boto3.client("s3"), BUCKET)
        boto3.client("glue").create_database(DatabaseInput={"Name": GLUE_DATABASE})
        data, metadata = write_export(Path(tmp), rows)
        data_url = staging.put_file(f"/{data.name}", data)
        metadata_url = staging.put_file(f"/{metadata.name}", metadata)
        started: list[Runner] = []
        if distributed:
            # Every step goes to the function under the emulator, one invocation at a time (as a
            # function with reserved concurrency 1); its error payload names the failure, as on Lambda.
            local = stack.enter_context(state_machine(endpoint, lambda event, _: started[0](event)))
            environment.update({"delivery_mode": "distributed", "state_machine_arn": local.arn})
            environment.update({"distributed_part_size_mib": "5", "max_parallel_parts": "4"})
        with function_runner(Path(tmp), environment) as runner:
            started.append(runner)
            api = LocalApi(runner, port=api_port, invoke_port=invoke_port).start()
            try:
                yield Stack(endpoint, api, data_url, metadata_url, data.stat().st_size)
            finally:
                api.stop()


def post(url: str, document: object, api_key: str | None) -> tuple[int, dict[str, object]]:
    import requests

    headers = {"Content-Type": "application/json", "User-Agent": "CI360-Connector (local demo)"}
    if api_key is not None:
        headers["x-api-key"] = api_key
    response = requests.post(url, data=json.dumps(document), headers=headers, timeout=120)
    return response.status_code, response.json()


def demo(rows: int) -> None:
    import logging

    import boto3

    # The function's own JSON log lines go to stderr, as they would go to CloudWatch.
    logging.getLogger().addHandler(logging.StreamHandler(sys.stderr))
    started = time.monotonic()
    print("Starting the local stack: embedded S3 (moto), CI360 staging server, API Gateway stand-in…")
    with local_stack_up(rows) as stack:
        data_url, meta_url = stack.data_url, stack.metadata_url
        print(f"Staged a CI360 export: {rows} rows, {stack.data_bytes:,} bytes, {len(COLUMNS)} columns\n")

        print(f"1. POST {stack.api.url}  (x-api-key: ****, as CI360 sends it)")
        status, answer = post(
            stack.api.url,
            bulk_request(data_url, meta_url, "exports/churn/{date}.csv", **new_occurrence()),
            stack.api.api_key,
        )
        print(f"   → {status} {json.dumps(answer, indent=2)}")
        if status != 200:
            raise SystemExit("the demo transfer failed")
        s3 = boto3.client("s3")
        head = s3.head_object(Bucket=str(answer["bucket_name"]), Key=str(answer["upload_filename"]))
        first = s3.get_object(
            Bucket=str(answer["bucket_name"]), Key=str(answer["upload_filename"]), Range="bytes=0-2047"
        )
        print(f"\n   Delivered: {answer['s3_uri']}")
        print(
            f"   Size: {head['ContentLength']:,} bytes, Content-Type {head['ContentType']}, metadata {head['Metadata']}"
        )
        print("   First lines:")
        for line in first["Body"].read().decode("utf-8", "replace").splitlines()[:4]:
            print(f"     {line}")
        print_table(str(answer["glue_database"]), str(answer["glue_table"]))

        print(f"\n2. The same request without the API key: POST {stack.api.url}")
        status, answer = post(
            stack.api.url, bulk_request(data_url, meta_url, "exports/x.csv", **new_occurrence()), None
        )
        print(f"   → {status} {json.dumps(answer)}")
        if status != 403:
            raise SystemExit("a request without the API key was not refused")
    print(f"\nDone in {time.monotonic() - started:.1f} s; the local stack is stopped. `make serve` keeps it up.")


def print_table(database: str, name: str) -> None:
    """The Glue table the delivery registered, as Athena will see it."""
    import boto3

    table = boto3.client("glue").get_table(DatabaseName=database, Name=name)["Table"]
    storage = table["StorageDescriptor"]
    print(f'\n   Catalog table: {database}.{name}  (Athena: SELECT * FROM "{database}"."{name}")')  # noqa: S608 - printed for the reader, never run
    print(f"   Location: {storage['Location']}")
    print(f"   SerDe: {storage['SerdeInfo']['SerializationLibrary']}, header lines skipped: "
          f"{table['Parameters'].get('skip.header.line.count', '0')}")  # fmt: skip
    print("   Columns:")
    for column in storage["Columns"]:
        print(f"     {column['Name']:<16} {column['Type']:<8} {column.get('Comment', '')}")


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def serve(rows: int, port: int, *, distributed: bool = False) -> None:
    if not port_is_free(port):
        raise SystemExit(
            f"port {port} is in use (another `make serve`?): choose another, e.g. make serve PORT={port + 1}"
        )
    with local_stack_up(rows, api_port=port, distributed=distributed) as stack:
        body = bulk_request(
            stack.data_url, stack.metadata_url, "exports/{taskName}/{datetime}.csv.gz", **new_occurrence()
        )
        request_file = Path(tempfile.gettempdir()) / "ci360-request.json"
        request_file.write_text(json.dumps(body, indent=2))
        print(f"Local stack up. Webhook: {stack.api.url}   Embedded S3: {stack.endpoint}")
        print("Send the bulk request CI360 would send (edit the JSON to try other s3_filename values):\n")
        print(
            f"  curl -sS -X POST '{stack.api.url}' -H 'Content-Type: application/json' "
            f"-H 'x-api-key: {stack.api.api_key}' --data @{request_file}\n"
        )
        listing = (
            "import boto3; s3 = boto3.client('s3', region_name='eu-west-1'); "
            f"[print(o['Key'], o['Size']) for o in s3.list_objects_v2(Bucket='{BUCKET}').get('Contents', [])]"
        )
        print("List what landed:\n")
        print(f"  AWS_ENDPOINT_URL={stack.endpoint} AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \\")
        print(f'    .venv/bin/python -c "{listing}"\n')
        if distributed:
            executions = (
                "import boto3; sfn = boto3.client('stepfunctions', region_name='eu-west-1'); "
                "[print(e['name'], e['status']) for m in sfn.list_state_machines()['stateMachines'] "
                "for e in sfn.list_executions(stateMachineArn=m['stateMachineArn'])['executions']]"
            )
            print("delivery_mode=distributed: the POST answers 202 and the state machine copies 5 MiB parts.")
            print("Its executions:\n")
            print(f"  AWS_ENDPOINT_URL={stack.endpoint} AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \\")
            print(f'    .venv/bin/python -c "{executions}"\n')
        print("Ctrl-C (or SIGTERM) stops it and everything it started.", flush=True)
        stop = threading.Event()
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(1.0):
                pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["demo", "serve"])
    parser.add_argument("--rows", type=int, help="rows in the staged export (default 5,000; 150,000 distributed)")
    parser.add_argument("--port", type=int, default=8360, help="serve: port of the local webhook")
    parser.add_argument("--distributed", action="store_true", help="serve: through the state machine")
    args = parser.parse_args()
    rows = args.rows or (150_000 if args.distributed else 5000)
    with stopped_by_signals():
        if args.command == "demo":
            demo(rows)
        else:
            serve(rows, args.port, distributed=args.distributed)


if __name__ == "__main__":
    main()
