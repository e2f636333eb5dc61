"""examples/complete applied against moto: everything but the moto gaps created, the next plan empty,
the function told the bus, database, key and bucket the apply created, the alarm topic's key serving
this account's alarms only, and destroy leaving only the bucket (prevent_destroy)."""

from __future__ import annotations

import json

import pytest

from devkit.terraform import moto_apply
from devkit.terraform.moto_apply import changes

from .gaps import EXAMPLE_CONNECTOR, only_the_moto_gaps_failed, the_next_plan_creates_only_the_moto_gaps

BUCKET_MODULE = f"{EXAMPLE_CONNECTOR}.module.bucket"


@pytest.fixture(scope="module")
def complete(root):
    tf = root("examples/complete")
    tf.run("validate", "-no-color")
    planned = changes(tf.plan())
    assert planned and all(actions == ["create"] for actions in planned.values()), planned
    only_the_moto_gaps_failed(tf.apply(), EXAMPLE_CONNECTOR)
    return tf


def test_complete_plans_no_change_after_the_apply(complete):
    the_next_plan_creates_only_the_moto_gaps(complete.plan(), EXAMPLE_CONNECTOR)


def test_the_complete_functions_environment_names_what_the_apply_created(complete, aws):
    environment = aws("lambda").get_function_configuration(FunctionName="ci360-s3-example")["Environment"]["Variables"]
    assert environment["delivery_event_bus"] == "ci360-s3-example-exports"
    aws("events").describe_event_bus(Name=environment["delivery_event_bus"])
    assert environment["glue_database"] == "ci360_s3_example"
    aws("glue").get_database(Name=environment["glue_database"])
    aws("s3").head_bucket(Bucket=environment["s3_bucket_name"])
    key = aws("kms").describe_key(KeyId=environment["sse_kms_key_arn"])["KeyMetadata"]
    assert key["Arn"] == environment["sse_kms_key_arn"] and key["Description"] == "ci360-s3-example exports"
    destination = aws("lambda").get_function_event_invoke_config(FunctionName="ci360-s3-example")
    assert destination["DestinationConfig"]["OnFailure"]["Destination"].endswith(":ci360-s3-example-failed-transfers")
    assert aws("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/ci360-s3-example")["logGroups"]


def test_the_alarm_topics_key_serves_only_this_accounts_alarms(complete, aws):
    """Issue 26, item 13: the key policy as applied (no confused deputy)."""
    topic = next(
        t["TopicArn"] for t in aws("sns").list_topics()["Topics"] if t["TopicArn"].endswith(":ci360-s3-example-alarms")
    )
    key_id = aws("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    policy = json.loads(aws("kms").get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    (cloudwatch,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Condition"] == {
        "StringEquals": {"aws:SourceAccount": moto_apply.ACCOUNT_ID},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:eu-west-1:{moto_apply.ACCOUNT_ID}:alarm:*"},
    }


def test_destroying_complete_leaves_only_its_bucket(complete, aws):
    refused = complete.destroy()
    assert refused.returncode != 0
    assert any("Instance cannot be destroyed" in summary for _, summary, _ in refused.diagnostics())
    complete.run("state", "rm", *[a for a in complete.state_list() if a.startswith(BUCKET_MODULE + ".aws_")])
    destroyed = complete.destroy()
    assert destroyed.returncode == 0, destroyed.diagnostics()
    assert complete.state_list() == []
    assert [f for f in aws("lambda").list_functions()["Functions"] if f["FunctionName"] == "ci360-s3-example"] == []
    assert aws("glue").get_databases()["DatabaseList"] == [] or "ci360_s3_example" not in {
        d["Name"] for d in aws("glue").get_databases()["DatabaseList"]
    }
    buckets = [
        b["Name"] for b in aws("s3").list_buckets()["Buckets"] if b["Name"].startswith("ci360-s3-example-exports")
    ]
    assert len(buckets) == 1  # prevent_destroy's, by design: make teardown (or the README's steps) deletes it
