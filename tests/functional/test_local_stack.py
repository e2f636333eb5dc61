"""The newcomer path: the local API Gateway stand-in, make demo, and the smoke test's logic."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from devkit.deployment.smoke import EXPECTED, run_smoke
from devkit.events import bulk_request, sample_bytes
from devkit.local import rie
from devkit.local.api import EmulatedRunner, LocalApi, gateway_templates, request_schema
from devkit.local.loopback import free_port
from devkit.packaging import artifact


@pytest.fixture
def api(bucket):
    local = LocalApi().start()
    yield local
    local.lambda_client.wait()
    local.stop()


def post(api, body, key):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-Api-Key"] = key
    return requests.post(api.url, data=json.dumps(body), headers=headers, timeout=30)


def deployed_gateway_body(response_type, request_id, error=""):
    """The api module's gateway-response template for ``response_type``, rendered (Terraform's text)."""
    template = gateway_templates()[response_type][1]
    return json.loads(
        template.replace("$context.requestId", request_id).replace("$context.error.validationErrorString", error)
    )


@pytest.mark.parametrize("key", [None, "", "wrong-key"])
def test_local_api_refuses_missing_or_wrong_key_before_the_function(api, staging, key):
    body = bulk_request(staging.put("/d.csv", b"a\n"), staging.put("/m.csv", b"x"))
    response = post(api, body, key)
    answer = response.json()
    assert response.status_code == 403
    assert answer == deployed_gateway_body("INVALID_API_KEY", answer["request_id"])
    assert staging.requests == []


def test_local_api_validates_the_body_with_the_api_modules_schema(api, staging):
    response = post(api, {"sendParameters": {"s3_filename": "a.csv"}}, api.api_key)
    answer = response.json()
    assert response.status_code == 400
    assert answer == deployed_gateway_body("BAD_REQUEST_BODY", answer["request_id"], answer["message"])
    assert "presignedUrls" in answer["message"]


def test_the_api_model_refuses_a_glue_table_that_is_not_a_string(api, staging):
    body = bulk_request(staging.put("/d.csv", b"a\n"), None, send_parameters={"glue_table": 7})
    response = post(api, body, api.api_key)
    answer = response.json()
    assert response.status_code == 400
    # API Gateway's own answer (the model), not the function's "sendParameters.glue_table must be a string".
    assert answer == deployed_gateway_body("BAD_REQUEST_BODY", answer["request_id"], answer["message"])
    assert "sendParameters.glue_table must be" not in answer["message"]


@pytest.mark.parametrize(("method", "path"), [("GET", "/upload"), ("POST", "/other"), ("PUT", "/upload")])
def test_an_unknown_path_or_method_is_api_gateways_missing_authentication_token(api, method, path):
    response = requests.request(method, api.base_url + path, headers={"x-api-key": api.api_key}, timeout=10)
    assert (response.status_code, response.json()) == (403, {"message": "Missing Authentication Token"})


def test_the_schema_terraform_loads_is_the_one_the_stand_in_validates_with():
    from devkit.terraform.config import resource

    model = resource("modules/api", "aws_api_gateway_model", "bulk_request")
    assert model["schema"] == '${file("${path.module}/bulk_request.schema.json")}'
    assert request_schema()["required"] == ["presignedUrls", "sendParameters"]


@pytest.mark.skipif(rie.available() is not None, reason="the emulator is built by `make tools` (needs Go)")
def test_the_stand_in_runs_the_built_zip_and_its_hand_off_under_the_emulator(s3, bucket, staging, tmp_path):
    runtime = artifact.lambda_runtime()
    if not runtime.is_lambda_version:
        pytest.skip("no Python 3.13")
    task = artifact.build_and_unpack(tmp_path, runtime)
    invoke_port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "POWERTOOLS_"))},
        "AWS_ENDPOINT_URL_LAMBDA": f"http://127.0.0.1:{invoke_port}",
        "s3_bucket_name": bucket,
        "source_host_allowlist": f"127.0.0.1:{staging.port}",
        "delivery_mode": "async",
    }
    sdk = artifact.runtime_sdk(artifact.OLD_RUNTIME_SDK, runtime)
    handler = artifact.deployed_function().handler
    with rie.emulated(runtime.python, [task, sdk], handler, environment) as function:
        runner = EmulatedRunner(function)
        api = LocalApi(runner, invoke_port=invoke_port).start()
        try:
            data = sample_bytes("data.csv")
            request = bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", b"a,b"))
            response = post(api, request, api.api_key)
            assert response.status_code == 202, response.text
            runner.wait()
        finally:
            api.stop()
        assert runner.failures == []
        assert "asynchronous run started" in function.logs()
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"a,b\n" + data


class RecordedHandOffs:
    """A runner that takes the function's hand-offs (as the emulated one does) and keeps them."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []

    def __call__(self, event):
        raise AssertionError("only hand-offs are sent in this test")

    def handoff(self, payload):
        self.payloads.append(payload)

    def close(self):
        pass


