"""The built zip, run the way Lambda runs it: AWS's Runtime Interface Emulator starts
``python3.13 -m awslambdaric <handler>`` over the unpacked zip, with the runtime's own (older, or
the pinned) SDK after it on the path, and events go in over HTTP.

The handler string, runtime and architecture come from the Terraform modules. Without the
emulator (no Go to build it) or without Python 3.13, the tests say so in one line and run the
zip through the in-process bootstrap instead.
"""

from __future__ import annotations

import gzip
import json
import shutil
import time
import uuid

import pytest

from devkit.events import bulk_request, proxy_event, sample_bytes
from devkit.local import rie
from devkit.local.staging import SIGNATURE, Behaviour
from devkit.packaging import artifact

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")
PINNED_SDK = artifact.pinned_sdk_version()
DEPLOYED = artifact.deployed_function()
# What the zip bundles that a runtime also provides: leave it out to see what the runtime's SDK does.
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py")


@pytest.fixture(scope="module")
def runtime():
    runtime = artifact.lambda_runtime()
    print(f"\nartifact tests: {artifact.runner_description(runtime)}; Terraform deploys {DEPLOYED}")
    assert runtime.version == DEPLOYED.python_version or not runtime.is_lambda_version
    return runtime


@pytest.fixture(scope="module")
def task(tmp_path_factory, runtime):
    return artifact.build_and_unpack(tmp_path_factory.mktemp("artifact"), runtime)


@pytest.fixture(scope="module", params=[artifact.OLD_RUNTIME_SDK, PINNED_SDK], ids=["old-runtime-sdk", "pinned-sdk"])
def sdk(request, runtime):
    return artifact.runtime_sdk(request.param, runtime)


def settings(bucket, moto_endpoint, staging, **env):
    return {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "ci360-artifact-test",
        "POWERTOOLS_METRICS_NAMESPACE": "CI360S3BulkConnector",
        "s3_bucket_name": bucket,
        "source_host_allowlist": f"127.0.0.1:{staging.port}",
        "source_backoff_seconds": "0",
        "source_max_retries": "1",
        **env,
    }


def run(runtime, path, documents, env, timeout_seconds=900):
    result = artifact.run_artifact(runtime, path, DEPLOYED.handler, [proxy_event(d) for d in documents], env,
                                   timeout_seconds=timeout_seconds)  # fmt: skip
    assert SIGNATURE not in result.logs
    for line in result.logs.splitlines():  # ours: one JSON object per line; the rest is the runtime's
        if line.strip():
            assert (line.startswith("{") and isinstance(json.loads(line), dict)) or rie.RUNTIME_LINE.match(line), line
    return result


@pytest.fixture
def deliver(runtime, task, sdk, bucket, moto_endpoint, staging):
    """Deliver through the unpacked zip with the runtime SDK behind it: (status code, answer body)."""

    def deliver(document, **env):
        result = run(runtime, [task, sdk], [document], settings(bucket, moto_endpoint, staging, **env))
        (answer,) = result.answers
        return answer["statusCode"], json.loads(answer["body"])

    return deliver


def object_bytes(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def no_open_uploads(s3, bucket):
    return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_plain_csv_with_header(deliver, s3, bucket, staging):
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER), s3_filename="out/a.csv")
    status, body = deliver(request)
    assert status == 200, body
    assert body["bytes"] == len(HEADER + DATA)
    assert body["rows"] == DATA.count(b"\n")
    assert object_bytes(s3, bucket, "out/a.csv") == HEADER + DATA
    assert no_open_uploads(s3, bucket)


def test_metrics_are_written_without_the_powertools_environment(runtime, task, bucket, moto_endpoint, staging, s3):
    """The zip run with no POWERTOOLS_* variables at all (not Terraform's environment) still writes its EMF
    document, in the contract's default namespace."""
    env = settings(bucket, moto_endpoint, staging)
    del env["POWERTOOLS_METRICS_NAMESPACE"], env["POWERTOOLS_SERVICE_NAME"]
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER), s3_filename="out/m.csv")
    result = run(runtime, [task, artifact.runtime_sdk(PINNED_SDK, runtime)], [request], env)
    assert result.answers[0]["statusCode"] == 200
    documents = [json.loads(line) for line in result.logs.splitlines() if line.startswith('{"_aws"')]
    assert documents, "no EMF document was written"
    (directive,) = documents[-1]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CI360S3BulkConnector"
    assert documents[-1]["Deliveries"] == [1.0] or documents[-1]["Deliveries"] == 1.0


