"""examples/existing-bucket applied against moto: everything but the moto gaps created, the next plan
empty, the deployed function answering and delivering through moto's Lambda, the bucket only read,
and destroy leaving the bucket it never owned."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from devkit.events import bulk_request, proxy_event

from .gaps import EXAMPLE_CONNECTOR, only_the_moto_gaps_failed, the_next_plan_creates_only_the_moto_gaps

EXISTING_BUCKET = "ci360-s3-example-theirs"


@pytest.fixture(scope="module")
def existing_bucket(root, aws):
    aws("s3").create_bucket(Bucket=EXISTING_BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    tf = root("examples/existing-bucket")
    tf.run("validate", "-no-color")
    only_the_moto_gaps_failed(tf.apply(variables={"bucket_name": EXISTING_BUCKET}), EXAMPLE_CONNECTOR)
    return tf


def test_existing_bucket_plans_no_change_after_the_apply(existing_bucket):
    plan = existing_bucket.plan(variables={"bucket_name": EXISTING_BUCKET})
    the_next_plan_creates_only_the_moto_gaps(plan, EXAMPLE_CONNECTOR)


def test_the_deployed_function_answers_and_delivers_through_motos_lambda(existing_bucket, aws, function_zip):
    """The zip the apply deployed, invoked through moto's Lambda API (run under the runtime emulator
    by the suite's moto, devkit.terraform.moto_as_aws) with the environment the apply wrote: a body
    that is not JSON is the function's own 400; with the suite's moto let in as a source (the only
    change), a staged export lands in the bucket under the prefix the apply configured."""
    if function_zip is None:
        pytest.skip("the runtime emulator or Python 3.13 is missing: moto's Lambda cannot run the zip here")
    functions, s3 = aws("lambda"), aws("s3")
    answer = json.loads(
        functions.invoke(FunctionName="ci360-s3-existing", Payload=json.dumps(proxy_event("{", raw=True)))[
            "Payload"
        ].read()
    )
    assert answer["statusCode"] == 400, answer
    configuration = functions.get_function_configuration(FunctionName="ci360-s3-existing")
    environment = configuration["Environment"]["Variables"]
    staging = "ci360-s3-example-staging"
    s3.create_bucket(Bucket=staging, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    data = b"1,ana@example.com\n2,li@example.com\n"
    s3.put_object(Bucket=staging, Key="data.csv", Body=data)
    s3.put_object(Bucket=staging, Key="meta.json", Body=json.dumps([{"columnName": "id"}, {"columnName": "email"}]))
    urls = [
        s3.generate_presigned_url("get_object", Params={"Bucket": staging, "Key": k}) for k in ("data.csv", "meta.json")
    ]
    host = urlsplit(urls[0]).netloc
    try:
        functions.update_function_configuration(
            FunctionName="ci360-s3-existing", Environment={"Variables": {**environment, "source_host_allowlist": host}}
        )
        event = proxy_event(bulk_request(urls[0], urls[1], "exports/churn.csv"))
        answer = json.loads(
            functions.invoke(FunctionName="ci360-s3-existing", Payload=json.dumps(event))["Payload"].read()
        )
    finally:
        functions.update_function_configuration(
            FunctionName="ci360-s3-existing", Environment={"Variables": environment}
        )
    assert answer["statusCode"] == 200, answer
    delivered = json.loads(answer["body"])
    assert delivered["bucket_name"] == EXISTING_BUCKET and delivered["rows"] == 2
    key = delivered["upload_filename"]
    assert key == "incoming/ci360/exports/churn.csv"
    assert s3.get_object(Bucket=EXISTING_BUCKET, Key=key)["Body"].read() == b"id,email\n" + data


def test_the_existing_bucket_is_only_read(existing_bucket, aws):
    s3 = aws("s3")
    assert "Status" not in s3.get_bucket_versioning(Bucket=EXISTING_BUCKET)
    for read in (s3.get_bucket_policy, s3.get_bucket_lifecycle_configuration):
        with pytest.raises(s3.exceptions.ClientError):
            read(Bucket=EXISTING_BUCKET)
    environment = aws("lambda").get_function_configuration(FunctionName="ci360-s3-existing")["Environment"]["Variables"]
    assert environment["s3_bucket_name"] == EXISTING_BUCKET and environment["s3_key_prefix"] == "incoming/ci360/"


def test_destroying_existing_bucket_leaves_the_bucket_it_never_owned(existing_bucket, aws):
    destroyed = existing_bucket.destroy(variables={"bucket_name": EXISTING_BUCKET})
    assert destroyed.returncode == 0, destroyed.diagnostics()
    assert existing_bucket.state_list() == []
    aws("s3").head_bucket(Bucket=EXISTING_BUCKET)
    assert [f for f in aws("lambda").list_functions()["Functions"] if f["FunctionName"] == "ci360-s3-existing"] == []