def test_the_webhook_port_serves_only_api_gateways_paths_and_the_invoke_endpoint_is_elsewhere_on_loopback():
    """A hand-off event POSTed to Lambda's Invoke path on the webhook's port, without a key, is API
    Gateway's Missing Authentication Token and runs nothing; the function's hand-off goes to an
    Invoke endpoint of its own, on 127.0.0.1 and another port."""
    runner = RecordedHandOffs()
    api = LocalApi(runner).start()
    try:
        handoff = {"ci360S3BulkUploadHandoff": {"plan": "a transfer"}}
        invoke_path = "/2015-03-31/functions/function/invocations"
        headers = {"X-Amz-Invocation-Type": "Event", "Content-Type": "application/json"}
        refused = requests.post(api.base_url + invoke_path, json=handoff, headers=headers, timeout=10)
        assert refused.status_code == 403, (refused.status_code, refused.text)
        assert refused.json() == {"message": "Missing Authentication Token"}
        assert runner.payloads == []

        endpoint = urlsplit(api.lambda_endpoint)
        assert endpoint.hostname == "127.0.0.1" and endpoint.port != api.port
        assert api.invoke_endpoint is not None
        assert api.invoke_endpoint._httpd.server_address[0] == "127.0.0.1"  # bound to loopback only
        accepted = requests.post(api.lambda_endpoint + invoke_path, json=handoff, headers=headers, timeout=10)
        assert accepted.status_code == 202
        assert runner.payloads == [handoff]
        webhook_on_invoke_port = requests.post(api.lambda_endpoint + "/upload", json={}, timeout=10)
        assert webhook_on_invoke_port.status_code == 404
    finally:
        api.stop()


