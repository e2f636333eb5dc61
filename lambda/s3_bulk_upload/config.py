"""Lambda configuration from environment variables (names fixed by the connector contract).

Each setting is declared once, below: its variable, default, bounds and meaning. The README's
tables and the Terraform defaults are tested against these declarations.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .allowlist import parse_entry
from .errors import ConfigError

T = TypeVar("T", int, float)
DELIVERY_MODES = ("sync", "async", "distributed", "auto")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}
_BUS = re.compile(r"[A-Za-z0-9._\-/]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus/[A-Za-z0-9._\-/]{1,256}")


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _bounded(convert: Callable[[str], T], noun: str, low: T, high: T) -> Callable[[str, str], T]:
    def parse(name: str, raw: str) -> T:
        try:
            value = convert(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be {noun}, not {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
        return value

    return parse


def _whole(low: int, high: int) -> Callable[[str, str], int]:
    return _bounded(int, "a whole number", low, high)


def _number(low: float, high: float) -> Callable[[str, str], float]:
    return _bounded(float, "a number", low, high)


def _one_of(choices: tuple[str, ...], normalise: Callable[[str], str]) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = normalise(raw.strip())
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return value

    return parse


def _required(name: str, raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ConfigError(f"{name} is required")
    return value


def _prefix(name: str, raw: str) -> str:
    if raw.startswith("/"):
        raise ConfigError(f"{name} must not start with '/'")
    return raw


def _allowlist(name: str, raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower().rstrip(".") for h in raw.split(",") if h.strip())
    if not hosts:
        raise ConfigError(f"{name} must name at least one host")
    for host in hosts:
        try:
            parse_entry(host)
        except ValueError:
            raise ConfigError(
                f"{name} entry {host!r} must be a host name or IP address, optionally with :port"
            ) from None
    return hosts


# A key ARN only: IAM statements whose resource is an alias ARN apply to the alias, not the key, so
# an alias here would get AccessDenied from KMS on every upload (Terraform refuses one too).
_KMS_KEY = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
SSE_ALGORITHMS = ("", "AES256", "aws:kms", "aws:kms:dsse")


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[str, str], str]:
    """A parser for an optional value that must match ``pattern`` in full (empty: not set)."""

    def parse(name: str, raw: str) -> str:
        value = raw.strip()
        if value and not pattern.fullmatch(value):
            raise ConfigError(f"{name} must be {what}, not {value!r}")
        return value

    return parse


_kms_key = _matching(_KMS_KEY, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>; not an alias)")
_bus = _matching(_BUS, "an EventBridge bus name or ARN")
_state_machine = _matching(
    re.compile(r"arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}"),
    "a Step Functions state machine ARN",
)
_glue_database = _matching(re.compile(r"[a-z0-9_-]{1,255}"), "a Glue database name (a-z, 0-9, _ and -, at most 255)")


def _setting(env: str, default: Any, parse: Callable[[str, str], Any], meaning: str, *, contract: bool = True) -> Any:
    """A Config field read from environment variable ``env`` (``default`` when unset)."""
    return field(default=default, metadata={"env": env, "parse": parse, "meaning": meaning, "contract": contract})


@dataclass(frozen=True)
class Config:
    bucket: str = _setting("s3_bucket_name", "", _required, "destination bucket (required)")
    key_prefix: str = _setting("s3_key_prefix", "", _prefix, "prefix for every key")
    source_host_allowlist: tuple[str, ...] = _setting(
        "source_host_allowlist", ("amazonaws.com",), _allowlist, "comma-separated hosts the files may come from"
    )
    include_header: bool = _setting("include_header", True, parse_bool, "write the header row")
    overwrite: bool = _setting("overwrite", True, parse_bool, "replace an existing object at the key")
    delivery_mode: str = _setting(
        "delivery_mode", "auto", _one_of(DELIVERY_MODES, str.lower), "sync, async, distributed or auto"
    )
    async_threshold_bytes: int = _setting(
        "async_threshold_bytes", 536_870_912, _whole(0, 5 * 1024**4), "data-file size at which auto goes async"
    )
    # 2 is ISA-L's igzip level 2: within 10 % of zlib level 6's size on CSV (contract §3), ~4x zlib-ng 4's speed.
    gzip_level: int = _setting(
        "gzip_level", 2, _whole(1, 9), "1-9: 1-3 ISA-L's igzip levels, 4-9 zlib-ng's (zlib's sizes)"
    )
    return_presigned_url: bool = _setting(
        "return_presigned_url", False, parse_bool, "add a 24 h GET URL of the object to the answer"
    )
    log_level: str = _setting("log_level", "INFO", _one_of(LOG_LEVELS, str.upper), "DEBUG, INFO, WARNING, ERROR")
    delivery_event_bus: str = _setting(
        "delivery_event_bus", "", _bus, "EventBridge bus name or ARN for the delivery event; empty: none"
    )
    glue_database: str = _setting(
        "glue_database", "", _glue_database, "Glue Data Catalog database for the export's table; empty: no table"
    )
    state_machine_arn: str = _setting(
        "state_machine_arn", "", _state_machine, "the distributed path's state machine; empty: no distributed path"
    )
    # One invocation carries about 70-80 GiB plain in 13.5 minutes at the measured ranged throughput, but
    # less for .gz (compression on the function's vCPUs) and across Regions: 32 GiB leaves room for both.
    distributed_threshold_bytes: int = _setting(
        "distributed_threshold_bytes",
        34_359_738_368,
        _whole(0, 5 * 1024**4),
        "data-file size from which auto goes distributed (with state_machine_arn set)",
    )
    max_parallel_parts: int = _setting(
        "max_parallel_parts", 32, _whole(1, 1000), "parts the distributed path copies at once"
    )
    # Not in the contract's table: settings with safe defaults, documented in the README.
    sse_algorithm: str = _setting(
        "sse_algorithm",
        "",
        _one_of(SSE_ALGORITHMS, str.strip),
        "ServerSideEncryption sent with every upload; empty: the bucket's default",
        contract=False,
    )
    sse_kms_key_arn: str = _setting(
        "sse_kms_key_arn",
        "",
        _kms_key,
        "SSEKMSKeyId sent with every upload (with sse_algorithm aws:kms*)",
        contract=False,
    )
    part_size_mib: int = _setting("part_size_mib", 8, _whole(5, 512), "multipart part size", contract=False)
    distributed_part_size_mib: int = _setting(
        "distributed_part_size_mib",
        128,
        _whole(5, 5120),
        "span each child of the distributed path copies, plain in parts of part_size_mib (grown to fit 10,000)",
        contract=False,
    )
    max_concurrency: int = _setting("max_concurrency", 8, _whole(1, 64), "parts uploaded at once", contract=False)
    source_connections: int = _setting(
        "source_connections", 8, _whole(1, 32), "connections reading the data file's ranges at once", contract=False
    )
    source_max_retries: int = _setting(
        "source_max_retries", 5, _whole(0, 20), "retries of a failed download", contract=False
    )
    source_backoff_seconds: float = _setting(
        "source_backoff_seconds", 1.0, _number(0.0, 60.0), "first retry's wait", contract=False
    )


SETTINGS = tuple(dataclasses.fields(Config))


def environment_value(setting: dataclasses.Field[Any]) -> str:
    """A setting's default as it is written in the environment (and in the README and Terraform)."""
    value = setting.default
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def load_config(env: Mapping[str, str]) -> Config:
    """Read and validate every variable; the first invalid one raises ConfigError naming it."""
    values = {}
    for setting in SETTINGS:
        name = setting.metadata["env"]
        values[setting.name] = setting.metadata["parse"](name, env.get(name, environment_value(setting)))
    config = Config(**values)
    if config.delivery_mode == "distributed" and not config.state_machine_arn:
        raise ConfigError("delivery_mode distributed needs state_machine_arn")
    if config.sse_kms_key_arn and not config.sse_algorithm.startswith("aws:kms"):
        raise ConfigError("sse_kms_key_arn needs sse_algorithm aws:kms or aws:kms:dsse")
    return config
