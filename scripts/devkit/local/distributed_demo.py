"""`make demo DISTRIBUTED=1`: a distributed delivery on this machine, no AWS account needed.

The embedded S3 (moto, in this process), a CI360-like staging server with a generated export,
and the deployed state machine (``terraform/modules/distributed/state_machine.asl.json``) executed
by moto's Step Functions interpreter, every step handed to the handler in this process
(``devkit.local.state_machine``). One bulk request with ``delivery_mode=distributed``: the 202,
the execution's states and parts, what landed, and that no pre-signed URL is in its history.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import boto3

from devkit.events import bulk_request, new_occurrence, proxy_event
from devkit.local.context import LocalContext
from devkit.local.demo import BUCKET, PREFIX, write_export
from devkit.local.loopback import LOOPBACK
from devkit.local.moto_server import aws_environment, create_bucket, moto_server
from devkit.local.staging import SIGNATURE, StagingServer
from devkit.local.state_machine import state_machine
from devkit.processes import stopped_by_signals
from s3_bulk_upload.handler import lambda_handler


def demo(rows: int, span_mib: int, part_mib: int) -> None:
    started = time.monotonic()
    print("Starting: embedded S3 and Step Functions (moto), CI360 staging server, the deployed state machine…")
    with (
        tempfile.TemporaryDirectory(prefix="ci360-demo-") as tmp,
        moto_server(in_process=True) as endpoint,
        StagingServer() as staging,
    ):
        os.environ.update(aws_environment(endpoint))
        os.environ.update(
            {
                "s3_bucket_name": BUCKET,
                "s3_key_prefix": PREFIX,
                "source_host_allowlist": f"{LOOPBACK}:{staging.port}",
                "delivery_mode": "distributed",
                "distributed_part_size_mib": str(span_mib),
                "part_size_mib": str(part_mib),
                "max_parallel_parts": "4",
                "log_level": "WARNING",
            }
        )
        create_bucket(boto3.client("s3"), BUCKET)
        data, metadata = write_export(Path(tmp), rows)
        data_url = staging.put_file(f"/{data.name}", data)
        metadata_url = staging.put_file(f"/{metadata.name}", metadata)
        print(
            f"Staged a CI360 export: {rows:,} rows, {data.stat().st_size:,} bytes; "
            f"spans of {span_mib} MiB, each written as parts of {part_mib} MiB\n"
        )
        with state_machine(endpoint, lambda_handler) as local:
            os.environ["state_machine_arn"] = local.arn  # noqa: SIM112 - the contract's variable names
            request = bulk_request(data_url, metadata_url, "exports/churn/{date}.csv", **new_occurrence())
            response = lambda_handler(proxy_event(request), LocalContext())
            print(f"1. POST (as CI360) with delivery_mode=distributed → {response['statusCode']} {response['body']}")
            sfn = boto3.client("stepfunctions")
            while True:
                (execution,) = sfn.list_executions(stateMachineArn=local.arn)["executions"]
                described = sfn.describe_execution(executionArn=execution["executionArn"])
                if described["status"] != "RUNNING":
                    break
                time.sleep(0.2)
            history = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
            entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
            print(f"\n2. Execution {execution['name']}: {described['status']}")
            print(
                f"   States: {' → '.join(dict.fromkeys(entered))}; spans copied: {len(local.invocations.steps('part'))}"
            )
            print(f"   Output: {described.get('output')}")
            text = json.dumps(history, default=str)
            print(f"   Largest history event: {max(len(json.dumps(e, default=str)) for e in history):,} bytes; "
                  f"pre-signed query in the history: {SIGNATURE in text}")  # fmt: skip
            answer = json.loads(response["body"])
            s3 = boto3.client("s3")
            head = s3.head_object(Bucket=BUCKET, Key=answer["upload_filename"])
            parts = s3.head_object(Bucket=BUCKET, Key=answer["upload_filename"], PartNumber=1).get("PartsCount")
            print(
                f"\n3. Delivered {answer['s3_uri']}: {head['ContentLength']:,} bytes, {head['ContentType']}, "
                f"{parts} S3 parts"
            )
            left = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
            print(f"   Objects in the bucket: {left}")
            if described["status"] != "SUCCEEDED":
                raise SystemExit("the distributed delivery failed")
    print(f"\nDone in {time.monotonic() - started:.1f} s; everything it started is stopped.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=150_000)
    parser.add_argument("--span-mib", type=int, default=10, help="distributed_part_size_mib")
    parser.add_argument("--part-mib", type=int, default=5, help="part_size_mib")
    args = parser.parse_args()
    with stopped_by_signals():
        demo(args.rows, args.span_mib, args.part_mib)


if __name__ == "__main__":
    main()
