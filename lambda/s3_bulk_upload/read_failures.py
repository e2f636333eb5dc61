"""How reading a staging file can fail, and what to call it in words a CI360 admin understands."""

from __future__ import annotations

import socket

import requests
import urllib3

# Failures of an open body: the connection dropped, timed out or ended early.
STREAM_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class ShortRead(Exception):
    """The body ended before Content-Length bytes arrived."""


def failure_words(exc: BaseException) -> str:
    """What failed, in words a CI360 admin understands (never the client library's class names)."""
    if isinstance(exc, ShortRead | urllib3.exceptions.IncompleteRead):
        return "the connection closed before the whole body arrived"
    if isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError):
        return "the TLS connection failed (certificate or protocol)"
    if isinstance(exc, requests.exceptions.ConnectTimeout | urllib3.exceptions.ConnectTimeoutError):
        return "the connection timed out"
    if isinstance(exc, requests.exceptions.ReadTimeout | urllib3.exceptions.ReadTimeoutError | socket.timeout):
        return "the server stopped sending data (read timed out)"
    if isinstance(exc, requests.exceptions.ConnectionError | urllib3.exceptions.NewConnectionError):
        return "could not connect, or the connection was dropped"
    return "the connection failed"
