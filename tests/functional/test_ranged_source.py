"""The data file read as ranges on several connections: in order, resumed per range, checked,
and back to one stream where the server ignores Range."""

from __future__ import annotations

import re

import pytest

from devkit.events import answer, bulk_request, proxy_event
from devkit.local.context import LocalContext
from devkit.local.staging import Behaviour
from s3_bulk_upload.errors import UpstreamError
from s3_bulk_upload.handler import Handler
from s3_bulk_upload.source import SourceFile
from s3_bulk_upload.source_answers import FileIdentity
from s3_bulk_upload.source_session import RetryPolicy, make_session

DATA = bytes(range(256)) * 4096 * 3  # 3 MiB
RANGE = 256 * 1024  # 12 ranges


def reader(
    url: str,
    connections: int = 4,
    range_size: int = RANGE,
    span: tuple[int, int] | None = None,
    identity: FileIdentity | None = None,
) -> SourceFile:
    policy = RetryPolicy(max_retries=3, backoff_seconds=0, connect_timeout=2, read_timeout=2)
    return SourceFile(
        make_session(policy, connections),
        url,
        "data file",
        policy,
        sleep=lambda _: None,
        connections=connections,
        range_size=range_size,
        span=span,
        identity=identity,
    )


def ranges_asked(staging, path="/d.csv"):
    return [r["range"] for r in staging.gets(path)]


def test_ranges_are_fetched_in_parallel_and_reassembled_in_order(staging):
    url = staging.put("/d.csv", DATA, Behaviour(delay_per_chunk=0.002))
    source = reader(url)
    assert b"".join(source.chunks()) == DATA
    assert source.size == len(DATA) and source.bytes_read == len(DATA)
    asked = ranges_asked(staging)
    expected = {f"bytes={start}-{start + RANGE - 1}" for start in range(0, len(DATA), RANGE)}
    assert asked[0] == f"bytes=0-{RANGE - 1}" and set(asked) == expected and len(asked) == len(expected)
    later = [r for r in staging.gets("/d.csv")[1:]]
    assert all(r["if_match"].startswith('"') for r in later)  # every range asks for the same file


def test_a_range_that_drops_mid_body_resumes_where_it_stopped(staging):
    url = staging.put("/d.csv", DATA, Behaviour(drop_after=100_000, drop_times=2))
    source = reader(url)
    assert b"".join(source.chunks()) == DATA
    assert source.resumes == 2
    resumes = [r for r in ranges_asked(staging) if re.fullmatch(r"bytes=(\d+)-(\d+)", r)]
    starts = {int(r.split("=")[1].split("-")[0]) for r in resumes}
    assert any(start % RANGE == 100_000 for start in starts)  # a resume from inside a range


def test_a_range_that_keeps_failing_ends_the_read(staging):
    url = staging.put("/d.csv", DATA, Behaviour(drop_after=10_000))
    with pytest.raises(UpstreamError, match=r"stopped at byte \d+ of 3145728 after 3 resumes"):
        b"".join(reader(url).chunks())


def test_a_server_that_ignores_range_is_read_on_one_stream(staging):
    url = staging.put("/d.csv", DATA, Behaviour(honour_range=False))
    source = reader(url)
    assert b"".join(source.chunks()) == DATA
    assert ranges_asked(staging) == [f"bytes=0-{RANGE - 1}"]  # answered 200: the whole file, once


def test_a_small_file_is_one_range(staging):
    url = staging.put("/d.csv", DATA[:1000])
    assert b"".join(reader(url).chunks()) == DATA[:1000]
    assert ranges_asked(staging) == [f"bytes=0-{RANGE - 1}"]


def test_closing_early_stops_the_reads(staging):
    url = staging.put("/d.csv", DATA, Behaviour(delay_per_chunk=0.01))
    chunks = reader(url, connections=2).chunks()
    first = b""
    while len(first) < RANGE:
        first += next(chunks)
    assert first == DATA[:RANGE]
    chunks.close()
    asked = len(staging.gets("/d.csv"))
    assert asked < len(DATA) // RANGE


