"""`make teardown WORKSPACE=…`: delete a (test) workspace entirely, its exports included, deliberately.

The created bucket carries ``prevent_destroy``: ``terraform destroy`` refuses before it touches
anything, so a workspace holding exports never loses its bucket's protections (encryption,
public access block, TLS-only policy, versioning) by accident. This checks that Terraform's
selected workspace is the one named, says what it will delete, asks for the workspace name, then:

1. stops deliveries: the function's reserved concurrency is set to 0, so neither the webhook nor
   a queued or retried asynchronous run starts again (reversible: ``make apply`` or
   ``aws lambda delete-function-concurrency`` lifts it; removing the API stage would leave the
   function's asynchronous queue running);
2. waits out the function's timeout, so a run that had already started has ended;
3. empties the bucket (every object version, delete marker and unfinished upload), reading every
   refusal ``DeleteObjects`` returns, and checks that nothing is left;
4. deletes the bucket itself, which takes its public access block, policy, encryption, versioning
   and lifecycle with it: they are never removed from a bucket that still exists;
5. removes the bucket and those children from Terraform's state (they no longer exist);
6. destroys the rest of the workspace.

Every step reads the situation afresh, so a run stopped anywhere (an error, Ctrl-C, a refused
delete) is finished by running it again. On a failure it says exactly what is left and how to
finish. A bucket an earlier teardown took out of the state but could not delete is still found
(by its name and its ``Environment`` tag) and finished.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit.deployment.bucket_contents import contents, describe_refusals, empty
from devkit.deployment.terraform_cli import Terraform
from devkit.deployment.workspace import workspace_region
from devkit.deployment.workspace_survey import (
    BUCKET_ADDRESS,
    BUCKET_MODULE,
    Aws,
    Survey,
    bucket_state,
    error_code,
    survey,
)

__all__ = ["BUCKET_ADDRESS", "BUCKET_MODULE", "Aws", "teardown"]

# After the function's timeout, a margin for the runtime to report the end of a run.
WAIT_MARGIN_SECONDS = 10


class StepFailed(Exception):
    """A step that could not finish; its text says why (one line, or several lines of refusals)."""


def _bucket_line(found: Survey, workspace: str) -> str:
    """The bucket's situation when it is not one this run deletes."""
    if found.owns_bucket or (found.creates_bucket and not found.bucket_exists):
        return f"The bucket {found.bucket} no longer exists (a teardown deleted it)."
    if found.creates_bucket:
        return (
            f"The bucket {found.bucket} exists but is neither in this workspace's state nor tagged "
            f"Environment = {workspace}: teardown leaves it and its exports. If it is this workspace's, "
            "tag it so and run make teardown again (or empty and delete it yourself)."
        )
    return f"The bucket {found.bucket} is not this workspace's (existing_bucket_name): it and its exports stay."


def describe(found: Survey, workspace: str) -> list[str]:
    lines = [
        f"This deletes the workspace {workspace!r}: its webhook, function, role, logs and alarms "
        f"({len(found.state)} resources in its Terraform state)"
    ]
    if not (found.owns_bucket and found.bucket_exists):
        return [*lines, _bucket_line(found, workspace)]
    left = "" if found.bucket_in_state else ", left out of the state by an earlier teardown"
    lines.append(f"and the bucket {found.bucket}{left}, with every export in it ({found.bucket_contents.describe()}).")
    if found.function_timeout is not None:
        lines.append(
            f"Deliveries stop first (the function {found.function} is throttled), then it waits "
            f"{found.function_timeout + WAIT_MARGIN_SECONDS} s for runs already started (its timeout)."
        )
    return lines


Step = tuple[str, Callable[[], None]]


def steps(terraform: Terraform, tfvars: str, found: Survey, aws: Aws, sleep: Callable[[float], None]) -> list[Step]:
    """The steps still to do, in order."""
    todo: list[Step] = []
    if found.owns_bucket and found.bucket_exists:
        timeout = found.function_timeout
        if timeout is not None:
            todo.append(("stop deliveries", lambda: _throttle(aws.lambda_, found.function)))
            todo.append(("wait for started runs", lambda: _wait(sleep, timeout + WAIT_MARGIN_SECONDS)))
        todo.append(("empty the bucket", lambda: _empty(aws.s3, found.bucket)))
        todo.append(("delete the bucket", lambda: _delete_bucket(aws.s3, found.bucket)))
    if found.owns_bucket and found.bucket_resources_in_state:
        todo.append(("remove the deleted bucket from the state", lambda: _forget_bucket(terraform, aws.s3, found)))
    todo.append(("destroy the rest", lambda: terraform.destroy(tfvars)))
    return todo


