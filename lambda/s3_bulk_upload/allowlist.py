"""Which staging URLs the connector may fetch, decided before any byte is requested (pure)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from .errors import BadRequest


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_allowed(host: str, allowlist: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(host == entry or host.endswith("." + entry) for entry in allowlist)


def check_source_url(url: str, allowlist: Iterable[str], field: str) -> str:
    """Return ``url`` if it may be fetched; otherwise BadRequest naming the field, never the query."""
    allowlist = tuple(allowlist)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise BadRequest(f"{field} is not a valid URL") from None
    if parts.username or parts.password:
        raise BadRequest(f"{field} must not carry credentials in the URL")
    if not host:
        raise BadRequest(f"{field} has no host")
    if parts.scheme == "https":
        if host_allowed(host, allowlist):
            return url
        raise BadRequest(f"{field} host {host} is not in source_host_allowlist")
    if parts.scheme == "http":
        # Plain HTTP only for an explicitly listed loopback address: local runs and tests.
        if _is_loopback(host) and host.lower() in allowlist:
            return url
        raise BadRequest(f"{field} must use https (http is allowed only for a listed loopback address)")
    raise BadRequest(f"{field} must be an https URL")


def redact_url(url: str) -> str:
    """The URL without query or fragment: the signature is a bearer credential."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    except ValueError:
        return "<unparseable URL>"
