"""`make teardown`: checks the selected workspace, says what goes, asks for the workspace name, then
stops deliveries, waits out the function's timeout, empties the versioned bucket (reading every
refusal), deletes the bucket with its children, takes them out of the state and destroys the rest.
A run stopped at any step is finished by running it again. Terraform is a stand-in that keeps a
state and records its calls; S3, Lambda and STS are moto."""

from __future__ import annotations

import io
import json
import sys
import uuid
import zipfile

import boto3
import pytest

from devkit.deployment.teardown import BUCKET_ADDRESS, BUCKET_MODULE, Aws, teardown
from devkit.local import moto_server

CHILDREN = [
    f"{BUCKET_MODULE}aws_s3_bucket_public_access_block.this[0]",
    f"{BUCKET_MODULE}aws_s3_bucket_policy.this[0]",
    f"{BUCKET_MODULE}aws_s3_bucket_server_side_encryption_configuration.this[0]",
    f"{BUCKET_MODULE}aws_s3_bucket_versioning.this[0]",
]
OTHERS = [
    "module.connector.module.lambda.aws_lambda_function.this",
    "module.connector.module.api.aws_api_gateway_stage.this",
    f"{BUCKET_MODULE}data.aws_iam_policy_document.bucket[0]",
]
TIMEOUT = 900

# A Terraform stand-in: `workspace show`, `output -json`, `state list|rm` and `destroy` over a JSON
# file (selected workspace, state, outputs), every call logged; `fail` names commands that fail once.
FAKE_TERRAFORM = """#!{python}
import json, os, sys
path = os.environ["FAKE_TF_STATE"]
world = json.load(open(path))
args = sys.argv[1:]
with open(os.environ["TF_LOG_FILE"], "a") as log:
    log.write(" ".join(args) + "\\n")
command = " ".join(args[:2])
for name in list(world["fail"]):
    if command.startswith(name):
        world["fail"].remove(name)
        json.dump(world, open(path, "w"))
        sys.exit("Error: injected failure of " + name)
if command == "workspace show":
    print(world["workspace"])
elif command == "output -json":
    print(json.dumps({{k: {{"value": v}} for k, v in world["outputs"].items()}}))
elif command == "state list":
    print("\\n".join(world["state"]))
elif command == "state rm":
    world["state"] = [a for a in world["state"] if a not in args[2:]]
elif args[0] == "destroy":
    world["state"], world["outputs"] = [], {{}}
json.dump(world, open(path, "w"))
"""


class Recorded:
    """A boto3 client whose calls that change something are written to the shared call log."""

    def __init__(self, client, log, fail=()):
        self._client, self._log, self._fail = client, log, list(fail)

    def __getattr__(self, name):
        attribute = getattr(self._client, name)
        if not name.startswith(("put_", "delete_", "abort_")):
            return attribute

        def call(**kwargs):
            with self._log.open("a") as log:
                log.write(f"aws {name}\n")
            if name in self._fail:
                self._fail.remove(name)
                raise RuntimeError(f"injected failure of {name}")
            return attribute(**kwargs)

        return call


