"""The catalog table's pure parts: names, the type table, the dataset folder, the table definition."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from s3_bulk_upload.catalog_schema import (
    SERDE_PARAMETERS,
    TYPES,
    catalog_columns,
    catalog_name,
    column_type,
    owner_of,
    same_definition,
    table_input,
    table_target,
)
from s3_bulk_upload.errors import BadRequest
from s3_bulk_upload.metadata import MetadataColumn
from s3_bulk_upload.task import Task


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Churn Audience (EMEA)", "churn_audience_emea"),
        ("segment, region", "segment_region"),
        ("Été 2026", "ete_2026"),
        ("already_fine_9", "already_fine_9"),
        ("!!!", ""),
        ("x" * 300, "x" * 255),
    ],
)
def test_catalog_names(raw, expected):
    assert catalog_name(raw) == expected


@given(st.text())
def test_a_catalog_name_only_holds_what_glue_and_athena_accept(raw):
    assert re.fullmatch(r"([a-z0-9][a-z0-9_]{0,253}[a-z0-9]|[a-z0-9])?", catalog_name(raw))


@pytest.mark.parametrize(
    ("data_type", "expected"),
    [
        *[("STRING", "string"), ("decimal", "double"), ("Integer", "bigint"), ("BOOLEAN", "boolean")],
        *[("DATE", "string"), ("DATETIME", "string"), ("GEOGRAPHY", "string"), (None, "string"), ("", "string")],
    ],
)
def test_types_come_from_one_table_and_anything_else_is_a_string(data_type, expected):
    assert column_type(data_type) == expected


def test_every_mapped_type_is_one_athena_reads_from_csv_text():
    assert set(TYPES.values()) <= {"string", "bigint", "double", "boolean"}


def test_columns_keep_the_original_name_and_type_in_their_comment():
    (column,) = catalog_columns([MetadataColumn("Churn Score", "DECIMAL")])
    assert (column.name, column.type, column.comment) == (
        "churn_score",
        "double",
        "CI360 column 'Churn Score', dataType DECIMAL",
    )


def test_metadata_without_types_gives_string_columns():
    assert {c.type for c in catalog_columns([MetadataColumn("a"), MetadataColumn("b")])} == {"string"}


@pytest.mark.parametrize(
    "names", [["Segment", "segment"], ["a b", "a-b"], ["ok", "§§"]], ids=["case", "punctuation", "nothing-left"]
)
def test_names_that_collide_or_vanish_are_a_400(names):
    with pytest.raises(BadRequest):
        catalog_columns([MetadataColumn(n) for n in names])


def test_a_collision_says_positions_never_names():
    with pytest.raises(BadRequest) as raised:
        catalog_columns(
            [MetadataColumn("id"), MetadataColumn("Patient_HIV_Status"), MetadataColumn("patient hiv status")]
        )
    assert "columns 2 and 3 both become one catalog column name" in raised.value.message
    assert "hiv" not in raised.value.message.lower()


@pytest.mark.parametrize("name", ["two\nlines", "two\r\nlines", "carriage\rreturn"])
def test_a_name_with_a_line_break_is_a_400_only_when_the_header_is_written(name):
    columns = [MetadataColumn("id"), MetadataColumn(name)]
    with pytest.raises(BadRequest, match="metadata column 2's name holds a line break"):
        catalog_columns(columns, header=True)
    assert len(catalog_columns(columns, header=False)) == 2


def test_the_escape_character_is_a_noncharacter_no_export_holds():
    assert SERDE_PARAMETERS["escapeChar"] == "\uffff"


TARGET = table_target("db", "b", "", "x/churn/a.csv", "")
OURS = table_input(TARGET, catalog_columns([MetadataColumn("a")]), header=True, task=Task("t", "o"))


def test_the_connectors_tables_are_marked_with_the_folder():
    assert OURS["Parameters"]["ci360_connector"] == "ci360-s3-bulk-connector"
    assert OURS["Parameters"]["ci360_folder"] == "s3://b/x/churn/"
    assert owner_of(OURS, TARGET) is None


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ({"Parameters": {}, "StorageDescriptor": {"Location": "s3://b/x/churn/"}}, "was not created by this connector"),
        (
            {**OURS, "StorageDescriptor": {**OURS["StorageDescriptor"], "Location": "s3://b/y/churn/"}},
            "describes another folder",
        ),
        ({**OURS, "Parameters": {**OURS["Parameters"], "ci360_folder": "s3://b/y/churn/"}}, "describes another folder"),
        ({**OURS, "Parameters": {**OURS["Parameters"], "ci360_connector": "someone"}}, "was not created"),
    ],
    ids=["unmarked", "moved", "marked-for-another-folder", "another-mark"],
)
def test_other_tables_are_not_the_connectors(table, reason):
    assert reason in (owner_of(table, TARGET) or "")


def test_a_table_from_before_the_mark_is_the_connectors_and_gets_the_mark():
    parameters = {k: v for k, v in OURS["Parameters"].items() if k not in ("ci360_connector", "ci360_folder")}
    legacy = {**OURS, "Parameters": parameters}
    assert owner_of(legacy, TARGET) is None
    assert not same_definition(legacy, OURS)  # so it is updated once, with the mark


@pytest.mark.parametrize(
    ("prefix", "key", "explicit", "table", "location"),
    [
        ("ci360/", "ci360/exports/churn/2026-11-27.csv", "", "churn", "s3://b/ci360/exports/churn/"),
        ("", "exports/Weekly_churn/a.csv.gz", "", "weekly_churn", "s3://b/exports/Weekly_churn/"),
        ("ci360/", "ci360/x/a.csv", "Audience 1", "audience_1", "s3://b/ci360/x/"),
    ],
)
def test_the_dataset_is_the_keys_folder(prefix, key, explicit, table, location):
    target = table_target("db", "b", prefix, key, explicit)
    assert (target.database, target.table, target.location) == ("db", table, location)


@pytest.mark.parametrize(
    ("prefix", "key", "explicit"),
    [("ci360/", "ci360/churn.csv", ""), ("", "churn.csv", ""), ("", "x/a.csv", "!!"), ("", "x/a.csv", "a" * 256)],
    ids=["only-the-prefix", "no-folder", "explicit-without-letters", "explicit-too-long"],
)
def test_what_has_no_table_is_a_400(prefix, key, explicit):
    with pytest.raises(BadRequest):
        table_target("db", "b", prefix, key, explicit)


def test_same_definition_ignores_task_ids_but_not_columns_or_header():
    target = table_target("db", "b", "", "x/a.csv", "")
    columns = catalog_columns([MetadataColumn("a", "INTEGER")])
    first = table_input(target, columns, header=True, task=Task("t", "o-1"))
    assert same_definition(first, table_input(target, columns, header=True, task=Task("t", "o-2")))
    assert not same_definition(first, table_input(target, columns, header=False, task=Task("t", "o-1")))
    wider = catalog_columns([MetadataColumn("a", "INTEGER"), MetadataColumn("b")])
    assert not same_definition(first, table_input(target, wider, header=True, task=Task("t", "o-1")))
