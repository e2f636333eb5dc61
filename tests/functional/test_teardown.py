"""`make teardown`: says what goes, asks for the workspace name, and only then empties the versioned
bucket (versions and delete markers), lifts the bucket's guard out of the state, destroys, and
deletes the bucket. Terraform is a stand-in that records its calls; S3 is moto."""

from __future__ import annotations

import uuid

import pytest

from devkit.deployment.teardown import BUCKET_ADDRESS, teardown
from devkit.local import moto_server

FAKE_TERRAFORM = """#!/usr/bin/env bash
echo "$*" >> "$TF_LOG_FILE"
case "$1" in
  output) printf '%s' "$BUCKET" ;;
  state) [ "$2" = list ] && echo "{address}" ;;
esac
exit 0
"""


@pytest.fixture
def workspace(s3, tmp_path, monkeypatch):
    name = moto_server.create_bucket(s3, f"ci360-s3-dev-exports-{uuid.uuid4().hex[:12]}")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=name, Key="ci360/a.csv", Body=body)
    s3.delete_object(Bucket=name, Key="ci360/a.csv")  # a delete marker over two versions
    fake = tmp_path / "terraform"
    fake.write_text(FAKE_TERRAFORM.replace("{address}", BUCKET_ADDRESS))
    fake.chmod(0o755)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("TF_LOG_FILE", str(log))
    monkeypatch.setenv("BUCKET", name)
    return name, str(fake), log


def calls(log):
    return log.read_text().splitlines() if log.exists() else []


def test_a_wrong_answer_deletes_nothing(s3, workspace, capsys):
    bucket, fake, log = workspace
    assert teardown(fake, ".", "dev", "env/dev.tfvars", s3, ask=lambda _: "prod") is False
    out = capsys.readouterr().out
    assert f"the bucket {bucket} with every export in it (3 object versions and delete markers)" in out
    assert "nothing was deleted" in out
    assert not any(c.startswith(("state rm", "destroy")) for c in calls(log))
    assert len(s3.list_object_versions(Bucket=bucket).get("Versions", [])) == 2


def test_the_workspace_name_deletes_the_workspace_and_its_exports(s3, workspace):
    bucket, fake, log = workspace
    assert teardown(fake, ".", "dev", "env/dev.tfvars", s3, ask=lambda _: "dev") is True
    made = calls(log)
    assert f"state rm {BUCKET_ADDRESS}" in made
    assert made.index(f"state rm {BUCKET_ADDRESS}") < made.index(
        "destroy -input=false -auto-approve -var-file=env/dev.tfvars"
    )
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
