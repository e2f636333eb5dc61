"""One byte span of a staging file, held to a known version: what the distributed path copies a part with."""

from __future__ import annotations

import pytest

from devkit.local.staging import Behaviour
from s3_bulk_upload.errors import UpstreamError
from s3_bulk_upload.source import SourceFile
from s3_bulk_upload.source_session import RetryPolicy, make_session

DATA = bytes(range(256)) * 4096 * 3  # 3 MiB
RANGE = 256 * 1024


def span_reader(url, span, identity=None, connections=4):
    policy = RetryPolicy(max_retries=3, backoff_seconds=0, connect_timeout=2, read_timeout=2)
    return SourceFile(
        make_session(policy, connections),
        url,
        "data file",
        policy,
        sleep=lambda _: None,
        connections=connections,
        range_size=RANGE,
        span=span,
        identity=identity,
    )


def identity_of(url):
    return span_reader(url, None, connections=1).probe()


@pytest.mark.parametrize("connections", [1, 4])
@pytest.mark.parametrize(("start", "end"), [(0, RANGE - 1), (1000, 1_500_000), (RANGE * 3, len(DATA) - 1), (5, 5)])
def test_a_span_reads_exactly_its_bytes(staging, connections, start, end):
    url = staging.put("/d.csv", DATA)
    source = span_reader(url, (start, end), identity_of(url), connections)
    assert b"".join(source.chunks()) == DATA[start : end + 1]
    assert source.size_verified and source.bytes_read == end - start + 1


def test_every_request_of_a_span_asks_for_the_known_version(staging):
    url = staging.put("/d.csv", DATA)
    identity = identity_of(url)
    staging.requests.clear()
    source = span_reader(url, (RANGE, 3 * RANGE - 1), identity)
    assert b"".join(source.chunks()) == DATA[RANGE : 3 * RANGE]
    asked = staging.gets("/d.csv")
    assert asked and all(r["if_match"] == identity.etag for r in asked)


def test_a_span_of_a_file_replaced_since_the_plan_is_refused(staging):
    url = staging.put("/d.csv", DATA)
    identity = identity_of(url)
    staging.files["/d.csv"].content = DATA[::-1]
    with pytest.raises(UpstreamError, match="changed during the transfer"):
        b"".join(span_reader(url, (0, RANGE - 1), identity).chunks())


def test_a_span_whose_source_ignores_range_is_cut_to_the_span(staging):
    url = staging.put("/d.csv", DATA, Behaviour(honour_range=False))
    source = span_reader(url, (100, 200_000), None, connections=1)
    assert b"".join(source.chunks()) == DATA[100:200_001]


def test_a_span_resumes_inside_itself_after_a_drop(staging):
    url = staging.put("/d.csv", DATA, Behaviour(drop_after=50_000, drop_times=2))
    identity = identity_of(url)
    source = span_reader(url, (10, 700_000), identity, connections=1)
    assert b"".join(source.chunks()) == DATA[10:700_001]
    assert source.resumes == 2
