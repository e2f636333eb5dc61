"""JSON log lines: one object per line, the request id on each, query strings scrubbed last."""

from __future__ import annotations

import json
import logging

from s3_bulk_upload.logs import JsonFormatter, request_context, scrub, setup_logging


def record(message, **extra):
    entry = logging.LogRecord("s3_bulk_upload.test", logging.INFO, __file__, 1, message, None, None)
    entry.__dict__.update(extra)
    return entry


def test_scrub_removes_queries_from_urls_and_request_lines():
    assert scrub("GET https://h.s3.amazonaws.com/a/b.csv?X-Amz-Signature=abc done") == (
        "GET https://h.s3.amazonaws.com/a/b.csv?<redacted> done"
    )
    assert scrub('"GET /a/b.csv?X-Amz-Signature=abc HTTP/1.1"') == '"GET /a/b.csv?<redacted> HTTP/1.1"'
    assert scrub("is it done? yes") == "is it done? yes"


def test_a_line_is_one_json_object_with_the_request_id_and_extras_scrubbed():
    with request_context("req-42"):
        line = JsonFormatter().format(
            record("fetching https://h/x?X-Amz-Signature=s", key="a.csv", url="https://h/y?s=1")
        )
    document = json.loads(line)
    assert "\n" not in line
    assert document["request_id"] == "req-42" and document["level"] == "INFO"
    assert document["message"] == "fetching https://h/x?<redacted>"
    assert document["key"] == "a.csv" and document["url"] == "https://h/y?<redacted>"


def test_the_request_id_is_restored_after_the_request():
    with request_context("outer"):
        with request_context("inner"):
            assert json.loads(JsonFormatter().format(record("x")))["request_id"] == "inner"
        assert json.loads(JsonFormatter().format(record("x")))["request_id"] == "outer"


def test_setup_formats_existing_handlers_and_quiets_chatty_libraries():
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        setup_logging("DEBUG")
        assert isinstance(handler.formatter, JsonFormatter)
        assert logging.getLogger("botocore").level == logging.WARNING
        assert logging.getLogger("urllib3").level == logging.WARNING
    finally:
        root.removeHandler(handler)