def test_local_api_delivers_with_the_key_in_any_header_case(api, staging, s3, bucket):
    data = sample_bytes("data.csv")
    response = post(api, bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", b"a,b")), api.api_key)
    assert response.status_code == 200, response.text
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"a,b\n" + data


def test_local_api_runs_the_asynchronous_hand_off(api, staging, s3, bucket, monkeypatch):
    monkeypatch.setenv("delivery_mode", "async")
    data = sample_bytes("data.csv")
    response = post(api, bulk_request(staging.put("/d.csv", data), staging.put("/m.csv", b"a")), api.api_key)
    assert response.status_code == 202
    api.lambda_client.wait()
    assert api.lambda_client.failures == []
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"a\n" + data


def all_versions(s3, bucket):
    listing = s3.list_object_versions(Bucket=bucket)
    return listing.get("Versions", []) + listing.get("DeleteMarkers", [])


def test_smoke_passes_against_the_local_stack_and_leaves_nothing(api, s3, bucket, monkeypatch, moto_endpoint):
    monkeypatch.setenv("s3_key_prefix", "ci360/")
    monkeypatch.setenv("source_host_allowlist", moto_endpoint.removeprefix("http://"))  # the sample is staged in S3
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    report = run_smoke(s3, bucket, "ci360/", api.url, api.api_key)
    assert report.ok, report.steps
    assert report.delivered_key.startswith("ci360/_smoke/")
    assert any(step.startswith("verified") for step in report.steps)
    assert all_versions(s3, bucket) == []
    assert EXPECTED.startswith(b"identity_id,email,name,score\n")


def test_smoke_with_a_catalog_drops_the_table_its_delivery_registered(
    api, s3, bucket, glue_database, monkeypatch, moto_endpoint
):
    monkeypatch.setenv("source_host_allowlist", moto_endpoint.removeprefix("http://"))
    glue = boto3.client("glue")
    report = run_smoke(s3, bucket, "", api.url, api.api_key, glue=glue, glue_database=glue_database)
    assert report.ok, report.steps
    assert any(step.startswith(f"dropped the catalog table {glue_database}.ci360_smoke_") for step in report.steps)
    assert glue.get_tables(DatabaseName=glue_database)["TableList"] == []
    assert all_versions(s3, bucket) == []


def test_smoke_reports_a_refused_key_and_still_cleans_up(api, s3, bucket):
    report = run_smoke(s3, bucket, "", api.url, "not-the-key")
    assert not report.ok
    assert "webhook answered 403" in " ".join(report.steps)
    assert all_versions(s3, bucket) == []


@pytest.mark.slow
def test_make_demo_shows_the_delivered_object_and_a_refused_request():
    result = subprocess.run(
        [sys.executable, "-m", "devkit.local.demo", "demo", "--rows", "300"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Delivered: s3://ci360-demo-exports/ci360/exports/churn/" in result.stdout
    assert "identity_id,email,first_name" in result.stdout
    # The table it registered: database, name, location and columns with their types.
    assert "Catalog table: ci360_demo.churn" in result.stdout
    assert "Location: s3://ci360-demo-exports/ci360/exports/churn/" in result.stdout
    assert re.search(r"churn_score +double", result.stdout) and re.search(r"segment_region +string", result.stdout)
    assert "→ 403" in result.stdout
    assert "X-Amz-Signature" not in result.stdout + result.stderr
    if artifact.emulator_missing(artifact.lambda_runtime()) is None:
        assert "Runtime Interface Emulator" in result.stdout  # the built zip, as Lambda runs it


@pytest.mark.slow
def test_make_serve_distributed_delivers_through_the_state_machine(tmp_path):
    """``make serve DISTRIBUTED=1``: the request it prints, POSTed, is answered 202 and the deployed
    state machine (moto's interpreter, each step the same function) delivers the export."""
    import gzip

    port = free_port()
    command = [sys.executable, "-m", "devkit.local.demo", "serve", "--distributed", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        printed = []
        for line in server.stdout:
            printed.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(printed)
        assert "delivery_mode=distributed" in text, text
        endpoint, key, request_file = (
            found.group(1) if (found := re.search(pattern, text)) else pytest.fail(f"{pattern} not printed")
            for pattern in (r"Embedded S3: (\S+)", r"x-api-key: ([^']+)'", r"--data @(\S+)")
        )
        body = Path(request_file).read_bytes()
        response = requests.post(f"http://127.0.0.1:{port}/upload", data=body, headers={"x-api-key": key}, timeout=120)
        assert response.status_code == 202, response.text
        answer = response.json()
        where: dict[str, Any] = {"endpoint_url": endpoint, "region_name": "eu-west-1"}
        where.update(aws_access_key_id="demo", aws_secret_access_key="demo")
        sfn: Any = boto3.client("stepfunctions", **where)
        s3: Any = boto3.client("s3", **where)
        (machine,) = sfn.list_state_machines()["stateMachines"]
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            (execution,) = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
            if execution["status"] != "RUNNING":
                break
            time.sleep(0.5)
        assert execution["status"] == "SUCCEEDED", sfn.describe_execution(executionArn=execution["executionArn"])
        delivered = s3.get_object(Bucket=answer["bucket_name"], Key=answer["upload_filename"])["Body"].read()
        data_url = json.loads(Path(request_file).read_text())["presignedUrls"]["dataFile"]
        data = requests.get(data_url, timeout=60).content
        assert gzip.decompress(delivered).split(b"\n", 1)[1] == data
    finally:
        server.terminate()
        server.wait(timeout=60)
