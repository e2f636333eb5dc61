"""The source reader's own logic, with requests answered in memory (``responses``): backoff, the
size probe, and failure messages that name the host but never the URL's query."""

from __future__ import annotations

import pytest
import responses

from s3_bulk_upload.errors import UpstreamError
from s3_bulk_upload.source import SourceFile
from s3_bulk_upload.source_session import BACKOFF_MAX_SECONDS, RetryPolicy, make_session

URL = "https://ci360-staging.s3.amazonaws.com/exports/d.csv?X-Amz-Signature=5ec7e75ec7e7"


def reader(retries=0):
    policy = RetryPolicy(max_retries=retries, backoff_seconds=0)
    return SourceFile(make_session(policy), URL, "data file", policy, sleep=lambda _: None)


def test_backoff_doubles_and_is_capped():
    policy = RetryPolicy(backoff_seconds=1.0)
    assert [policy.backoff(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert policy.backoff(30) == BACKOFF_MAX_SECONDS


def test_the_session_ignores_proxies_and_netrc_from_the_environment():
    assert make_session(RetryPolicy()).trust_env is False


@responses.activate
def test_probe_size_reads_the_total_from_content_range():
    responses.get(URL, status=206, body=b"a", headers={"Content-Range": "bytes 0-0/12345"})
    assert reader().probe_size() == 12345
    assert responses.calls[0].request.headers["Range"] == "bytes=0-0"


@responses.activate
def test_probe_size_of_an_unknown_total_is_none():
    responses.get(URL, status=206, body=b"a", headers={"Content-Range": "bytes 0-0/*"})
    assert reader().probe_size() is None


@pytest.mark.parametrize(
    ("status", "fragment"),
    [
        (403, "403 Forbidden (the pre-signed URL has expired or is not valid)"),
        (404, "404 Not Found"),
        (412, "changed during the transfer"),
        (410, "answered HTTP 410"),
    ],
)
@responses.activate
def test_failure_messages_name_the_host_never_the_query(status, fragment):
    responses.get(URL, status=status)
    with pytest.raises(UpstreamError) as raised:
        reader().probe_size()
    assert fragment in raised.value.message
    assert "ci360-staging.s3.amazonaws.com" in raised.value.message
    assert "Signature" not in raised.value.message and "exports/d.csv" not in raised.value.message
