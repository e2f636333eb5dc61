"""`make smoke WORKSPACE=dev`: prove a deployed stack delivers, end to end, and leave nothing behind.

Stages a small export in the destination bucket under `_smoke/<run>/` (with your AWS
credentials, from the usual chain), calls the webhook with the key from the Terraform outputs,
exactly as CI360 would, checks the delivered object byte for byte, then deletes every version
of what it wrote, and the catalog table the delivery registered when the stack has a Glue
database (`glue_database_name` output).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from devkit.deployment.workspace import workspace_region
from devkit.events import bulk_request
from devkit.paths import TERRAFORM_DIR
from s3_bulk_upload.catalog_schema import catalog_name

SAMPLE_ROWS = b'smoke-0001,ana@example.com,"Silva, Ana",0.91\nsmoke-0002,li@example.com,"Wei, Li",0.47\n'
SAMPLE_COLUMNS = ["identity_id", "email", "name", "score"]
EXPECTED = b"identity_id,email,name,score\n" + SAMPLE_ROWS


@dataclass
class SmokeReport:
    ok: bool = False
    steps: list[str] = field(default_factory=list)
    delivered_key: str = ""

    def step(self, text: str) -> None:
        self.steps.append(text)
        print(f"  {text}", flush=True)


def terraform_outputs(terraform: str, directory: Path) -> dict[str, Any]:
    raw = subprocess.run(
        [terraform, "output", "-json"], cwd=directory, check=True, capture_output=True, text=True
    ).stdout
    return {name: value["value"] for name, value in json.loads(raw).items()}


def _delete_everything_under(s3: Any, bucket: str, prefix: str) -> int:
    """Every version and delete marker under the prefix (the bucket may be versioned)."""
    removed = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])
            removed += 1
    return removed


def _drop_table(glue: Any, database: str, name: str, wait: float) -> bool:
    """Delete the smoke run's table; an asynchronous run registers it just after the object lands."""
    deadline = time.monotonic() + wait
    while True:
        try:
            glue.delete_table(DatabaseName=database, Name=name)
            return True
        except glue.exceptions.EntityNotFoundException:
            if time.monotonic() > deadline:
                return False
            time.sleep(2)


def run_smoke(
    s3: Any,
    bucket: str,
    key_prefix: str,
    webhook_url: str,
    api_key: str,
    *,
    timeout: float = 120.0,
    glue: Any = None,
    glue_database: str | None = None,
) -> SmokeReport:
    report = SmokeReport()
    answer: dict[str, Any] = {}
    status: int | None = None  # the webhook's status code, once it answered
    run = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
    glue_table = f"ci360_smoke_{run}"
    staged = f"_smoke/{run}/"
    s3_filename = f"_smoke/{run}/delivered.csv"
    report.delivered_key = key_prefix + s3_filename
    try:
        s3.put_object(Bucket=bucket, Key=staged + "data.csv", Body=SAMPLE_ROWS)
        s3.put_object(Bucket=bucket, Key=staged + "metadata.json", Body=json.dumps(SAMPLE_COLUMNS).encode())
        urls = {
            name: s3.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": staged + file}, ExpiresIn=900
            )
            for name, file in (("dataFile", "data.csv"), ("metadataFile", "metadata.json"))
        }
        report.step(f"staged a sample export in s3://{bucket}/{staged}")
        body = bulk_request(
            urls["dataFile"],
            urls["metadataFile"],
            s3_filename,
            taskId="smoke-test",
            taskName="connector smoke test",
            occurrenceId=f"smoke-{run}",
            send_parameters={"glue_table": glue_table} if glue_database else {},
        )
        response = requests.post(
            webhook_url,
            data=json.dumps(body),
            headers={"Content-Type": "application/json", "x-api-key": api_key},
            timeout=timeout,
        )
        answer = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
        status = response.status_code
        report.step(f"webhook answered {status} {answer.get('status', response.text[:200])}")
        if status == 202:
            report.step("accepted for asynchronous delivery; waiting for the object")
            _wait_for(s3, bucket, report.delivered_key, timeout)
        elif status != 200:
            report.step(f"message: {answer.get('message', '')}")
            return report
        delivered = s3.get_object(Bucket=bucket, Key=report.delivered_key)["Body"].read()
        if delivered != EXPECTED:
            report.step(f"delivered object differs from the sample ({len(delivered)} bytes)")
            return report
        report.step(f"verified s3://{bucket}/{report.delivered_key} ({len(delivered)} bytes, header + rows)")
        if glue_database and answer.get("catalog") == "failed":
            report.step("the catalog table could not be written: see the function's log")
            return report
        report.ok = True
        return report
    finally:
        removed = _delete_everything_under(s3, bucket, staged)
        removed += _delete_everything_under(s3, bucket, key_prefix + f"_smoke/{run}/")
        report.step(f"cleaned up {removed} object versions")
        if glue is not None and glue_database and status in (200, 202):
            table = catalog_name(glue_table)  # the name the function gives it
            if _drop_table(glue, glue_database, table, wait=timeout if status == 202 else 0):
                report.step(f"dropped the catalog table {glue_database}.{table}")


def _wait_for(s3: Any, bucket: str, key: str, timeout: float) -> None:
    from botocore.exceptions import ClientError

    deadline = time.monotonic() + timeout
    while True:
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return
        except ClientError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default="terraform")
    parser.add_argument("--terraform-dir", type=Path, default=TERRAFORM_DIR)
    parser.add_argument("--tfvars", default="env/dev.tfvars", help="the workspace's tfvars, under --terraform-dir")
    args = parser.parse_args()
    outputs = terraform_outputs(args.terraform, args.terraform_dir)
    # The workspace's Region (its aws_region output, else its tfvars'), never the caller's default.
    region = workspace_region(args.terraform_dir / args.tfvars, outputs)
    print(f"Smoke test of {outputs['ci360_webhook_url']} ({region})")
    report = run_smoke(
        boto3.client("s3", region_name=region),
        outputs["bucket_name"],
        outputs["s3_key_prefix"],
        outputs["ci360_webhook_url"],
        outputs["ci360_api_key"],
        glue=boto3.client("glue", region_name=region),
        glue_database=outputs.get("glue_database_name"),
    )
    print("PASSED" if report.ok else "FAILED")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
