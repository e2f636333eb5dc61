"""Pure parts: allow-listing, metadata forms, header line, pipeline, configuration, sink helpers."""

from __future__ import annotations

import io

import pytest
from conftest import fixture_bytes
from hypothesis import given
from hypothesis import strategies as st
from s3_bulk_upload.allowlist import check_source_url, redact_url
from s3_bulk_upload.config import Config, load_config
from s3_bulk_upload.errors import BadRequest, ConfigError, DeadlineExceeded, UpstreamError
from s3_bulk_upload.metadata import header_line, line_terminator, parse_columns
from s3_bulk_upload.pipeline import ChunkStream, Deadline, with_header
from s3_bulk_upload.sink import MIB, content_type_for, part_size_for

ALLOW = ("amazonaws.com", "127.0.0.1")
COLUMNS = ["identity_id", "email", "first_name", "churn_score", "segment, region"]

# -- allow-list -----------------------------------------------------------------------------


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


# -- metadata and header ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        fixture_bytes("metadata_columns.json"),
        fixture_bytes("metadata_header.csv"),
        b'["identity_id", "email", "first_name", "churn_score", "segment, region"]',
        b'\xef\xbb\xbfidentity_id,email,first_name,churn_score,"segment, region"\r\n',
    ],
    ids=["json-objects", "csv-line", "json-strings", "csv-with-bom-crlf"],
)
def test_three_metadata_forms_give_the_same_columns(raw):
    assert parse_columns(raw) == COLUMNS


def test_csv_line_starting_with_a_bracket_is_still_csv():
    assert parse_columns(b"[id],email\n") == ["[id]", "email"]


@pytest.mark.parametrize(
    "raw", [b"", b"  \n", b"[]", b"[1, 2]", b'[{"name": "x"}]', b'{"columnName": "x"}', b"\xff\xfe", b"a,,b"]
)
def test_unusable_metadata_is_an_upstream_error(raw):
    with pytest.raises(UpstreamError):
        parse_columns(raw)


def test_header_line_is_quoted_and_follows_the_terminator():
    assert header_line(COLUMNS, b"\n") == fixture_bytes("metadata_header.csv")
    assert header_line(['say "hi"', "x"], b"\r\n") == b'"say ""hi""",x\r\n'


@pytest.mark.parametrize(
    ("first", "expected"),
    [(b"a,b\r\nc", b"\r\n"), (b"a,b\nc\r\n", b"\n"), (b"", b"\n"), (b"a,b", b"\n"), (b"\n", b"\n")],
)
def test_line_terminator(first, expected):
    assert line_terminator(first) == expected


# -- pipeline --------------------------------------------------------------------------------


def test_header_terminator_is_found_across_chunk_boundaries():
    chunks = iter([b"a,b", b",c\r", b"\nd,e,f\r\n"])
    assert b"".join(with_header(["x", "y"], chunks)) == b"x,y\r\na,b,c\r\nd,e,f\r\n"


def test_empty_data_gives_header_with_lf():
    assert b"".join(with_header(["x"], iter([]))) == b"x\n"


@given(st.lists(st.binary(max_size=300), max_size=20), st.integers(1, 1000))
def test_chunk_stream_reads_are_exact_until_the_end(chunks, size):
    stream = ChunkStream(iter(chunks))
    data = b"".join(chunks)
    reads = []
    while piece := stream.read(size):
        reads.append(piece)
    assert b"".join(reads) == data
    assert all(len(r) == size for r in reads[:-1])
    assert stream.bytes_out == len(data)


def test_chunk_stream_read_all_and_readinto():
    stream = ChunkStream(iter([b"ab", b"cd", b"ef"]))
    buffer = bytearray(3)
    assert stream.readinto(memoryview(buffer)) == 3 and bytes(buffer) == b"abc"
    assert stream.read() == b"def"
    assert io.BufferedReader(ChunkStream(iter([b"xy"]))).read() == b"xy"


def test_deadline_stops_reads_below_the_reserve():
    remaining = [30_000]
    stream = ChunkStream(iter([b"a"] * 5), Deadline(lambda: remaining[0], reserve_seconds=20))
    assert stream.read(1) == b"a"
    remaining[0] = 19_999
    with pytest.raises(DeadlineExceeded):
        stream.read(1)


# -- configuration ----------------------------------------------------------------------------


def test_defaults_match_the_contract():
    assert load_config({"s3_bucket_name": "b"}) == Config(bucket="b")
    config = Config(bucket="b")
    assert (config.key_prefix, config.source_host_allowlist, config.include_header, config.overwrite) == (
        "",
        ("amazonaws.com",),
        True,
        True,
    )
    assert (config.delivery_mode, config.async_threshold_bytes, config.gzip_level) == ("auto", 536870912, 6)
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


# -- sink helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("a.csv", "text/csv"),
        ("a.csv.gz", "application/gzip"),
        ("a.txt", "application/octet-stream"),
        ("a", "application/octet-stream"),
    ],
)
def test_content_type(key, content_type):
    assert content_type_for(key) == content_type


def test_part_size_grows_to_stay_under_ten_thousand_parts():
    assert part_size_for(None, 16 * MIB) == 16 * MIB
    assert part_size_for(100 * 1024 * MIB, 16 * MIB) == 16 * MIB
    big = 400 * 1024 * MIB
    size = part_size_for(big, 16 * MIB)
    assert size % MIB == 0 and big / size < 10_000


def test_first_line_lookahead_is_bounded(monkeypatch):
    import s3_bulk_upload.pipeline as pipeline

    monkeypatch.setattr(pipeline, "FIRST_LINE_LOOKAHEAD", 10)
    consumed = []

    def data():
        for piece in (b"aaaa", b"bbbb", b"cccc", b"dd\r\n", b"e\r\n"):
            consumed.append(piece)
            yield piece

    stream = with_header(["x"], data())
    assert next(stream) == b"x\n"  # gave up before the (CRLF) end of a very long first line
    assert consumed == [b"aaaa", b"bbbb", b"cccc"]
    assert b"".join(stream) == b"aaaabbbbccccdd\r\ne\r\n"


def test_progress_is_logged_about_every_step(monkeypatch, caplog):
    import logging

    import s3_bulk_upload.pipeline as pipeline

    monkeypatch.setattr(pipeline, "PROGRESS_EVERY_BYTES", 100)
    caplog.set_level(logging.INFO, logger="s3_bulk_upload.pipeline")
    stream = ChunkStream(iter([b"x" * 60] * 6))
    while stream.read(50):
        pass
    progress = [r.bytes_uploaded_to_s3 for r in caplog.records if r.getMessage() == "transfer progress"]
    assert progress == [100, 200, 300]