def test_a_file_replaced_mid_transfer_is_502_and_nothing_is_written(s3, bucket, staging, monkeypatch):
    """A dropped range resumes with If-Match on the first ETag: the staging file changed meanwhile."""
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("include_header", "false")
    monkeypatch.setenv("delivery_mode", "sync")
    data = b"0123456789,abcdefghij\n" * 800_000  # ~17 MiB: 7 ranges
    url = staging.put("/d.csv", data, Behaviour(drop_after=1_000_000, drop_times=1))

    def replaced_while_waiting(_seconds):
        staging.files["/d.csv"].content = data.replace(b"abc", b"xyz")

    response = Handler(sleep=replaced_while_waiting)(proxy_event(bulk_request(url, None)), LocalContext())
    body = answer(response)
    assert (response["statusCode"], body["status"]) == (502, "UpstreamError"), body
    assert "changed during the transfer" in body["message"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_a_multi_range_export_lands_byte_for_byte(s3, bucket, staging, monkeypatch):
    monkeypatch.setenv("part_size_mib", "5")
    monkeypatch.setenv("delivery_mode", "sync")
    data = b'7,someone@example.com,"Quoted, name",0.5\n' * 400_000  # ~16 MiB: 7 ranges of half a part
    request = bulk_request(staging.put("/d.csv", data), staging.put("/m.json", b'["id","email","name","score"]'))
    response = Handler()(proxy_event(request), LocalContext())
    body = answer(response)
    assert response["statusCode"] == 200, body
    assert s3.get_object(Bucket=bucket, Key="exports/churn.csv")["Body"].read() == b"id,email,name,score\n" + data
    assert body["rows"] == 400_000
    ranges = [r["range"] for r in staging.gets("/d.csv") if r["range"] != "bytes=0-0"]
    assert ranges[0] == "bytes=0-2621439" and len(ranges) == 7  # 2.5 MiB each: parts of 5 MiB are two ranges


# One byte span of the file, held to a known version: what the distributed path copies a part with.


def identity_of(url):
    return reader(url, connections=1).probe()


@pytest.mark.parametrize("connections", [1, 4])
@pytest.mark.parametrize(("start", "end"), [(0, RANGE - 1), (1000, 1_500_000), (RANGE * 3, len(DATA) - 1), (5, 5)])
def test_a_span_reads_exactly_its_bytes(staging, connections, start, end):
    url = staging.put("/d.csv", DATA)
    source = reader(url, connections, span=(start, end), identity=identity_of(url))
    assert b"".join(source.chunks()) == DATA[start : end + 1]
    assert source.size_verified and source.bytes_read == end - start + 1


def test_every_request_of_a_span_asks_for_the_known_version(staging):
    url = staging.put("/d.csv", DATA)
    identity = identity_of(url)
    staging.requests.clear()
    source = reader(url, 4, span=(RANGE, 3 * RANGE - 1), identity=identity)
    assert b"".join(source.chunks()) == DATA[RANGE : 3 * RANGE]
    asked = staging.gets("/d.csv")
    assert asked and all(r["if_match"] == identity.etag for r in asked)


def test_a_span_of_a_file_replaced_since_the_plan_is_refused(staging):
    url = staging.put("/d.csv", DATA)
    identity = identity_of(url)
    staging.files["/d.csv"].content = DATA[::-1]
    with pytest.raises(UpstreamError, match="changed during the transfer"):
        b"".join(reader(url, 4, span=(0, RANGE - 1), identity=identity).chunks())


def test_a_span_whose_source_ignores_range_is_cut_to_the_span(staging):
    url = staging.put("/d.csv", DATA, Behaviour(honour_range=False))
    source = reader(url, 1, span=(100, 200_000), identity=None)
    assert b"".join(source.chunks()) == DATA[100:200_001]


def test_a_span_resumes_inside_itself_after_a_drop(staging):
    url = staging.put("/d.csv", DATA, Behaviour(drop_after=50_000, drop_times=2))
    identity = identity_of(url)
    source = reader(url, 1, span=(10, 700_000), identity=identity)
    assert b"".join(source.chunks()) == DATA[10:700_001]
    assert source.resumes == 2
