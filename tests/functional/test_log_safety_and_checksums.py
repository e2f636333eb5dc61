"""What must never reach the logs, what must, and the per-part checksums the SDK sends."""

from __future__ import annotations

import json
import os
import sys

import pytest

from devkit.events import API_KEY, bulk_request, proxy_event, sample_bytes
from devkit.local.context import LocalContext
from devkit.local.staging import SIGNATURE_QUERY, Behaviour
from s3_bulk_upload.handler import Handler, lambda_handler

DATA = sample_bytes("data.csv")
HEADER = sample_bytes("metadata_header.csv")
SECRETS_IN_FILES = ["ana.silva@example.com", "Wei, Li", "segment, region", "churn_score", "identity_id"]


def assert_clean(text: str) -> None:
    assert "X-Amz-Signature" not in text
    assert SIGNATURE_QUERY.split("&")[-1] not in text
    assert API_KEY not in text
    for secret in SECRETS_IN_FILES:
        assert secret not in text


@pytest.mark.parametrize("log_level", ["INFO", "DEBUG"])
def test_logs_hold_no_signature_no_api_key_no_file_content(
    s3, bucket, staging, json_logs, capsys, monkeypatch, log_level
):
    monkeypatch.setenv("log_level", log_level)
    monkeypatch.setenv("delivery_mode", "sync")
    # A success with a resume, an expired URL, and a metadata file that is not valid.
    data_url = staging.put("/d.csv", DATA * 20_000, Behaviour(drop_after=300_000, drop_times=1))
    ok = lambda_handler(
        proxy_event(bulk_request(data_url, staging.put("/m.json", sample_bytes("metadata_columns.json")))),
        LocalContext(),
    )
    assert ok["statusCode"] == 200
    expired = staging.put("/e.csv", DATA, Behaviour(status=403))
    expired_request = bulk_request(expired, staging.put("/m.csv", HEADER), s3_filename="e.csv")
    assert lambda_handler(proxy_event(expired_request), LocalContext())["statusCode"] == 502
    bad_meta = staging.put("/bad.json", b'[{"columnName": 7, "email": "ana.silva@example.com"}]')
    bad_request = bulk_request(staging.put("/d2.csv", DATA), bad_meta, s3_filename="b.csv")
    assert lambda_handler(proxy_event(bad_request), LocalContext())["statusCode"] == 502

    text = json_logs.text + capsys.readouterr().out
    assert_clean(text)
    events = [json.loads(line) for line in json_logs.text.splitlines() if line.startswith("{")]
    ours = [e for e in events if e["name"].startswith("s3_bulk_upload")]
    assert all(e["function_request_id"] for e in ours)
    finished = [e for e in ours if e["message"] == "transfer finished"]
    assert finished and finished[0]["data_bytes"] == len(DATA) * 20_000 and finished[0]["resumes"] == 1
    assert "seconds" in finished[0] and "object_bytes" in finished[0]


@pytest.mark.parametrize(
    "path", ["/it's.csv", "/my file.csv", "/naïve/ünïcode €.csv", "/a%2Fb%27c.csv", "/'quoted' \"x\".csv"]
)
def test_a_retried_url_leaves_no_signature_whatever_its_path_holds(
    s3, bucket, staging, json_logs, capsys, caplog, monkeypatch, path
):
    """urllib3 names the URL it retries in its warning: its logger is silenced, and the scrubber does not
    depend on what the path holds."""
    monkeypatch.setenv("delivery_mode", "sync")
    url = staging.put(path, DATA, Behaviour(status=503, status_times=1))
    response = lambda_handler(proxy_event(bulk_request(url, staging.put("/m.csv", HEADER))), LocalContext())
    assert response["statusCode"] == 200, response["body"]
    assert len(staging.gets(path)) >= 2  # it was retried
    text = json_logs.text + capsys.readouterr().out + caplog.text
    assert_clean(text)
    assert "urllib3" not in text


def test_unexpected_exception_text_is_scrubbed(s3, bucket, staging, json_logs):
    url = staging.put("/d.csv", DATA)

    def broken_s3_client(pool):
        raise ValueError(f"failed for {url}")

    response = Handler(s3_client=broken_s3_client)(proxy_event(bulk_request(url, None)), LocalContext())
    assert response["statusCode"] == 500
    assert "X-Amz-Signature" not in response["body"]
    assert "unexpected failure" in json_logs.text
    assert_clean(json_logs.text)


def test_every_uploaded_part_carries_a_crc32_checksum(s3, bucket, staging, monkeypatch, sent_to_s3):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("include_header", "false")
    data = b"z" * (11 * 1024 * 1024)
    response = Handler(s3_client=sent_to_s3.client)(
        proxy_event(bulk_request(staging.put("/d.csv", data), None)), LocalContext()
    )
    assert response["statusCode"] == 200
    seen = [
        (op, request.headers.get("x-amz-checksum-crc32"))
        for op, request, _ in sent_to_s3.sent
        if op in ("UploadPart", "PutObject")
    ]
    assert [op for op, _ in seen] == ["UploadPart"] * 3
    assert all(checksum for _, checksum in seen)


@pytest.mark.parametrize("setting", ["true", "1"])
def test_powertools_event_logging_set_by_an_operator_logs_no_key_and_no_query(moto_endpoint, bucket, staging, setting):
    """POWERTOOLS_LOGGER_LOG_EVENT=true (set in the console while debugging) would log the whole proxy
    event: the x-api-key header, requestContext.identity.apiKey and the body's pre-signed URLs. Run
    as Lambda runs it (a fresh interpreter, the environment read at import), the log has none of them."""
    from devkit.local.loopback import LOOPBACK
    from devkit.local.moto_server import aws_environment
    from devkit.packaging.artifact import BOOTSTRAP, invoke_together

    request = bulk_request(staging.put("/d.csv", DATA), staging.put("/m.csv", HEADER), s3_filename="logged.csv")
    env = {
        "PATH": os.environ["PATH"],
        **{k: v for k, v in os.environ.items() if k.startswith("POWERTOOLS_")},
        **aws_environment(moto_endpoint),
        "POWERTOOLS_LOGGER_LOG_EVENT": setting,
        "s3_bucket_name": bucket,
        "source_host_allowlist": f"{LOOPBACK}:{staging.port}",
        "delivery_mode": "sync",
    }
    (invocation,) = invoke_together([sys.executable, str(BOOTSTRAP)], [proxy_event(request)], env)
    assert invocation.answer["statusCode"] == 200, invocation.answer
    assert_clean(invocation.logs)
    assert "log_event_ignored" in invocation.logs  # the operator learns why no event line appears
