"""Configuration from the environment: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

import pytest

from s3_bulk_upload.config import Config, load_config
from s3_bulk_upload.errors import ConfigError


def test_defaults_match_the_contract():
    assert load_config({"s3_bucket_name": "b"}) == Config(bucket="b")
    config = Config(bucket="b")
    assert (config.key_prefix, config.source_host_allowlist, config.include_header, config.overwrite) == (
        "",
        ("amazonaws.com",),
        True,
        True,
    )
    # gzip_level: the contract's default may be any library's level within 10 % of zlib 6's size
    # (tests/unit/test_gzip_stream.py measures it): ISA-L's level 2.
    assert (config.delivery_mode, config.async_threshold_bytes, config.gzip_level) == ("auto", 536870912, 2)
    assert (config.return_presigned_url, config.log_level) == (False, "INFO")


def test_values_are_parsed():
    config = load_config(
        {
            "s3_bucket_name": "b",
            "s3_key_prefix": "ci360/",
            "source_host_allowlist": " amazonaws.com, 127.0.0.1 ,",
            "include_header": "False",
            "overwrite": "no",
            "delivery_mode": "ASYNC",
            "async_threshold_bytes": "1024",
            "gzip_level": "9",
            "return_presigned_url": "true",
            "log_level": "debug",
        }
    )
    assert config.source_host_allowlist == ("amazonaws.com", "127.0.0.1")
    assert (config.include_header, config.overwrite, config.delivery_mode) == (False, False, "async")
    assert (config.async_threshold_bytes, config.gzip_level, config.return_presigned_url) == (1024, 9, True)
    assert config.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("s3_bucket_name", ""),
        ("s3_key_prefix", "/abs"),
        ("source_host_allowlist", ","),
        ("source_host_allowlist", "https://amazonaws.com"),
        ("include_header", "yes please"),
        ("overwrite", "2"),
        ("delivery_mode", "later"),
        ("async_threshold_bytes", "-1"),
        ("async_threshold_bytes", "1e9"),
        ("gzip_level", "0"),
        ("gzip_level", "10"),
        ("return_presigned_url", "sometimes"),
        ("log_level", "CHATTY"),
        ("part_size_mib", "4"),
        ("max_concurrency", "0"),
        ("source_max_retries", "x"),
        ("source_backoff_seconds", "-1"),
    ],
)
def test_invalid_values_name_the_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({"s3_bucket_name": "b", name: value})


def test_an_alias_arn_is_refused_where_a_key_arn_is_needed():
    """IAM statements on an alias ARN apply to the alias, not the key: every upload would be denied."""
    kms = {"s3_bucket_name": "b", "sse_algorithm": "aws:kms"}
    key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert load_config({**kms, "sse_kms_key_arn": key}).sse_kms_key_arn == key
    with pytest.raises(ConfigError, match="not an alias"):
        load_config({**kms, "sse_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:alias/exports"})


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"state_machine_arn": "arn:aws:lambda:eu-west-1:123456789012:function:f"}, "state_machine_arn"),
        ({"max_parallel_parts": "0"}, "max_parallel_parts"),
        ({"max_parallel_parts": "1001"}, "max_parallel_parts"),
        ({"distributed_threshold_bytes": "-1"}, "distributed_threshold_bytes"),
        ({"delivery_mode": "distributed"}, "state_machine_arn"),  # distributed needs its state machine
    ],
)
def test_distributed_settings_are_checked(values, named):
    with pytest.raises(ConfigError, match=named):
        load_config({"s3_bucket_name": "b", **values})


def test_distributed_defaults():
    config = Config(bucket="b")
    assert (config.state_machine_arn, config.distributed_threshold_bytes, config.max_parallel_parts) == (
        "",
        32 * 1024**3,
        32,
    )
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:ci360-distributed"
    assert (
        load_config({"s3_bucket_name": "b", "delivery_mode": "distributed", "state_machine_arn": arn}).state_machine_arn
        == arn
    )
