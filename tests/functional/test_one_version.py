"""One file, never two spliced: every response must carry the first one's ETag and size, and
without an ETag nothing is read in ranges or resumed."""

from __future__ import annotations

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.handler import Handler

DATA = b"0123456789,abcdefghij\n" * 800_000  # ~17 MiB: several ranges


def test_a_server_that_ignores_if_match_cannot_splice_two_versions(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("delivery_mode", "sync")
    # Two connections: ranges are still being asked for after the replacement (with eight, all seven
    # could be in flight before it, and whether one is asked for after it depends on the machine's load).
    monkeypatch.setenv("source_connections", "2")
    url = staging.put("/d.csv", DATA, Behaviour(ignore_if_match=True, delay_per_chunk=0.001))
    served = staging.files["/d.csv"]
    original = served.content

    class Replacing(LocalContext):
        def get_remaining_time_in_millis(self):  # the deadline is looked at between reads: replace mid-way
            if len(staging.gets("/d.csv")) >= 3 and served.content is original:
                served.content = DATA.replace(b"abc", b"xyz")
            return super().get_remaining_time_in_millis()

    response = Handler()(proxy_event(bulk_request(url, None)), Replacing())
    body = answer(response)
    assert response["statusCode"] == 502, body
    assert "changed during the transfer" in body["message"]
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_without_an_etag_the_file_is_read_on_one_stream_and_never_resumed(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("delivery_mode", "sync")
    url = staging.put("/d.csv", DATA, Behaviour(send_etag=False))
    response = Handler(sleep=lambda _: None)(proxy_event(bulk_request(url, None)), LocalContext())
    assert response["statusCode"] == 200, response["body"]
    assert [r["range"] for r in staging.gets("/d.csv")][1:] == [""]  # after the first range: the whole file
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == DATA

    staging.requests.clear()
    staging.files["/d.csv"].behaviour = Behaviour(send_etag=False, drop_after=3_000_000, drop_times=1)
    response = Handler(sleep=lambda _: None)(proxy_event(bulk_request(url, None, "exports/again.csv")), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 502, body
    assert "gives no ETag" in body["message"]
    assert not [r for r in staging.gets("/d.csv") if r["range"].startswith("bytes=3")]  # no resume asked
