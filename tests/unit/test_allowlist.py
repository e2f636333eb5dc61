"""Allow-listing of staging URLs, judged by where the HTTP client would really connect.

The counterpart is requests + urllib3 themselves: ``HTTPAdapter.build_connection_pool_key_attributes``
on a prepared request is the scheme, host and port the connection pool opens a socket to.
"""

from __future__ import annotations

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from s3_bulk_upload.allowlist import Entry, check_source_url, parse_entry, redact_url
from s3_bulk_upload.errors import BadRequest

ALLOW = ("amazonaws.com", "127.0.0.1:8080", "s3.example.net:8443")


def connects_to(url: str) -> tuple[str, str, int]:
    """Where requests + urllib3 open the connection for ``url``: (scheme, host, port)."""
    prepared = requests.Request("GET", url).prepare()
    host_params, _ = HTTPAdapter().build_connection_pool_key_attributes(prepared, True)
    scheme = host_params["scheme"]
    port = host_params["port"] or {"https": 443, "http": 80}[scheme]
    return scheme, host_params["host"].strip("[]").rstrip(".").lower(), port


def on_allowlist(scheme: str, host: str, port: int, allowlist: tuple[str, ...]) -> bool:
    entries = [parse_entry(e) for e in allowlist]
    default = 443 if scheme == "https" else 80
    return any(e.admits(host, port, default) for e in entries)


@pytest.mark.parametrize(
    ("url", "fetched"),
    [
        ("https://ci360-staging.s3.amazonaws.com/a.csv?X-Amz-Signature=1", None),
        ("https://s3.eu-west-1.amazonaws.com/b/a.csv", None),
        ("https://s3.eu-west-1.amazonaws.com:443/b/a.csv", None),
        ("https://AMAZONAWS.COM./x", "https://amazonaws.com./x"),
        ("http://127.0.0.1:8080/x", None),
        ("https://s3.example.net:8443/x", None),
        ("https://b.s3.amazonaws.com/it's%20a file%E2%82%AC.csv?X-Amz-Signature=1", None),
    ],
)
def test_allowed_urls_are_fetched_as_the_client_reads_them(url, fetched):
    result = check_source_url(url.replace(" ", "%20"), ALLOW, "f")
    assert result == (fetched or url.replace(" ", "%20"))
    assert on_allowlist(*connects_to(result), ALLOW)


@pytest.mark.parametrize(
    "url",
    [
        "https://evilamazonaws.com/x",
        "https://amazonaws.com.evil.net/x",
        "http://ci360-staging.s3.amazonaws.com/x",
        "http://127.0.0.2:8080/x",
        "http://localhost:8080/x",
        "http://127.0.0.1/x",  # the entry names port 8080
        "https://s3.amazonaws.com:8443/x",  # not the default port, and the entry names none
        "https://s3.example.net/x",  # the entry names 8443
        "https://user:pw@s3.amazonaws.com/x",
        "https://a.amazonaws.com%2f@evil/x",
        "file:///etc/passwd",
        "https:///nohost",
        "https://s3.amazonaws.com:99999/x",
        "not a url",
        # The seam: urlsplit reads a host ending in .amazonaws.com, urllib3 connects to evil.example.
        "https://evil.example\\.amazonaws.com/x",
        "https://evil.example\\@b.amazonaws.com/x",
        "https://b.amazonaws.com\t.evil.example/x",
        "https://b\u3002amazonaws.com/x",
        "https://bü.amazonaws.com/x",
        "https://127.1/x",
        "https://0x7f.0.0.1/x",
        "https://[fe80::1%25eth0]/x",
        " https://b.amazonaws.com/x",
    ],
)
def test_refused_urls_are_400_without_echoing_the_query(url):
    with pytest.raises(BadRequest) as raised:
        check_source_url(url + "?X-Amz-Signature=secret", ALLOW, "presignedUrls.dataFile")
    assert "secret" not in raised.value.message
    assert "presignedUrls.dataFile" in raised.value.message


def test_the_backslash_url_is_refused_because_the_parsers_disagree():
    url = "https://evil.example\\.amazonaws.com/x"
    assert connects_to(url)[1] == "evil.example"  # where urllib3 would really go
    with pytest.raises(BadRequest, match="read differently"):
        check_source_url(url, ALLOW, "f")


def test_ipv6_loopback_needs_listing_with_its_port():
    assert check_source_url("http://[::1]:9000/x", ("[::1]:9000",), "f")
    for allowlist in (ALLOW, ("::1",), ("[::1]:9001",)):
        with pytest.raises(BadRequest):
            check_source_url("http://[::1]:9000/x", allowlist, "f")


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("amazonaws.com", Entry("amazonaws.com")),
        ("S3.Example.NET.:8443", Entry("s3.example.net", 8443)),
        ("127.0.0.1:9000", Entry("127.0.0.1", 9000)),
        ("::1", Entry("::1")),
        ("[::1]:9000", Entry("::1", 9000)),
    ],
)
def test_entries(text, entry):
    assert parse_entry(text) == entry


@pytest.mark.parametrize("text", ["https://amazonaws.com", "a b", "host:0", "host:65536", "bü.com", "", "a/b", "[x]"])
def test_bad_entries(text):
    with pytest.raises(ValueError):
        parse_entry(text)


# Awkward pieces of URLs: every character parsers have read differently, in every part of a URL.
_PIECES = st.sampled_from(
    [
        "\\", "@", "%", "%2f", "%40", "%5c", "#", "?", "/", ":", ".", "..", "[", "]", "::1",
        "\u3002", "\uff0e", "\uff0f", "\uff3c", "ü", "\u200b", "\t", " ",
        "evil.example", "b.amazonaws.com", "amazonaws.com", "127.0.0.1", "8080", "443",
        "user", "user:pw@", "x", "-", "_", "\uff21\uff2d\uff21\uff3a\uff2f\uff2e",
    ]
)  # fmt: skip


@settings(max_examples=3000)
@given(
    scheme=st.sampled_from(["https://", "http://", "HTTPS://", "https:/", "https:\\\\", "//", ""]),
    authority=st.lists(_PIECES, max_size=6).map("".join),
    rest=st.lists(_PIECES, max_size=4).map("".join),
)
def test_an_accepted_url_always_connects_to_a_listed_host(scheme, authority, rest):
    url = f"{scheme}{authority}/{rest}"
    try:
        fetched = check_source_url(url, ALLOW, "f")
    except BadRequest:
        return
    assert on_allowlist(*connects_to(fetched), ALLOW), url
    assert connects_to(fetched) == connects_to(url)  # what is fetched is what was checked


def test_redact_url_drops_query_and_credentials():
    assert (
        redact_url("https://u:p@h.s3.amazonaws.com/a/b.csv?X-Amz-Signature=s#f") == "https://h.s3.amazonaws.com/a/b.csv"
    )
