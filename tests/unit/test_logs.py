"""JSON log lines (Powertools): one object per line with the request id and the Lambda context keys;
query strings scrubbed from every value as the last step."""

from __future__ import annotations

import json
import logging
import os
import sys

from devkit import LOCAL_POWERTOOLS_ENVIRONMENT
from devkit.local.context import LocalContext
from s3_bulk_upload.logs import PACKAGE, formatter, logger, scrub, setup_logging


def record(message, exc_info=None, **extra):
    entry = logging.LogRecord("s3_bulk_upload.test", logging.INFO, __file__, 1, message, None, exc_info)
    entry.__dict__.update(extra)
    return entry


def line(entry):
    return json.loads(formatter.format(entry))


def test_scrub_removes_queries_from_urls_and_request_lines():
    assert scrub("GET https://h.s3.amazonaws.com/a/b.csv?X-Amz-Signature=abc done") == (
        "GET https://h.s3.amazonaws.com/a/b.csv?<redacted> done"
    )
    assert scrub('"GET /a/b.csv?X-Amz-Signature=abc HTTP/1.1"') == '"GET /a/b.csv?<redacted> HTTP/1.1"'
    assert scrub("is it done? yes") == "is it done? yes"


def test_scrub_whatever_the_path_holds():
    # urllib3's retry warning, for a key with an apostrophe (the scrubber once stopped at it).
    warning = (
        "Retrying (Retry(total=4)) after connection broken by 'ProtocolError('Connection aborted.')': "
        "/it's.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=5ec7e7"
    )
    for text in (
        warning,
        "GET https://b.s3.amazonaws.com/my file.csv?X-Amz-Signature=5ec7e7",
        "GET https://b.s3.amazonaws.com/na%C3%AFve/€ ü.csv?X-Amz-Signature=5ec7e7 next",
        "GET /a%2Fb%27c.csv?AWSAccessKeyId=AKIA&Signature=5ec7e7&Expires=1",
        "split &X-Amz-Signature=5ec7e7&X-Amz-Credential=AKIA/x",
    ):
        assert "5ec7e7" not in scrub(text) and "AKIA" not in scrub(text), text


def test_a_line_is_one_json_object_with_the_service_from_the_environment_and_every_value_scrubbed():
    text = formatter.format(
        record("fetching https://h/x?X-Amz-Signature=s", key="a.csv", nested={"u": ["https://h/y?s=1"]})
    )
    document = json.loads(text)
    assert "\n" not in text
    assert document["level"] == "INFO" and "request_id" not in document  # Powertools' function_request_id only
    assert document["name"] == "s3_bulk_upload.test"
    assert (
        document["service"]
        == os.environ["POWERTOOLS_SERVICE_NAME"]
        == LOCAL_POWERTOOLS_ENVIRONMENT["POWERTOOLS_SERVICE_NAME"]
    )
    assert document["message"] == "fetching https://h/x?<redacted>"
    assert document["key"] == "a.csv" and document["nested"] == {"u": ["https://h/y?<redacted>"]}


def test_a_traceback_is_scrubbed_too():
    try:
        raise ValueError("https://h/x?X-Amz-Signature=secret")
    except ValueError:
        document = line(record("failed", exc_info=sys.exc_info()))
    assert "secret" not in json.dumps(document)
    assert document["exception_name"] == "ValueError"


def test_lambda_context_keys_and_the_trace_id(monkeypatch):
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
    context = LocalContext()
    logger.inject_lambda_context(lambda event, ctx: None)({}, context)
    document = line(record("x"))
    assert document["function_name"] == context.function_name
    assert document["function_request_id"] == context.aws_request_id
    assert isinstance(document["cold_start"], bool)
    assert document["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"


def test_setup_routes_the_package_and_quiets_chatty_libraries():
    setup_logging("DEBUG")
    package = logging.getLogger(PACKAGE)
    assert package.handlers and all(h.formatter is formatter for h in package.handlers if h in logger.handlers)
    assert package.propagate is False  # written once, by Powertools' handler
    assert logging.getLogger("botocore").level == logging.WARNING
    assert logging.getLogger("urllib3").level == logging.CRITICAL  # its retry warnings print the URL


def test_the_api_key_is_redacted_wherever_it_is_named_in_a_document_or_its_text():
    """The last line of defence behind the handler's refusal of POWERTOOLS_LOGGER_LOG_EVENT: a proxy
    event logged as a document, or as its text, keeps no API key."""
    key = "EXAMPLEKEYEXAMPLEKEY0123456789"
    event = {
        "headers": {"X-Api-Key": key},
        "multiValueHeaders": {"x-api-key": [key]},
        "requestContext": {"identity": {"apiKey": key, "apiKeyId": "k1l2m3"}},
    }
    document = line(record(event))
    assert key not in json.dumps(document)
    assert document["message"]["requestContext"]["identity"]["apiKeyId"] == "k1l2m3"
    for text in (str(event), json.dumps(event), f"x-api-key: {key}"):
        assert key not in scrub(text), text
    assert scrub("the apiKeyId k1l2m3") == "the apiKeyId k1l2m3"
