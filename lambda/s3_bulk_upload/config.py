"""Lambda configuration from environment variables (names fixed by the connector contract)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import ConfigError

DELIVERY_MODES = ("sync", "async", "auto")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
# A DNS name or IPv4 literal, or the IPv6 loopback (the only IPv6 form a test needs).
_HOST_ENTRY = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|::1|\[::1\]")


@dataclass(frozen=True)
class Config:
    bucket: str
    key_prefix: str = ""
    source_host_allowlist: tuple[str, ...] = ("amazonaws.com",)
    include_header: bool = True
    overwrite: bool = True
    delivery_mode: str = "auto"
    async_threshold_bytes: int = 536_870_912
    gzip_level: int = 6
    return_presigned_url: bool = False
    log_level: str = "INFO"
    # Not in the contract's table: tuning knobs with safe defaults, documented in the README.
    part_size_mib: int = 8
    max_concurrency: int = 8
    source_max_retries: int = 5
    source_backoff_seconds: float = 1.0


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _float(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _allowlist(raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())
    if not hosts:
        raise ConfigError("source_host_allowlist must name at least one host")
    for host in hosts:
        if not _HOST_ENTRY.fullmatch(host):
            raise ConfigError(f"source_host_allowlist entry {host!r} must be a bare host name")
    return hosts


def load_config(env: Mapping[str, str]) -> Config:
    """Read and validate every variable; the first invalid one raises ConfigError naming it."""
    bucket = env.get("s3_bucket_name", "").strip()
    if not bucket:
        raise ConfigError("s3_bucket_name is required")
    prefix = env.get("s3_key_prefix", "")
    if prefix.startswith("/"):
        raise ConfigError("s3_key_prefix must not start with '/'")
    mode = env.get("delivery_mode", "auto").strip().lower()
    if mode not in DELIVERY_MODES:
        raise ConfigError(f"delivery_mode must be one of {', '.join(DELIVERY_MODES)}, not {mode!r}")
    log_level = env.get("log_level", "INFO").strip().upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}")
    return Config(
        bucket=bucket,
        key_prefix=prefix,
        source_host_allowlist=_allowlist(env.get("source_host_allowlist", "amazonaws.com")),
        include_header=parse_bool("include_header", env.get("include_header", "true")),
        overwrite=parse_bool("overwrite", env.get("overwrite", "true")),
        delivery_mode=mode,
        async_threshold_bytes=_int(
            "async_threshold_bytes", env.get("async_threshold_bytes", "536870912"), 0, 5 * 1024**4
        ),
        gzip_level=_int("gzip_level", env.get("gzip_level", "6"), 1, 9),
        return_presigned_url=parse_bool("return_presigned_url", env.get("return_presigned_url", "false")),
        log_level=log_level,
        part_size_mib=_int("part_size_mib", env.get("part_size_mib", "8"), 5, 512),
        max_concurrency=_int("max_concurrency", env.get("max_concurrency", "8"), 1, 64),
        source_max_retries=_int("source_max_retries", env.get("source_max_retries", "5"), 0, 20),
        source_backoff_seconds=_float("source_backoff_seconds", env.get("source_backoff_seconds", "1.0"), 0.0, 60.0),
    )