class World:
    """A deployed workspace: bucket (versioned, holding exports), function, Terraform's state."""

    def __init__(self, s3, tmp_path, monkeypatch, object_lock=False):
        self.s3, self.tmp = s3, tmp_path
        self.bucket = f"ci360-s3-dev-exports-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(
            Bucket=self.bucket,
            CreateBucketConfiguration={"LocationConstraint": moto_server.REGION},
            ObjectLockEnabledForBucket=object_lock,
        )
        s3.put_bucket_versioning(Bucket=self.bucket, VersioningConfiguration={"Status": "Enabled"})
        tags = [{"Key": "Environment", "Value": "dev"}, {"Key": "ManagedBy", "Value": "terraform"}]
        s3.put_bucket_tagging(Bucket=self.bucket, Tagging={"TagSet": tags})
        for body in (b"v1", b"v2"):
            s3.put_object(Bucket=self.bucket, Key="ci360/a.csv", Body=body)
        s3.delete_object(Bucket=self.bucket, Key="ci360/a.csv")  # a delete marker over two versions
        s3.create_multipart_upload(Bucket=self.bucket, Key="ci360/cut-short.csv")  # a run killed mid-upload
        self.lambda_ = boto3.client("lambda")
        self.function = f"ci360-s3-dev-{uuid.uuid4().hex[:6]}"
        self.lambda_.create_function(
            FunctionName=self.function,
            Runtime="python3.13",
            Role=boto3.client("iam").create_role(RoleName=self.function, AssumeRolePolicyDocument="{}")["Role"]["Arn"],
            Handler="s3_bulk_upload.handler.lambda_handler",
            Code={"ZipFile": _zip()},
            Timeout=TIMEOUT,
        )
        self.state_file = tmp_path / "world.json"
        self.save(
            {
                "workspace": "dev",
                "state": [BUCKET_ADDRESS, *CHILDREN, *OTHERS],
                "outputs": {"bucket_name": self.bucket, "function_name": self.function},
                "fail": [],
            }
        )
        fake = tmp_path / "terraform"
        fake.write_text(FAKE_TERRAFORM.format(python=sys.executable))
        fake.chmod(0o755)
        self.terraform = str(fake)
        self.log = tmp_path / "calls.log"
        (tmp_path / "env").mkdir()
        (tmp_path / "env" / "dev.tfvars").write_text('aws_region = "eu-west-1"\nname_prefix = "ci360-s3"\n')
        monkeypatch.setenv("FAKE_TF_STATE", str(self.state_file))
        monkeypatch.setenv("TF_LOG_FILE", str(self.log))
        self.slept: list[float] = []

    def load(self):
        return json.loads(self.state_file.read_text())

    def save(self, world):
        self.state_file.write_text(json.dumps(world))

    def change(self, **values):
        self.save({**self.load(), **values})

    def calls(self):
        return self.log.read_text().splitlines() if self.log.exists() else []

    def aws(self, s3_fail=(), lambda_fail=()):
        return Aws(
            Recorded(self.s3, self.log, s3_fail), Recorded(self.lambda_, self.log, lambda_fail), boto3.client("sts")
        )

    def run(self, answer="dev", *, aws=None, sleep=None):
        def record_sleep(seconds):
            self.slept.append(seconds)

        return teardown(
            self.terraform,
            str(self.tmp),
            "dev",
            "env/dev.tfvars",
            aws or self.aws(),
            ask=lambda _: answer,
            sleep=sleep or record_sleep,
        )

    def bucket_exists(self):
        return self.bucket in [b["Name"] for b in self.s3.list_buckets()["Buckets"]]

    def versions(self):
        listing = self.s3.list_object_versions(Bucket=self.bucket)
        return listing.get("Versions", []) + listing.get("DeleteMarkers", [])

    def concurrency(self):
        return self.lambda_.get_function_concurrency(FunctionName=self.function).get("ReservedConcurrentExecutions")


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("s3_bulk_upload/handler.py", "def lambda_handler(event, context):\n    return {}\n")
    return buffer.getvalue()


@pytest.fixture
def world(s3, tmp_path, monkeypatch):
    return World(s3, tmp_path, monkeypatch)


@pytest.fixture
def locked_world(s3, tmp_path, monkeypatch):
    """The workspace's bucket with Object Lock enabled."""
    return World(s3, tmp_path, monkeypatch, object_lock=True)


def test_a_wrong_answer_deletes_nothing(world, capsys):
    assert world.run("prod") is False
    out = capsys.readouterr().out
    assert f"the bucket {world.bucket}, with every export in it (3 object versions and delete markers" in out
    assert "nothing was deleted" in out
    assert not [c for c in world.calls() if c.startswith(("aws ", "state rm", "destroy"))]
    assert len(world.versions()) == 3 and world.concurrency() is None


def test_another_selected_workspace_is_refused_before_anything_is_read_or_deleted(world, capsys):
    world.change(workspace="prod")
    assert world.run("dev") is False
    assert "Terraform's selected workspace is 'prod', not 'dev': nothing was deleted" in capsys.readouterr().out
    assert world.calls() == ["workspace show"]
    assert len(world.versions()) == 3


def test_deliveries_stop_and_started_runs_end_before_the_bucket_is_emptied_and_deleted_with_its_children(world):
    assert world.run() is True
    calls = [c for c in world.calls() if c.startswith(("aws ", "state rm", "destroy"))]
    assert calls[0] == "aws put_function_concurrency"
    assert world.slept == [TIMEOUT + 10]
    # The bucket is deleted (taking its policy, public access block, encryption and versioning with
    # it) before its children leave the state; nothing strips them from a bucket that still exists.
    assert calls.index("aws delete_bucket") < next(i for i, c in enumerate(calls) if c.startswith("state rm"))
    (removal,) = [c.split()[2:] for c in calls if c.startswith("state rm")]
    assert sorted(removal) == sorted([BUCKET_ADDRESS, *CHILDREN])
    assert calls[-1] == "destroy -input=false -auto-approve -var-file=env/dev.tfvars"
    assert not world.bucket_exists()
    assert world.load()["state"] == []


