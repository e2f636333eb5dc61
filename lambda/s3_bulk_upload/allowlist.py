"""Which staging URLs the connector may fetch, decided before any byte is requested (pure).

The host checked is the host the HTTP client will connect to: the URL is read the way requests
prepares it and urllib3 parses it (``urllib3.util.parse_url``), and a URL that another parser
(``urllib.parse.urlsplit``) reads differently is refused. ``https://evil.example\\.amazonaws.com/``
is the reason: urlsplit reads a host ending in ``.amazonaws.com``, urllib3 connects to
``evil.example``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from .errors import BadRequest

DEFAULT_PORTS = {"https": 443, "http": 80}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# An IDNA-encoded DNS name; the last label is not all digits (that would be an IPv4 in disguise, "127.1").
_DNS_NAME = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)*(?![0-9]+$){_LABEL}")
_ENTRY = re.compile(r"(?P<host>\[[0-9a-f:.]+\]|[^\[\]:]+)(?::(?P<port>[0-9]{1,5}))?")
# Spaces and control characters: parsers disagree on whether they are stripped, kept or refused.
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


@dataclass(frozen=True)
class Entry:
    """One allow-list entry: a host (a DNS name matches itself and its subdomains) and a port,
    or None for the scheme's default port."""

    host: str
    port: int | None = None

    def admits(self, host: str, port: int, default_port: int) -> bool:
        if port != (self.port if self.port is not None else default_port):
            return False
        return host == self.host or (not _is_ip(self.host) and host.endswith("." + self.host))


@dataclass(frozen=True)
class Target:
    """Where the HTTP client will connect: scheme, host (no brackets, no final dot) and port."""

    scheme: str
    host: str
    port: int

    def describe(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port == DEFAULT_PORTS[self.scheme] else f"{shown}:{self.port}"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def valid_host(host: str) -> bool:
    """An IDNA DNS name of ``[a-z0-9.-]`` or an IP literal (no zone id)."""
    return bool(_DNS_NAME.fullmatch(host)) or ("%" not in host and _is_ip(host))


def parse_entry(text: str) -> Entry:
    """``host``, ``host:port``, ``[v6]``, ``[v6]:port`` or a bare IPv6 address; ValueError otherwise."""
    text = text.strip().lower()
    if _is_ip(text) and ":" in text:  # a bare IPv6 address: its colons are not a port
        return Entry(text)
    match = _ENTRY.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a host or host:port")
    host = match.group("host").strip("[]").rstrip(".")
    port = int(match.group("port")) if match.group("port") else None
    if not valid_host(host) or (port is not None and not 0 < port < 65536):
        raise ValueError(f"{text!r} is not a host or host:port")
    return Entry(host, port)


def _unbracketed(host: str | None) -> str:
    return (host or "").removeprefix("[").removesuffix("]").rstrip(".")


def read_target(url: str, field: str) -> tuple[str, Target]:
    """The URL as the client will send it, and where it will connect; BadRequest if parsers disagree.

    Messages name the field, never the URL (its query is a bearer credential).
    """
    if _UNSAFE.search(url):
        raise BadRequest(f"{field} must not contain spaces or control characters")
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(url, None)  # requests' own reading: IDNA, re-quoting
        client = parse_url(prepared.url or "")  # what urllib3's connection pool connects to
        split = urlsplit(url)
        split_host, split_port = split.hostname, split.port
    except (requests.RequestException, LocationParseError, ValueError, UnicodeError):
        raise BadRequest(f"{field} is not a valid URL") from None
    if split.username is not None or split.password is not None or client.auth:
        raise BadRequest(f"{field} must not carry credentials in the URL")
    scheme = (client.scheme or "").lower()
    if scheme not in DEFAULT_PORTS:
        raise BadRequest(f"{field} must be an https URL")
    host = _unbracketed(client.host)
    if not host:
        raise BadRequest(f"{field} has no host")
    if (split.scheme.lower(), _unbracketed(split_host), split_port) != (scheme, host, client.port):
        raise BadRequest(f"{field} is read differently by different URL parsers; refused")
    if not valid_host(host):
        raise BadRequest(f"{field} host must be a DNS name of [a-z0-9.-] (IDNA-encoded) or an IP address")
    port = client.port if client.port is not None else DEFAULT_PORTS[scheme]
    return prepared.url or url, Target(scheme, host, port)


def check_source_url(url: str, allowlist: Iterable[str], field: str) -> str:
    """The URL to fetch if it may be fetched; otherwise BadRequest naming the field, never the query.

    ``https`` on a listed host (or a subdomain of one); plain ``http`` only for a loopback address
    listed exactly (local runs and tests). The port is the scheme's default unless the entry names one.
    """
    entries = [parse_entry(entry) for entry in allowlist]
    prepared, target = read_target(url, field)
    default_port = DEFAULT_PORTS[target.scheme]
    if target.scheme == "https":
        if any(entry.admits(target.host, target.port, default_port) for entry in entries):
            return prepared
        raise BadRequest(f"{field} host {target.describe()} is not in source_host_allowlist")
    listed = any(
        entry.host == target.host and entry.admits(target.host, target.port, default_port) for entry in entries
    )
    if _is_ip(target.host) and ipaddress.ip_address(target.host).is_loopback and listed:
        return prepared
    raise BadRequest(f"{field} must use https (http is allowed only for a listed loopback address)")


def redact_url(url: str) -> str:
    """The URL without query or fragment: the signature is a bearer credential."""
    try:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    except ValueError:
        return "<unparseable URL>"
