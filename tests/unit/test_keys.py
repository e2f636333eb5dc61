from __future__ import annotations

from datetime import UTC, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3_bulk_upload.errors import BadRequest
from s3_bulk_upload.keys import build_key, safe_task_name, validate_key
from s3_bulk_upload.request import BulkRequest
from s3_bulk_upload.task import Task

NOW = datetime(2026, 11, 27, 10, 15, 2, tzinfo=UTC)


def request(filename: str, **ids: str) -> BulkRequest:
    return BulkRequest(data_url="https://x", metadata_url=None, s3_filename=filename, task=Task(**ids))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("exports/churn_{date}.csv", "exports/churn_2026-11-27.csv"),
        ("e/{datetime}.csv.gz", "e/20261127T101502Z.csv.gz"),
        ("{taskId}/{occurrenceId}.csv", "t-1/o-2.csv"),
        ("{taskName}.csv", "Weekly_churn_audience_EMEA_.csv"),
        ("plain.csv", "plain.csv"),
    ],
)
def test_placeholders_are_filled(template, expected):
    req = request(template, task_id="t-1", occurrence_id="o-2", task_name="Weekly churn audience (EMEA)")
    assert build_key("", req, NOW) == expected


def test_datetime_is_utc_whatever_the_clock_zone():
    from datetime import timedelta

    local = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert build_key("", request("{date}_{datetime}"), local) == "2026-11-27_20261127T101502Z"


def test_prefix_is_prepended():
    assert build_key("ci360/", request("a/b.csv"), NOW) == "ci360/a/b.csv"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("x_{tenant}.csv", "unknown placeholder {tenant}"),
        ("x_{}.csv", "unknown placeholder {}"),
        ("x_{date.csv", "'{' or '}'"),
        ("x_date}.csv", "'{' or '}'"),
        ("{taskId}.csv", "no value for it"),
    ],
)
def test_bad_templates_are_400_with_a_message(template, message):
    with pytest.raises(BadRequest, match=message.replace("{", r"\{").replace("}", r"\}").replace("'", "'")):
        build_key("", request(template), NOW)


@pytest.mark.parametrize(
    "key",
    ["/abs.csv", "a//b.csv", "a/./b.csv", "a/../b.csv", "..", "a\\b.csv", "a\x00b", "a\nb", "a\x7fb", "dir/", ""],
)
def test_invalid_keys_are_rejected(key):
    with pytest.raises(BadRequest):
        validate_key(key)


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("a\ud800b.csv", "lone surrogate"),
        ("invoice\u202etxt.exe", "bidirectional"),
        ("a\u2066b.csv", "bidirectional"),
        ("a\u200bb.csv", "zero-width"),
        ("\ufeffa.csv", "zero-width"),
        ("a\u2028b.csv", "line or paragraph"),
        ("a\u2029b.csv", "line or paragraph"),
        ("a\uffffb.csv", "noncharacter"),
        ("a\ufffeb.csv", "noncharacter"),
        ("a\ufdd0b.csv", "noncharacter"),
        ("a\U0010fffeb.csv", "noncharacter"),
    ],
)
def test_lookalike_and_invisible_characters_are_refused_with_a_reason(key, reason):
    with pytest.raises(BadRequest, match=reason):
        validate_key(key)


@pytest.mark.parametrize("key", ["exports/Müller_Ärger.csv", "exports/日本語.csv", "exports/naïve café.csv.gz"])
def test_ordinary_unicode_keys_are_accepted(key):
    assert validate_key(key) == key


def test_key_length_is_counted_in_utf8_bytes():
    assert validate_key("é" * 512) == "é" * 512  # 1024 bytes
    with pytest.raises(BadRequest, match="1024"):
        validate_key("é" * 512 + "a")


def test_task_name_reduction_collapses_runs():
    assert safe_task_name("a  b//c..d__e") == "a_b_c..d__e"
    assert safe_task_name("Été 2026 ✓") == "_t_2026_"


@given(st.text(max_size=300), st.text(max_size=80), st.text(max_size=40))
def test_build_key_returns_a_valid_key_or_a_400(template, prefix, task_name):
    try:
        key = build_key(prefix, request(template, task_id="t", occurrence_id="o", task_name=task_name), NOW)
    except BadRequest as error:
        assert error.message
        return
    assert validate_key(key) == key
    assert "{" not in key.removeprefix(prefix) or "{" in prefix


@given(st.text(max_size=60))
def test_safe_task_name_only_uses_safe_characters(name):
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in safe_task_name(name))
