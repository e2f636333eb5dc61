"""The distributed path's working files: removal that says when S3 kept some of them."""

from __future__ import annotations

from typing import Any, cast

import pytest

from s3_bulk_upload.errors import DestinationError
from s3_bulk_upload.state_objects import StateObjects


class Paginator:
    def __init__(self, pages):
        self.pages = pages

    def paginate(self, **_):
        return iter(self.pages)


class Client:
    """list_object_versions pages and DeleteObjects answers, as S3 gives them (200 with ``Errors``)."""

    def __init__(self, keys, failing=()):
        self.pages = [{"Versions": [{"Key": k, "VersionId": "null"} for k in keys]}]
        self.failing = set(failing)
        self.deleted: list[str] = []

    def get_paginator(self, name):
        assert name == "list_object_versions"
        return Paginator(self.pages)

    def delete_objects(self, Bucket, Delete):
        errors = []
        for entry in Delete["Objects"]:
            if entry["Key"] in self.failing:
                errors.append({"Key": entry["Key"], "Code": "AccessDenied", "Message": "Access Denied"})
            else:
                self.deleted.append(entry["Key"])
        return {"Errors": errors} if errors else {}


FOLDER = "p/.ci360-connector/executions/e/"


def test_every_version_of_the_folder_is_removed():
    client = Client([FOLDER + "request.json", FOLDER + "plan.json"])
    StateObjects(cast("Any", client), "b", "p/", {}).delete_folder(FOLDER)
    assert client.deleted == [FOLDER + "request.json", FOLDER + "plan.json"]


def test_a_key_s3_did_not_delete_is_an_error_not_silence():
    client = Client([FOLDER + "request.json", FOLDER + "plan.json"], failing=[FOLDER + "request.json"])
    with pytest.raises(DestinationError) as raised:
        StateObjects(cast("Any", client), "b", "p/", {}).delete_folder(FOLDER)
    assert raised.value.message == f"could not remove 1 working file(s) of {FOLDER} (first: AccessDenied)"
    assert client.deleted == [FOLDER + "plan.json"]
