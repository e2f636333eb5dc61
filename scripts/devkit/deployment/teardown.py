"""`make teardown WORKSPACE=…`: delete a (test) workspace entirely, its exports included, deliberately.

The created bucket carries ``prevent_destroy``: ``terraform destroy`` refuses before it touches
anything, so a workspace holding exports never loses its bucket's protections (encryption,
public access block, TLS-only policy, versioning) by accident. This says what it will delete,
asks for the workspace name, then empties the bucket (every version and delete marker), takes
the bucket out of Terraform's state (the guard), destroys the rest, and deletes the empty bucket.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from typing import Any

BUCKET_ADDRESS = "module.connector.module.bucket.aws_s3_bucket.this[0]"


def terraform(binary: str, folder: str, *arguments: str, capture: bool = False) -> str:
    result = subprocess.run([binary, *arguments], cwd=folder, check=True, text=True, capture_output=capture)
    return result.stdout if capture else ""


def versions(s3: Any, bucket: str) -> list[dict[str, str]]:
    """Every object version and delete marker in the bucket, as DeleteObjects takes them."""
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            found.append({"Key": entry["Key"], "VersionId": entry["VersionId"]})
    return found


def empty(s3: Any, bucket: str, listed: list[dict[str, str]]) -> None:
    for start in range(0, len(listed), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": listed[start : start + 1000], "Quiet": True})


def teardown(
    binary: str, folder: str, workspace: str, tfvars: str, s3: Any, *, ask: Callable[[str], str] = input
) -> bool:
    bucket = terraform(binary, folder, "output", "-raw", "bucket_name", capture=True).strip()
    created = BUCKET_ADDRESS in terraform(binary, folder, "state", "list", capture=True).split()
    listed = versions(s3, bucket) if created else []
    print(f"This deletes the workspace {workspace!r}: its webhook, function, role, logs and alarms")
    if created:
        print(f"and the bucket {bucket} with every export in it ({len(listed)} object versions and delete markers).")
    else:
        print(f"The bucket {bucket} is not this workspace's (existing_bucket_name): it and its exports stay.")
    if ask(f"Type the workspace name ({workspace}) to go on: ").strip() != workspace:
        print("Not confirmed: nothing was deleted.")
        return False
    if created:
        empty(s3, bucket, listed)
        terraform(binary, folder, "state", "rm", BUCKET_ADDRESS)
    terraform(binary, folder, "destroy", "-input=false", "-auto-approve", f"-var-file={tfvars}")
    if created:
        empty(s3, bucket, versions(s3, bucket))  # anything delivered meanwhile
        s3.delete_bucket(Bucket=bucket)
    print(f"Workspace {workspace} deleted.")
    return True


def main() -> None:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default="terraform")
    parser.add_argument("--terraform-dir", default="terraform")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--tfvars", required=True)
    args = parser.parse_args()
    ok = teardown(args.terraform, args.terraform_dir, args.workspace, args.tfvars, boto3.client("s3"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
