from __future__ import annotations

import base64
import json

import pytest

from devkit.events import proxy_event, sample_bytes
from s3_bulk_upload.errors import BadRequest
from s3_bulk_upload.request import parse_bulk_request, parse_proxy_event

FIXTURE = json.loads(sample_bytes("ci360_bulk_request.json"))


def test_fixture_request_parses_and_unknown_fields_are_ignored():
    document = {**FIXTURE, "somethingNew": {"nested": [1, 2]}}
    req = parse_bulk_request(document)
    assert req.s3_filename == "exports/churn_{date}.csv"
    assert req.task.task_id == FIXTURE["taskId"]
    assert req.metadata_url == FIXTURE["presignedUrls"]["metadataFile"]
    assert req.include_header is None


def test_fixture_proxy_event_parses():
    event = json.loads(sample_bytes("apigw_proxy_event.json"))
    assert parse_proxy_event(event).task.task_name == "Weekly churn audience (EMEA)"


def test_base64_body_is_decoded():
    event = proxy_event(base64.b64encode(json.dumps(FIXTURE).encode()).decode(), raw=True)
    event["isBase64Encoded"] = True
    assert parse_proxy_event(event).task.occurrence_id == FIXTURE["occurrenceId"]


@pytest.mark.parametrize(
    ("body", "base64_flag", "message"),
    [
        (None, False, "empty"),
        ("", False, "empty"),
        ("not json", False, "not valid JSON"),
        ("[1,2]", False, "JSON object"),
        ("%%%", True, "base64"),
        ("{}", False, "presignedUrls is required"),
        ('{"presignedUrls": {}, "sendParameters": {"s3_filename": "a"}}', False, "dataFile is required"),
        ('{"presignedUrls": {"dataFile": "u"}}', False, "sendParameters is required"),
        ('{"presignedUrls": {"dataFile": "u"}, "sendParameters": {}}', False, "s3_filename is required"),
        ('{"presignedUrls": {"dataFile": 5}, "sendParameters": {"s3_filename": "a"}}', False, "dataFile"),
        (
            '{"presignedUrls": {"dataFile": "u"}, "sendParameters": {"s3_filename": "a", "include_header": "maybe"}}',
            False,
            "include_header",
        ),
        ('{"presignedUrls": {"dataFile": "u"}, "sendParameters": {"s3_filename": "a"}, "taskId": 7}', False, "taskId"),
        (
            '{"presignedUrls": {"dataFile": "u"}, "sendParameters": {"s3_filename": "a"}, "occurrenceId": "\\u00e9"}',
            False,
            "occurrenceId",
        ),
    ],
)
def test_malformed_requests_are_400_with_a_message(body, base64_flag, message):
    event = proxy_event(body, raw=True)
    event["isBase64Encoded"] = base64_flag
    with pytest.raises(BadRequest, match=message):
        parse_proxy_event(event)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("FALSE", False), ("", None)])
def test_include_header_send_parameter(raw, expected):
    document = {**FIXTURE, "sendParameters": {"s3_filename": "a.csv", "include_header": raw}}
    assert parse_bulk_request(document).include_header is expected