def test_gz_key_is_one_gzip_member_of_header_and_rows(deliver, s3, bucket, staging):
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER), s3_filename="out/a.csv.gz")
    status, body = deliver(request)
    assert status == 200, body
    assert gzip.decompress(object_bytes(s3, bucket, "out/a.csv.gz")) == HEADER + DATA
    assert no_open_uploads(s3, bucket)


def test_overwrite_false_second_occurrence_is_409_and_keeps_the_first(deliver, s3, bucket, staging):
    urls = staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER)
    assert deliver(bulk_request(*urls, occurrenceId="first"), overwrite="false")[0] == 200
    staging.files["/d.csv"].content = b"other,rows\n"
    status, body = deliver(bulk_request(*urls, occurrenceId="second"), overwrite="false")
    assert (status, body["status"]) == (409, "Conflict"), body
    assert object_bytes(s3, bucket, "exports/churn.csv") == HEADER + DATA
    assert no_open_uploads(s3, bucket)


def test_redelivery_is_recognised_under_a_prefix_scoped_role(
    deliver, s3, bucket, staging, head_of_missing_key_is_forbidden
):
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER), occurrenceId=str(uuid.uuid4()))
    assert deliver(request)[0] == 200
    staging.requests.clear()
    status, body = deliver(request)
    assert (status, body["duplicate"]) == (200, True), body
    assert staging.requests == []  # nothing transferred
    assert [status for _, status in head_of_missing_key_is_forbidden] == [200]  # HEAD only of the existing key


def test_expired_url_is_502_and_writes_nothing(deliver, s3, bucket, staging):
    request = bulk_request(staging.put("/d.csv", DATA, Behaviour(status=403)), staging.put("/m.csv", HEADER))
    status, body = deliver(request)
    assert (status, body["status"]) == (502, "UpstreamError"), body
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert no_open_uploads(s3, bucket)


def test_an_invalid_body_is_400(deliver, staging):
    status, body = deliver({"presignedUrls": {"dataFile": "https://evil.example\\.amazonaws.com/x"}})
    assert (status, body["status"]) == (400, "BadRequest"), body


def test_a_slow_source_is_answered_before_the_function_timeout(runtime, task, bucket, moto_endpoint, staging, s3):
    """Lambda (here: the emulator) stops a function at its timeout; the function answers first."""
    timeout = 10
    big = b"0123456789,abcdefghij\n" * 200_000  # ~4.2 MiB, then a byte every 2 s
    url = staging.put("/d.csv", big, Behaviour(drip_after=3 * 1024 * 1024, drip_seconds=2))
    env = settings(bucket, moto_endpoint, staging, delivery_mode="sync", include_header="false")
    started = time.monotonic()
    result = run(runtime, [task, artifact.runtime_sdk(PINNED_SDK, runtime)], [bulk_request(url, None)], env, timeout)
    seconds = time.monotonic() - started
    (answer,) = result.answers
    assert "statusCode" in answer, answer  # the function's own answer, not the emulator's timeout error
    assert answer["statusCode"] == 500 and "before the Lambda timeout" in json.loads(answer["body"])["message"]
    assert seconds < timeout + 3  # the emulator's start and INIT included
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert no_open_uploads(s3, bucket)


def test_without_the_bundled_sdk_an_old_runtime_fails_every_delivery(
    runtime, task, bucket, moto_endpoint, staging, tmp_path
):
    """The bug the bundling fixes: the same function on the old runtime SDK answers 500."""
    unbundled = tmp_path / "task"
    shutil.copytree(task, unbundled, ignore=lambda folder, names: [n for n in names if n in SDK_PACKAGES])
    assert not (unbundled / "botocore").exists()
    old_sdk = artifact.runtime_sdk(artifact.OLD_RUNTIME_SDK, runtime)
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))
    (answer,) = run(runtime, [unbundled, old_sdk], [request], settings(bucket, moto_endpoint, staging)).answers
    body = json.loads(answer["body"])
    assert (answer["statusCode"], body["status"]) == (500, "Error"), body
