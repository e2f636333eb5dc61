"""The built zip, not the source tree: unpacked, on the Lambda runtime's Python, with a runtime SDK behind it.

Each delivery runs in a fresh interpreter whose import path is only the unpacked zip followed by
a folder holding a runtime SDK (the old one a python3.13 runtime carried in late 2024, and the
current pinned one), against the moto server and the failing staging server.
"""

from __future__ import annotations

import gzip
import json
import shutil
import uuid

import pytest

from devkit import artifact
from devkit.events import bulk_request, proxy_event, sample_bytes
from devkit.staging import SIGNATURE_QUERY, Behaviour

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")
PINNED_SDK = artifact.pinned_sdk_version()
# What the zip bundles that a runtime also provides: leave it out to see what the runtime's SDK does.
SDK_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py")


@pytest.fixture(scope="module")
def runtime():
    runtime = artifact.lambda_runtime()
    print(f"\nartifact tests run on {runtime.describe()}")
    return runtime


@pytest.fixture(scope="module")
def task(tmp_path_factory, runtime):
    return artifact.build_and_unpack(tmp_path_factory.mktemp("artifact"), runtime)


@pytest.fixture(scope="module", params=[artifact.OLD_RUNTIME_SDK, PINNED_SDK], ids=["old-runtime-sdk", "pinned-sdk"])
def sdk(request, runtime):
    return artifact.runtime_sdk(request.param, runtime)


def invoke(runtime, path, document, bucket, moto_endpoint, allowlist, **env):
    settings = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "s3_bucket_name": bucket,
        "source_host_allowlist": allowlist,
        "source_backoff_seconds": "0",
        "source_max_retries": "1",
        **env,
    }
    invocation = artifact.invoke(runtime, path, proxy_event(document), settings)
    assert SIGNATURE_QUERY.split("X-Amz-Signature=")[1] not in invocation.logs
    return invocation.answer["statusCode"], json.loads(invocation.answer["body"])


@pytest.fixture
def deliver(runtime, task, sdk, bucket, moto_endpoint, staging):
    """Deliver through the unpacked zip with the runtime SDK behind it: (status code, answer body)."""
    allowlist = f"127.0.0.1:{staging.port}"
    return lambda document, **env: invoke(runtime, [task, sdk], document, bucket, moto_endpoint, allowlist, **env)


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


def test_without_the_bundled_sdk_an_old_runtime_fails_every_delivery(
    runtime, task, bucket, moto_endpoint, staging, tmp_path
):
    """The bug the bundling fixes: the same function on the old runtime SDK answers 500."""
    unbundled = tmp_path / "task"
    shutil.copytree(task, unbundled, ignore=lambda folder, names: [n for n in names if n in SDK_PACKAGES])
    assert not (unbundled / "botocore").exists()
    old_sdk = artifact.runtime_sdk(artifact.OLD_RUNTIME_SDK, runtime)
    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER))
    status, body = invoke(runtime, [unbundled, old_sdk], request, bucket, moto_endpoint, f"127.0.0.1:{staging.port}")
    assert (status, body["status"]) == (500, "Error"), body
