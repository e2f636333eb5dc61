"""What a workspace holds now, read from Terraform (outputs, state) and AWS (bucket, function), for
`make teardown`: each of its runs starts from here, so a run stopped anywhere is finished by the next."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devkit.deployment.bucket_contents import Contents, contents
from devkit.deployment.terraform_cli import Terraform
from devkit.deployment.workspace import tfvars_values

BUCKET_MODULE = "module.connector.module.bucket."
BUCKET_ADDRESS = f"{BUCKET_MODULE}aws_s3_bucket.this[0]"


@dataclass(frozen=True)
class Aws:
    """The clients a teardown uses, all in the workspace's Region."""

    s3: Any
    lambda_: Any
    sts: Any

    @classmethod
    def in_region(cls, region: str) -> Aws:
        import boto3

        return cls(*(boto3.client(name, region_name=region) for name in ("s3", "lambda", "sts")))


@dataclass
class Survey:
    """What the workspace holds now, read from Terraform and AWS."""

    state: list[str]
    bucket: str
    bucket_in_state: bool
    bucket_exists: bool
    creates_bucket: bool  # the tfvars say the workspace creates its bucket (not existing_bucket_name)
    owns_bucket: bool
    bucket_contents: Contents
    function: str
    function_timeout: int | None  # None: the function does not exist
    function_throttled: bool  # its reserved concurrency is 0

    @property
    def bucket_resources_in_state(self) -> list[str]:
        """The bucket and its children (public access block, policy, …): its module's managed resources."""
        return [a for a in self.state if a.startswith(BUCKET_MODULE) and not a.startswith(f"{BUCKET_MODULE}data.")]


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def survey(terraform: Terraform, workspace: str, tfvars: Path, aws: Aws) -> Survey:
    values = tfvars_values(tfvars)
    outputs = terraform.outputs()
    state = terraform.state()
    name = f"{values.get('name_prefix', 'ci360-s3')}-{workspace}"
    bucket = outputs.get("bucket_name") or values.get("existing_bucket_name") or values.get("bucket_name")
    if not bucket:  # the outputs are gone once a destroy has started: the connector's default name
        bucket = f"{name}-exports-{aws.sts.get_caller_identity()['Account']}"
    in_state = BUCKET_ADDRESS in state
    exists, tags = bucket_state(aws.s3, bucket)
    creates = values.get("create_bucket") is not False and not values.get("existing_bucket_name")
    # Out of the state but this workspace's: an earlier teardown removed it and stopped (Terraform
    # tags it with the workspace through the provider's default_tags).
    owned = in_state or (creates and tags.get("Environment") == workspace and tags.get("ManagedBy") == "terraform")
    function = outputs.get("function_name") or name
    timeout = _function_timeout(aws.lambda_, function)
    return Survey(
        state=state,
        bucket=bucket,
        bucket_in_state=in_state,
        bucket_exists=exists,
        creates_bucket=creates,
        owns_bucket=owned,
        bucket_contents=contents(aws.s3, bucket) if owned and exists else Contents(),
        function=function,
        function_timeout=timeout,
        function_throttled=timeout is not None
        and aws.lambda_.get_function_concurrency(FunctionName=function).get("ReservedConcurrentExecutions") == 0,
    )


def bucket_state(s3: Any, bucket: str) -> tuple[bool, dict[str, str]]:
    """Whether the bucket exists, and its tags."""
    try:
        tag_set = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except Exception as error:
        code = error_code(error)
        if code == "NoSuchBucket":
            return False, {}
        if code in ("NoSuchTagSet", "AccessDenied"):  # there, but not known to be this workspace's
            return True, {}
        raise
    return True, {tag["Key"]: tag["Value"] for tag in tag_set}


def _function_timeout(lambda_: Any, function: str) -> int | None:
    try:
        return int(lambda_.get_function_configuration(FunctionName=function)["Timeout"])
    except Exception as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
