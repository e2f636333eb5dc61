"""A refused URL is refused before the network: no DNS lookup, no connection (a socket guard proves it).
A URL that is fetched and fails is answered in words, without the HTTP library's exception names."""

from __future__ import annotations

import socket

import pytest

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from s3_bulk_upload.handler import lambda_handler

SIGNATURE = "X-Amz-Signature=5ec7e75ec7e7"


@pytest.fixture
def network_guard(monkeypatch):
    """Record (and refuse) every name lookup and connection the code under test attempts."""
    attempts: list[str] = []

    def lookup(host, *args, **kwargs):
        attempts.append(f"getaddrinfo {host}")
        raise OSError("the network is off in this test")

    def connect(self, address):
        attempts.append(f"connect {address}")
        raise OSError("the network is off in this test")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example\\.amazonaws.com/x.csv",
        "https://evil.example\\@b.amazonaws.com/x.csv",
        "https://b.amazonaws.com:8443/x.csv",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/x.csv",
        "https://b.amazonaws.com%2f@10.0.0.5/x.csv",
        "http://b.amazonaws.com/x.csv",
    ],
)
def test_a_refused_url_causes_no_lookup_and_no_connection(monkeypatch, network_guard, url):
    monkeypatch.setenv("s3_bucket_name", "exports")
    monkeypatch.setenv("source_host_allowlist", "amazonaws.com")
    response = lambda_handler(proxy_event(bulk_request(f"{url}?{SIGNATURE}", None)), LocalContext())
    assert response["statusCode"] == 400, response["body"]
    assert SIGNATURE not in response["body"]
    assert network_guard == []


def test_a_failed_connection_is_502_in_words_without_library_names(monkeypatch, bucket, s3):
    from devkit.local.loopback import LOOPBACK, free_port

    port = free_port()  # nothing listens there
    monkeypatch.setenv("source_host_allowlist", f"{LOOPBACK}:{port}")
    monkeypatch.setenv("source_max_retries", "1")
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("delivery_mode", "sync")
    response = lambda_handler(
        proxy_event(bulk_request(f"http://{LOOPBACK}:{port}/d.csv?{SIGNATURE}", None)), LocalContext()
    )
    body = answer(response)
    assert response["statusCode"] == 502
    assert body["message"] == (
        f"data file: could not fetch from {LOOPBACK}: could not connect, or the connection was dropped "
        "(after 1 retries)"
    )
    for library_word in ("ConnectionError", "NewConnectionError", "MaxRetryError", "urllib3", "Errno"):
        assert library_word not in response["body"]
