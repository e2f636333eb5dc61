"""Unusable metadata is CI360's fault, answered 502 with nothing written (issue 26, item 1): a column
name holding a lone surrogate (JSON can spell one) could not be a UTF-8 header line."""

from __future__ import annotations

import pytest

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from s3_bulk_upload.handler import lambda_handler


@pytest.mark.parametrize(
    "metadata",
    [b'["id", "\\ud800"]', b'[{"columnName": "id"}, {"columnName": "x\\udc00y"}]'],
    ids=["strings", "objects"],
)
def test_a_lone_surrogate_in_a_column_name_is_a_502_and_nothing_is_written(s3, bucket, staging, metadata):
    request = bulk_request(staging.put("/d.csv", b"c-1,a\n"), staging.put("/m.json", metadata), "exports/a.csv")
    response = lambda_handler(proxy_event(request), LocalContext())
    body = answer(response)
    assert (response["statusCode"], body["status"]) == (502, "UpstreamError"), body
    assert "metadata column 2's name is not valid Unicode" in body["message"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
