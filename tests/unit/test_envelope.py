"""The envelope around both paths: every failure becomes a safe answer (proxy) or a safe exception
(hand-off), and no input crashes the handler. Nothing here reaches a server: each case fails before."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from s3_bulk_upload.envelope import Handler, lambda_handler

URL = "https://ci360-staging.s3.amazonaws.com/d.csv?X-Amz-Signature=5ec7e75ec7e7"
HANDOFF = {
    "ci360S3BulkUploadHandoff": {"version": 1, "plan": {"key": "a.csv", "data_url": URL, "include_header": False}}
}


def broken_client(*_):
    raise ValueError(f"cannot reach {URL}")


@pytest.fixture(autouse=True)
def configured(monkeypatch):
    monkeypatch.setenv("s3_bucket_name", "exports")


def test_invalid_configuration_is_a_500_answer_naming_the_variable(monkeypatch):
    monkeypatch.setenv("overwrite", "perhaps")
    response = lambda_handler(proxy_event(bulk_request(URL, URL)), LocalContext())
    body = answer(response)
    assert (response["statusCode"], body["status"]) == (500, "Error")
    assert "overwrite" in body["message"]
    assert body["request_id"]


def test_invalid_configuration_fails_a_hand_off_with_a_safe_exception(monkeypatch):
    monkeypatch.setenv("gzip_level", "0")
    with pytest.raises(RuntimeError, match="gzip_level") as raised:
        lambda_handler(HANDOFF, LocalContext())
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_an_unexpected_error_answers_500_with_the_request_id_and_no_detail(caplog):
    context = LocalContext()
    response = Handler(s3_client=broken_client)(proxy_event(bulk_request(URL, URL)), context)
    body = answer(response)
    assert (response["statusCode"], body["status"]) == (500, "Error")
    assert context.aws_request_id in body["message"]
    assert "cannot reach" not in body["message"] and "Signature" not in response["body"]
    assert "unexpected failure" in caplog.text


def test_an_unexpected_error_in_a_hand_off_raises_without_its_cause():
    with pytest.raises(RuntimeError, match="unexpected failure") as raised:
        Handler(s3_client=broken_client)(HANDOFF, LocalContext())
    assert "Signature" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_rejected_request_is_logged_with_its_status_and_reason(caplog):
    caplog.set_level(logging.INFO)
    response = lambda_handler(proxy_event("not json", raw=True), LocalContext())
    assert response["statusCode"] == 400
    failed = [r for r in caplog.records if r.getMessage() == "request failed"]
    assert failed and failed[0].status_code == 400 and failed[0].status == "BadRequest"


def test_an_event_that_is_no_dictionary_is_a_400():
    assert lambda_handler(["not", "an", "event"], LocalContext())["statusCode"] == 400


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
shaped = st.fixed_dictionaries(
    {
        "presignedUrls": st.one_of(
            json_values, st.fixed_dictionaries({"dataFile": json_values, "metadataFile": json_values})
        ),
        "sendParameters": st.one_of(
            json_values,
            st.fixed_dictionaries(
                {"s3_filename": st.one_of(st.text(max_size=80), json_values), "include_header": json_values}
            ),
        ),
    },
    optional={"taskId": json_values, "occurrenceId": json_values, "taskName": json_values},
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.text(max_size=200), json_values.map(json.dumps), shaped.map(json.dumps)), b64=st.booleans())
def test_no_input_crashes_the_handler_and_every_rejection_is_a_400(monkeypatch, body, b64):
    monkeypatch.setenv("s3_bucket_name", "never-reached")
    monkeypatch.setenv("source_host_allowlist", "allowed.invalid")
    event = proxy_event(base64.b64encode(body.encode()).decode() if b64 else body, raw=True)
    event["isBase64Encoded"] = b64
    response = lambda_handler(event, LocalContext())
    assert response["statusCode"] == 400
    answer = json.loads(response["body"])
    assert answer["status"] == "BadRequest" and answer["message"]


any_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
proxy_fields = ("body", "isBase64Encoded", "headers", "multiValueHeaders", "requestContext", "httpMethod", "path")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    replaced=st.dictionaries(st.sampled_from(proxy_fields), st.one_of(json_values, any_text), max_size=4),
    filename=st.one_of(any_text, st.just("a\ud800.csv"), st.just("invoice\u202etxt.exe")),
    task_name=st.one_of(st.none(), any_text),
)
def test_any_proxy_event_is_answered_and_client_input_is_never_a_500(monkeypatch, replaced, filename, task_name):
    """Random types and strings in every field of the proxy event, surrogates and controls included."""
    monkeypatch.setenv("s3_bucket_name", "never-reached")
    monkeypatch.setenv("source_host_allowlist", "allowed.invalid")
    document = bulk_request(URL, URL, filename, taskName=task_name)
    event = {**proxy_event(document), **replaced}
    response = lambda_handler(event, LocalContext())
    assert response["statusCode"] == 400, response["body"]
    json.loads(response["body"])


def test_a_lone_surrogate_in_s3_filename_is_a_400():
    body = '{"presignedUrls": {"dataFile": "' + URL + '"}, "sendParameters": {"s3_filename": "a\\ud800.csv"}}'
    response = lambda_handler(proxy_event(body, raw=True), LocalContext())
    assert response["statusCode"] == 400
    assert "surrogate" in answer(response)["message"]
