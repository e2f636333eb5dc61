"""modules/bucket: the created bucket's hardening, read as data; which resources exist for a created
or an existing bucket, and the lifecycle rules' presence, evaluated by Terraform core."""

from __future__ import annotations

import json

import pytest

from devkit.local.state_machine import ASL_FILE
from devkit.terraform.config import block, module, resource
from devkit.terraform.evaluate import placeholder_inputs, value_of
from s3_bulk_upload.state_objects import FOLDER

BUCKET = "modules/bucket"


def inputs(**values):
    return {**placeholder_inputs(BUCKET), **values}


def test_bucket_hardening():
    assert (
        block(resource(BUCKET, "aws_s3_bucket_ownership_controls", "this")["rule"])["object_ownership"]
        == "BucketOwnerEnforced"
    )
    pab = resource(BUCKET, "aws_s3_bucket_public_access_block", "this")
    assert all(
        pab[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    assert (
        block(resource(BUCKET, "aws_s3_bucket_versioning", "this")["versioning_configuration"])["status"] == "Enabled"
    )


@pytest.mark.parametrize(
    ("kms_key_arn", "algorithm", "bucket_key"), [(None, "AES256", False), ("arn:k", "aws:kms", True)]
)
def test_default_encryption_is_sse_s3_or_the_given_key(kms_key_arn, algorithm, bucket_key):
    sse = block(resource(BUCKET, "aws_s3_bucket_server_side_encryption_configuration", "this")["rule"])
    default = block(sse["apply_server_side_encryption_by_default"])
    given = inputs(kms_key_arn=kms_key_arn)
    assert value_of(BUCKET, default["sse_algorithm"], given) == algorithm
    assert value_of(BUCKET, sse["bucket_key_enabled"], given) is bucket_key


def test_the_bucket_policy_refuses_plain_http():
    deny = block(module(BUCKET)["data"]["aws_iam_policy_document"]["bucket"]["statement"])
    condition = block(deny["condition"])
    assert deny["effect"] == "Deny" and deny["actions"] == ["s3:*"]
    assert (condition["test"], condition["variable"], condition["values"]) == ("Bool", "aws:SecureTransport", ["false"])


@pytest.mark.parametrize("days", [0, 30])
def test_lifecycle_aborts_stale_uploads_and_expires_exports_only_when_asked(days):
    rules = resource(BUCKET, "aws_s3_bucket_lifecycle_configuration", "this")["rule"]
    (abort,) = [r for r in rules if r["id"] == "abort-incomplete-multipart-uploads"]
    assert block(abort["abort_incomplete_multipart_upload"])["days_after_initiation"]
    expiring = resource(BUCKET, "aws_s3_bucket_lifecycle_configuration", "this")["dynamic"][0]["rule"]
    written = value_of(BUCKET, expiring["for_each"], inputs(expire_exports_after_days=days))
    assert len(written) == (1 if days else 0)


@pytest.mark.parametrize("create", [True, False])
def test_an_existing_bucket_is_looked_up_and_never_managed(create):
    m = module(BUCKET)
    lookups = value_of(BUCKET, m["data"]["aws_s3_bucket"]["existing"]["count"], inputs(create=create))
    assert lookups == (0 if create else 1)
    for kind, named in m["resource"].items():
        for name, body in named.items():
            count = value_of(BUCKET, body["count"], inputs(create=create, eventbridge_notifications=True))
            assert (count == 1) is create, f"{kind}.{name} must exist for a created bucket only"


def test_eventbridge_notifications_only_on_a_created_bucket_that_asks():
    notification = resource(BUCKET, "aws_s3_bucket_notification", "eventbridge")
    assert notification["eventbridge"] is True
    counts = {
        (create, asked): value_of(BUCKET, notification["count"], inputs(create=create, eventbridge_notifications=asked))
        for create in (True, False)
        for asked in (True, False)
    }
    assert counts == {(True, True): 1, (True, False): 0, (False, True): 0, (False, False): 0}


def test_expired_delete_markers_are_removed_under_the_prefix():
    """Issue 26, item 12: once the noncurrent versions of an expired or deleted export are gone, the
    delete marker left alone is removed too; without the rule they pile up forever."""
    rules = resource(BUCKET, "aws_s3_bucket_lifecycle_configuration", "this")["rule"]
    (markers,) = [r for r in rules if r["id"] == "remove-expired-delete-markers"]
    assert markers["status"] == "Enabled"
    assert block(markers["filter"]) == {"prefix": "${var.key_prefix}"}
    assert block(markers["expiration"]) == {"expired_object_delete_marker": True}


def test_the_bucket_has_no_force_destroy_that_prevent_destroy_would_make_dead():
    """Issue 26, item 14: prevent_destroy refuses every destroy of the bucket and teardown empties it
    itself, so force_destroy could never take effect: it is not offered."""
    bucket = resource(BUCKET, "aws_s3_bucket", "this")
    assert "force_destroy" not in bucket and block(bucket["lifecycle"])["prevent_destroy"] is True
    for relative in ("", "modules/connector", BUCKET):
        assert not {n for n in module(relative)["variable"] if "force_destroy" in n}, relative


def test_working_files_left_by_a_failed_clean_up_expire_after_their_execution_could_run():
    """A distributed execution's request holds pre-signed URLs: removed when it ends, and should that
    fail, expired by the bucket, but never while the execution may still run (its TimeoutSeconds)."""
    rules = resource(BUCKET, "aws_s3_bucket_lifecycle_configuration", "this")["rule"]
    (working,) = [r for r in rules if r["id"] == "expire-distributed-working-files"]
    prefix = value_of(BUCKET, block(working["filter"])["prefix"], inputs(key_prefix="p/"))
    assert working["status"] == "Enabled" and prefix == "p/" + FOLDER
    timeout_days = json.loads(ASL_FILE.read_text())["TimeoutSeconds"] / 86400
    assert block(working["expiration"])["days"] > timeout_days
