"""The three metadata forms CI360 stages, and the header line built from them."""

from __future__ import annotations

import pytest

from devkit.events import sample_bytes
from s3_bulk_upload.errors import UpstreamError
from s3_bulk_upload.metadata import MetadataColumn, header_line, line_terminator, parse_metadata

COLUMNS = ["identity_id", "email", "first_name", "churn_score", "segment, region"]


@pytest.mark.parametrize(
    "raw",
    [
        sample_bytes("metadata_columns.json"),
        sample_bytes("metadata_header.csv"),
        b'["identity_id", "email", "first_name", "churn_score", "segment, region"]',
        b'\xef\xbb\xbfidentity_id,email,first_name,churn_score,"segment, region"\r\n',
    ],
    ids=["json-objects", "csv-line", "json-strings", "csv-with-bom-crlf"],
)
def test_three_metadata_forms_give_the_same_columns(raw):
    assert [column.name for column in parse_metadata(raw)] == COLUMNS


def test_csv_line_starting_with_a_bracket_is_still_csv():
    assert parse_metadata(b"[id],email\n") == [MetadataColumn("[id]"), MetadataColumn("email")]


@pytest.mark.parametrize(
    "raw", [b"", b"  \n", b"[]", b"[1, 2]", b'[{"name": "x"}]', b'{"columnName": "x"}', b"\xff\xfe", b"a,,b"]
)
def test_unusable_metadata_is_an_upstream_error(raw):
    with pytest.raises(UpstreamError):
        parse_metadata(raw)


def test_only_the_json_objects_form_carries_types():
    typed = parse_metadata(sample_bytes("metadata_columns.json"))
    assert [column.data_type for column in typed] == ["STRING", "STRING", "STRING", "DECIMAL", "STRING"]
    assert {column.data_type for column in parse_metadata(sample_bytes("metadata_header.csv"))} == {None}
    assert parse_metadata(b'[{"columnName": "a", "dataType": ""}, {"columnName": "b", "dataType": 3}]') == [
        MetadataColumn("a"),
        MetadataColumn("b"),
    ]


def test_header_line_is_quoted_and_follows_the_terminator():
    assert header_line(COLUMNS, b"\n") == sample_bytes("metadata_header.csv")
    assert header_line(['say "hi"', "x"], b"\r\n") == b'"say ""hi""",x\r\n'


@pytest.mark.parametrize(
    ("first", "expected"),
    [(b"a,b\r\nc", b"\r\n"), (b"a,b\nc\r\n", b"\n"), (b"", b"\n"), (b"a,b", b"\n"), (b"\n", b"\n")],
)
def test_line_terminator(first, expected):
    assert line_terminator(first) == expected


def test_a_field_over_the_csv_modules_limit_is_an_upstream_error_not_a_crash():
    with pytest.raises(UpstreamError, match="not a CSV line"):
        parse_metadata(b"identity_id," + b"x" * 200_000)


@pytest.mark.parametrize(
    "raw", [b'["id", "\\ud800"]', b'[{"columnName": "id"}, {"columnName": "a\\udfffb"}]'], ids=["strings", "objects"]
)
def test_a_name_with_a_lone_surrogate_is_an_upstream_error_naming_its_position(raw):
    with pytest.raises(UpstreamError, match="metadata column 2's name is not valid Unicode"):
        parse_metadata(raw)


def test_a_data_type_with_a_lone_surrogate_is_no_type():
    assert parse_metadata(b'[{"columnName": "id", "dataType": "\\ud800"}]') == [MetadataColumn("id")]
