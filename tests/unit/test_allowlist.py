"""Allow-listing of staging URLs: only https on listed hosts; refusals never echo the query."""

from __future__ import annotations

import pytest

from s3_bulk_upload.allowlist import check_source_url, redact_url
from s3_bulk_upload.errors import BadRequest

ALLOW = ("amazonaws.com", "127.0.0.1")


@pytest.mark.parametrize(
    "url",
    [
        "https://ci360-staging.s3.amazonaws.com/a.csv?X-Amz-Signature=1",
        "https://s3.eu-west-1.amazonaws.com/b/a.csv",
        "https://AMAZONAWS.COM./x",
        "http://127.0.0.1:8080/x",
    ],
)
def test_allowed_urls(url):
    assert check_source_url(url, ALLOW, "f") == url


@pytest.mark.parametrize(
    "url",
    [
        "https://evilamazonaws.com/x",
        "https://amazonaws.com.evil.net/x",
        "http://ci360-staging.s3.amazonaws.com/x",
        "http://127.0.0.2/x",
        "http://localhost/x",
        "https://user:pw@s3.amazonaws.com/x",
        "file:///etc/passwd",
        "https:///nohost",
        "https://s3.amazonaws.com:99999/x",
        "not a url",
    ],
)
def test_refused_urls_are_400_without_echoing_the_query(url):
    with pytest.raises(BadRequest) as raised:
        check_source_url(url + "?X-Amz-Signature=secret", ALLOW, "presignedUrls.dataFile")
    assert "secret" not in raised.value.message
    assert "presignedUrls.dataFile" in raised.value.message


def test_ipv6_loopback_needs_listing():
    assert check_source_url("http://[::1]:9000/x", ("::1",), "f")
    with pytest.raises(BadRequest):
        check_source_url("http://[::1]:9000/x", ALLOW, "f")


def test_redact_url_drops_query_and_credentials():
    assert (
        redact_url("https://u:p@h.s3.amazonaws.com/a/b.csv?X-Amz-Signature=s#f") == "https://h.s3.amazonaws.com/a/b.csv"
    )