def _throttle(lambda_: Any, function: str) -> None:
    lambda_.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
    print(f"  the function {function} is throttled (reserved concurrency 0): no new run starts")


def _wait(sleep: Callable[[float], None], seconds: int) -> None:
    print(f"  waiting {seconds} s for runs that had already started (the function's timeout)…", flush=True)
    sleep(seconds)


def _empty(s3: Any, bucket: str) -> None:
    refused = empty(s3, bucket, contents(s3, bucket))
    left = contents(s3, bucket)
    if refused or left:
        lines = describe_refusals(refused) or [f"written meanwhile: {left.describe()}"]
        raise StepFailed("S3 did not delete everything:\n    " + "\n    ".join(lines))
    print(f"  s3://{bucket} is empty")


def _delete_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.delete_bucket(Bucket=bucket)
    except Exception as error:
        if error_code(error) != "NoSuchBucket":
            raise
    print(f"  deleted the bucket {bucket} (with its policy, public access block, encryption and versioning)")


def _forget_bucket(terraform: Terraform, s3: Any, found: Survey) -> None:
    if bucket_state(s3, found.bucket)[0]:  # never drop a bucket that still exists from the state
        raise StepFailed(f"the bucket {found.bucket} still exists")
    terraform.state_rm(found.bucket_resources_in_state)


def remaining(terraform: Terraform, workspace: str, tfvars: Path, aws: Aws) -> list[str]:
    """What is left now, read afresh; each check that cannot run says so."""
    try:
        found = survey(terraform, workspace, tfvars, aws)
    except Exception as error:
        return [f"could not read what is left ({error})"]
    lines = []
    if found.owns_bucket and found.bucket_exists:
        lines.append(
            f"the bucket {found.bucket} with {found.bucket_contents.describe()}; its public access block, "
            "TLS-only policy, encryption and versioning are in place"
        )
    else:
        lines.append(_bucket_line(found, workspace))
    if found.function_throttled:
        lines.append(
            f"the function {found.function} is throttled (reserved concurrency 0): webhook calls fail until the "
            f"teardown finishes (or `make apply` / `aws lambda delete-function-concurrency --function-name "
            f"{found.function}` lifts it)"
        )
    lines.append(f"{len(found.state)} resources in the workspace's Terraform state")
    return lines


def _why(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        command = " ".join(["terraform", *map(str, error.cmd[1:])])
        return f"`{command}` failed (exit {error.returncode}); its output above says why"
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return str(error)


def teardown(
    binary: str,
    folder: str,
    workspace: str,
    tfvars: str,
    aws: Aws,
    *,
    ask: Callable[[str], str] = input,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    terraform = Terraform(binary, folder)
    tfvars_path = Path(folder) / tfvars
    selected = terraform.selected_workspace()
    if selected != workspace:
        print(f"Terraform's selected workspace is {selected!r}, not {workspace!r}: nothing was deleted.")
        print(f"Select it (terraform workspace select {workspace}) or run make teardown WORKSPACE={selected}.")
        return False
    found = survey(terraform, workspace, tfvars_path, aws)
    print("\n".join(describe(found, workspace)))
    if ask(f"Type the workspace name ({workspace}) to go on: ").strip() != workspace:
        print("Not confirmed: nothing was deleted.")
        return False
    for name, action in steps(terraform, tfvars, found, aws, sleep):
        print(f"- {name}", flush=True)
        try:
            action()
        except (Exception, KeyboardInterrupt) as error:
            print(f"\nTeardown stopped at '{name}': {_why(error)}")
            print("What is left:")
            for line in remaining(terraform, workspace, tfvars_path, aws):
                print(f"  - {line}")
            print(f"To finish: deal with the cause above, then run `make teardown WORKSPACE={workspace}` again.")
            return False
    print(f"Workspace {workspace} deleted.")
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", default="terraform")
    parser.add_argument("--terraform-dir", default="terraform")
    parser.add_argument("--workspace", required=True)
    parser.add_argument("--tfvars", required=True, help="the workspace's tfvars, relative to --terraform-dir")
    args = parser.parse_args()
    outputs = Terraform(args.terraform, args.terraform_dir).outputs()
    region = workspace_region(Path(args.terraform_dir) / args.tfvars, outputs)
    aws = Aws.in_region(region)
    ok = teardown(args.terraform, args.terraform_dir, args.workspace, args.tfvars, aws)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
