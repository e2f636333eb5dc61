"""The catalog step against Glue's answers (botocore's Stubber): create, leave alone, update, lose a
create race, fail without undoing anything; and a configuration without a database does nothing."""

from __future__ import annotations

import pytest
from botocore.stub import ANY

from s3_bulk_upload.catalog import ExportCatalog, register
from s3_bulk_upload.catalog_schema import catalog_columns, table_input, table_target
from s3_bulk_upload.errors import BadRequest, Conflict
from s3_bulk_upload.metadata import MetadataColumn
from s3_bulk_upload.task import Task

TARGET = table_target("db", "bucket", "ci360/", "ci360/exports/churn/a.csv", "")
COLUMNS = catalog_columns([MetadataColumn("id", "STRING"), MetadataColumn("score", "DECIMAL")])
WANTED = table_input(TARGET, COLUMNS, header=True, task=Task("t", "o-1"))


@pytest.fixture
def glue(stubbed_client):
    return stubbed_client("glue")


def test_an_absent_table_is_created(glue):
    client, stubber = glue
    stubber.add_client_error("get_table", "EntityNotFoundException", http_status_code=400)
    stubber.add_response("create_table", {}, {"DatabaseName": "db", "TableInput": WANTED})
    catalogued = register(client, TARGET, WANTED)
    assert (catalogued.table, catalogued.schema_changed, catalogued.failed) == ("churn", True, False)


def test_the_same_definition_is_left_alone_even_from_another_occurrence(glue):
    client, stubber = glue
    stored = {**table_input(TARGET, COLUMNS, header=True, task=Task("t", "o-0")), "DatabaseName": "db"}
    stubber.add_response("get_table", {"Table": stored})
    assert register(client, TARGET, WANTED).schema_changed is False  # no UpdateTable was stubbed


def test_other_columns_update_the_table(glue):
    client, stubber = glue
    narrower = table_input(TARGET, COLUMNS[:1], header=True, task=Task("t", "o-0"))
    stubber.add_response("get_table", {"Table": {**narrower, "DatabaseName": "db"}})
    stubber.add_response("update_table", {}, {"DatabaseName": "db", "TableInput": WANTED})
    assert register(client, TARGET, WANTED).schema_changed is True


def test_a_lost_create_race_compares_with_the_winners_table(glue):
    client, stubber = glue
    stubber.add_client_error("get_table", "EntityNotFoundException", http_status_code=400)
    stubber.add_client_error("create_table", "AlreadyExistsException", http_status_code=400)
    stubber.add_response("get_table", {"Table": {**WANTED, "DatabaseName": "db"}})
    assert register(client, TARGET, WANTED).schema_changed is False


def test_a_refusal_is_reported_as_failed_not_raised(glue):
    client, stubber = glue
    stubber.add_client_error("get_table", "AccessDeniedException", http_status_code=400)
    catalogued = register(client, TARGET, WANTED)
    assert catalogued.failed and catalogued.answer_fields() == {
        "glue_database": "db",
        "glue_table": "churn",
        "catalog": "failed",
    }


def test_without_a_database_nothing_is_checked_or_written():
    catalog = ExportCatalog("", "bucket", "ci360/", client_factory=None)
    catalog.check("ci360/no-folder.csv", "!!!", [MetadataColumn("a"), MetadataColumn("A")])
    written = catalog.write("ci360/no-folder.csv", "", [], header=True, task=Task(), line_breaks_in_fields=0)
    assert written is None


def test_with_a_database_the_check_refuses_before_any_transfer():
    catalog = ExportCatalog("db", "bucket", "ci360/", client_factory=None)
    with pytest.raises(BadRequest, match="folder of its own"):
        catalog.check("ci360/no-folder.csv", "", None)
    with pytest.raises(BadRequest, match="both become"):
        catalog.check("ci360/x/a.csv", "", [MetadataColumn("a"), MetadataColumn("A")])
    with pytest.raises(BadRequest, match="line break"):
        catalog.check("ci360/x/a.csv", "", [MetadataColumn("a\nb")], header=True)


def test_write_registers_through_the_client_it_was_given(glue):
    client, stubber = glue
    stubber.add_client_error("get_table", "EntityNotFoundException", http_status_code=400)
    stubber.add_response("create_table", {}, {"DatabaseName": "db", "TableInput": ANY})
    catalog = ExportCatalog("db", "bucket", "ci360/", client_factory=lambda: client)
    written = catalog.write(
        "ci360/exports/churn/a.csv", "", list(map(MetadataColumn, ["id"])), header=False, task=Task(),
        line_breaks_in_fields=0,
    )  # fmt: skip
    assert written is not None and written.table == "churn" and written.schema_changed


FOREIGN = {"Name": "churn", "Parameters": {}, "StorageDescriptor": {"Location": "s3://bucket/ci360/exports/churn/"}}
ELSEWHERE = {**WANTED, "StorageDescriptor": {**WANTED["StorageDescriptor"], "Location": "s3://bucket/ci360/eu/churn/"}}


@pytest.mark.parametrize(("existing", "reason"), [(FOREIGN, "not created by"), (ELSEWHERE, "another folder")])
def test_the_check_before_the_transfer_refuses_a_table_that_is_not_the_connectors(glue, existing, reason):
    client, stubber = glue
    stubber.add_response("get_table", {"Table": {**existing, "DatabaseName": "db"}})
    catalog = ExportCatalog("db", "bucket", "ci360/", client_factory=lambda: client)
    with pytest.raises(Conflict, match=f"the Glue table db.churn .*{reason}"):
        catalog.check("ci360/exports/churn/a.csv", "", [MetadataColumn("id")])


def test_the_check_lets_a_glue_it_cannot_ask_decide_after_the_transfer(glue):
    client, stubber = glue
    stubber.add_client_error("get_table", "AccessDeniedException", http_status_code=400)
    catalog = ExportCatalog("db", "bucket", "ci360/", client_factory=lambda: client)
    catalog.check("ci360/exports/churn/a.csv", "", [MetadataColumn("id")])  # no raise


@pytest.mark.parametrize("existing", [FOREIGN, ELSEWHERE], ids=["foreign", "another-folder"])
def test_a_table_found_after_the_transfer_that_is_not_the_connectors_is_left_alone(glue, existing):
    client, stubber = glue
    stubber.add_response("get_table", {"Table": {**existing, "DatabaseName": "db"}})  # no update stubbed
    catalogued = register(client, TARGET, WANTED)
    assert catalogued.conflict and catalogued.answer_fields()["catalog"] == "conflict"
    assert catalogued.event_fields() == catalogued.answer_fields()


def test_a_lost_create_race_to_a_foreign_table_is_a_conflict(glue):
    client, stubber = glue
    stubber.add_client_error("get_table", "EntityNotFoundException", http_status_code=400)
    stubber.add_client_error("create_table", "AlreadyExistsException", http_status_code=400)
    stubber.add_response("get_table", {"Table": {**FOREIGN, "DatabaseName": "db"}})
    assert register(client, TARGET, WANTED).conflict


def test_an_update_names_the_version_it_read_so_a_table_replaced_meanwhile_is_not_overwritten(glue):
    client, stubber = glue
    narrower = table_input(TARGET, COLUMNS[:1], header=True, task=Task("t", "o-0"))
    stubber.add_response("get_table", {"Table": {**narrower, "DatabaseName": "db", "VersionId": "7"}})
    stubber.add_client_error(
        "update_table",
        "ConcurrentModificationException",
        http_status_code=400,
        expected_params={"DatabaseName": "db", "TableInput": WANTED, "VersionId": "7"},
    )
    assert register(client, TARGET, WANTED).failed