def test_a_delete_s3_refuses_is_reported_and_nothing_else_is_touched(locked_world, capsys):
    """Object Lock (a legal hold) refuses one version: DeleteObjects answers 200 with it in Errors."""
    world = locked_world
    version = world.s3.put_object(Bucket=world.bucket, Key="ci360/held.csv", Body=b"held")["VersionId"]
    world.s3.put_object_legal_hold(
        Bucket=world.bucket, Key="ci360/held.csv", VersionId=version, LegalHold={"Status": "ON"}
    )
    assert world.run() is False
    out = capsys.readouterr().out
    assert "Teardown stopped at 'empty the bucket'" in out
    assert "1 refused with AccessDenied" in out and "ci360/held.csv" in out
    assert f"the bucket {world.bucket} with 1 object versions and delete markers, 0 unfinished uploads" in out
    assert f"the function {world.function} is throttled (reserved concurrency 0)" in out
    assert f"{len(CHILDREN) + len(OTHERS) + 1} resources in the workspace's Terraform state" in out
    assert "run `make teardown WORKSPACE=dev` again" in out
    assert world.bucket_exists()  # and its settings, untouched
    assert world.s3.get_bucket_versioning(Bucket=world.bucket)["Status"] == "Enabled"
    assert not [c for c in world.calls() if c.startswith(("state rm", "destroy"))]

    # The hold lifted, a second run finishes.
    world.s3.put_object_legal_hold(
        Bucket=world.bucket, Key="ci360/held.csv", VersionId=version, LegalHold={"Status": "OFF"}
    )
    assert world.run() is True
    assert not world.bucket_exists() and world.load()["state"] == []


def _interrupt(world, step):
    """A first run stopped at ``step`` (an error, or Ctrl-C while waiting)."""
    if step == "stop deliveries":
        return world.run(aws=world.aws(lambda_fail=["put_function_concurrency"]))
    if step == "wait for started runs":

        def interrupted(seconds):
            raise KeyboardInterrupt

        return world.run(sleep=interrupted)
    if step == "empty the bucket":
        return world.run(aws=world.aws(s3_fail=["delete_objects"]))
    if step == "delete the bucket":
        return world.run(aws=world.aws(s3_fail=["delete_bucket"]))
    world.change(fail=["state rm" if step.startswith("remove") else "destroy"])
    return world.run()


@pytest.mark.parametrize(
    ("step", "bucket_left"),
    [
        ("stop deliveries", True),
        ("wait for started runs", True),
        ("empty the bucket", True),
        ("delete the bucket", True),
        ("remove the deleted bucket from the state", False),
        ("destroy the rest", False),
    ],
)
def test_a_run_stopped_at_any_step_says_what_is_left_and_a_second_run_finishes(world, capsys, step, bucket_left):
    assert _interrupt(world, step) is False
    out = capsys.readouterr().out
    assert f"Teardown stopped at '{step}'" in out
    assert world.bucket_exists() is bucket_left
    if bucket_left:
        assert f"the bucket {world.bucket} with" in out and "versioning are in place" in out
    else:
        assert f"The bucket {world.bucket} no longer exists" in out
    assert "resources in the workspace's Terraform state" in out
    assert "again" in out
    assert "not this workspace's" not in out

    assert world.run() is True
    out = capsys.readouterr().out
    assert "not this workspace's" not in out
    assert not world.bucket_exists()
    assert world.load()["state"] == []


def test_a_bucket_an_earlier_teardown_took_out_of_the_state_is_still_deleted(world, capsys):
    """The old teardown's failure: bucket emptied and removed from the state, then destroy failed (and
    the outputs went with the destroy). A re-run finds the bucket (its name, its Environment tag)."""
    world.change(
        state=[a for a in world.load()["state"] if a != BUCKET_ADDRESS],
        outputs={},
    )
    # The default name the connector gives it, as the tfvars leave bucket_name unset.
    account = boto3.client("sts").get_caller_identity()["Account"]
    default = f"ci360-s3-dev-exports-{account}"
    moto_server.create_bucket(world.s3, default)
    world.s3.put_bucket_tagging(
        Bucket=default,
        Tagging={"TagSet": [{"Key": "Environment", "Value": "dev"}, {"Key": "ManagedBy", "Value": "terraform"}]},
    )
    world.s3.put_object(Bucket=default, Key="ci360/late.csv", Body=b"written after the empty")
    assert world.run() is True
    out = capsys.readouterr().out
    assert "not this workspace's" not in out
    assert f"and the bucket {default}, left out of the state by an earlier teardown" in out
    assert default not in [b["Name"] for b in world.s3.list_buckets()["Buckets"]]
    assert world.load()["state"] == []


def test_a_bucket_not_tagged_with_the_workspace_is_left_and_said_so(world, capsys):
    world.change(state=[a for a in world.load()["state"] if a != BUCKET_ADDRESS])
    world.s3.delete_bucket_tagging(Bucket=world.bucket)
    assert world.run() is True
    out = capsys.readouterr().out
    assert f"The bucket {world.bucket} exists but is neither in this workspace's state nor tagged" in out
    assert world.bucket_exists() and len(world.versions()) == 3
